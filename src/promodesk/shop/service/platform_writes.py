"""Writes to the platform, each recorded as an intent before its call and verified by reading
back: removing products from an activity (in chunks of at most ``max_remove_ids``),
deactivating an activity left empty, and every other action of ``platform_write_steps``
(update activity products, republish, inventory, delist, relist) that ``platform_actions``
records for the shop's features.

Rules:
- ``record`` (and ``remove_products``, one intent per chunk) writes the intents (``pending``)
  and a job in the caller's transaction; nothing is sent before that commits. The same
  ``key`` again returns the intents already recorded (a retried request does nothing twice).
- Each job step takes the first unfinished intent, reads back, and sends only what the
  platform does not show yet; then reads back again: ``verified`` when it shows it all, else
  tried once more and then ``failed`` (a call acknowledged but not applied). A worker killed
  after a call and before its commit finds it done on the next read and sends nothing again.
- A part marked ``after_previous`` is not sent when the part before it failed (a replace
  never removes the replaced product when the replacement could not be added).
- An activity left with no product by a removal is deactivated (an intent of its own), so no
  empty "zombie" activity stays online; an IMMUTABLE activity is never touched.
- A step's calls are made only while its job's lease is surely held (``kit.jobs.lease``): a
  worker whose lease was taken over stops before its next call and records nothing.
- Every intent keeps the platform's code, message and ``request_id`` of each call, and the
  mirror is updated from each read-back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.jobs.lease import LeaseKeeper
from promodesk.kit.jobs.service import enqueue
from promodesk.models import ShopPlatformIntent, ShopPlatformLink
from promodesk.shop.domain.platform import (
    INTENT_LIFECYCLE,
    REMOVABLE_STATUSES,
    IntentStatus,
    LinkStatus,
    WriteAction,
    chunk,
)
from promodesk.shop.errors import PlatformNotLinked, PlatformReauthorize
from promodesk.shop.platform import port
from promodesk.shop.platform.providers import platform
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service import platform_write_steps as write_steps
from promodesk.shop.service.platform_links.tokens import (
    access_of,
    mark_needs_reauth,
    store_refresh,
)
from promodesk.shop.service.platform_sync.activities import apply_activity
from promodesk.shop.service.platform_sync.products import apply_products
from promodesk.shop.service.platform_sync.steps import Fetched, with_refresh
from promodesk.shop.service.platform_write_progress import FINAL
from promodesk.shop.service.platform_write_progress import progress as progress
from promodesk.shop.service.platform_write_progress import recent as recent
from promodesk.shop.service.platform_write_steps import Attempt, Wanted

WRITE_JOB = "shop.platform_write"
REMOVE = WriteAction.REMOVE.value
DEACTIVATE = WriteAction.DEACTIVATE.value
REPUBLISH = WriteAction.REPUBLISH.value
MAX_ATTEMPTS = 2


def active_link(uow: UnitOfWork, workspace_id: int, shop_id: int) -> ShopPlatformLink:
    """The shop's platform link, able to write (else ``PlatformNotLinked`` or
    ``PlatformReauthorize``)."""
    link = PlatformRepository(uow).link_for_shop(workspace_id, shop_id)
    if link is None:
        raise PlatformNotLinked("the shop is not linked to a platform shop")
    if link.status != LinkStatus.ACTIVE:
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again"
        )
    return link


def record(
    uow: UnitOfWork,
    link: ShopPlatformLink,
    key: str,
    parts: Sequence[tuple[WriteAction, str, Sequence[str], dict[str, Any]]],
    *,
    actor: str,
    object_type: str,
    object_id: int,
    audited: bool = True,
) -> list[ShopPlatformIntent]:
    """Record a write of several calls (``parts``: action, platform activity id, platform
    product ids, payload; run in this order) and the job that carries it out, in the
    caller's transaction; nothing is sent before it commits. The same ``key`` again returns
    the intents already recorded."""
    if not key or len(key) > 150:
        raise ValidationFailed("a write key has 1 to 150 characters", field="key")
    repo = PlatformRepository(uow)
    existing = list(repo.intents(link.workspace_id, f"{key}:"))
    if existing:
        return existing
    intents = [
        repo.add(
            ShopPlatformIntent(
                workspace_id=link.workspace_id,
                link_id=link.id,
                key=f"{key}:{n:05d}",
                action=action.value,
                platform_activity_id=activity_id,
                chunk=n,
                product_ids=[str(p) for p in product_ids],
                payload=payload,
                status=IntentStatus.PENDING,
                attempts=0,
                result={},
            )
        )
        for n, (action, activity_id, product_ids, payload) in enumerate(parts)
    ]
    enqueue(
        uow,
        WRITE_JOB,
        {"workspace_id": link.workspace_id, "key": key},
        dedupe_key=f"{WRITE_JOB}:{link.workspace_id}:{key}",
        workspace_id=link.workspace_id,
    )
    if not audited:
        return intents
    audit.record(
        uow,
        workspace_id=link.workspace_id,
        actor=actor,
        action="shop.platform.write_recorded",
        object_type=object_type,
        object_id=object_id,
        after={"key": key, "actions": sorted({a.value for a, *_ in parts}), "calls": len(parts)},
    )
    return intents


def remove_products(
    uow: UnitOfWork,
    workspace_id: int,
    activity_id: int,
    product_ids: Sequence[int],
    *,
    key: str,
    actor: str = "system",
) -> list[ShopPlatformIntent]:
    """Record the removal of ``product_ids`` (promodesk ids) from a mirrored activity on the
    platform, chunked to the platform's limit, and the job that carries it out."""
    if not key or len(key) > 150:
        raise ValidationFailed("a write key has 1 to 150 characters", field="key")
    repo = PlatformRepository(uow)
    existing = list(repo.intents(workspace_id, f"{key}:"))
    if existing:
        return existing
    activity = ShopRepository(uow).activity(workspace_id, activity_id)
    if activity is None or activity.platform_activity_id is None:
        raise NotFound(f"activity {activity_id} is not a platform activity")
    assert activity.platform_shop_id is not None
    link = active_link(uow, workspace_id, activity.platform_shop_id)
    if activity.immutable:
        raise ValidationFailed("the activity is IMMUTABLE on the platform", field="activity_id")
    products = {
        p.id: p for p in ShopRepository(uow).products_by_ids(workspace_id, list(product_ids))
    }
    platform_ids = [
        products[pid].platform_product_id
        for pid in product_ids
        if pid in products and products[pid].platform_product_id
    ]
    if not platform_ids:
        raise ValidationFailed("none of these products is on the platform", field="product_ids")
    size = platform(link.provider).max_remove_ids
    parts: list[tuple[WriteAction, str, Sequence[str], dict[str, Any]]] = [
        (WriteAction.REMOVE, activity.platform_activity_id, part, {})
        for part in chunk([str(p) for p in platform_ids], size)
    ]
    intents = record(
        uow,
        link,
        key,
        parts,
        actor=actor,
        object_type="shop_activity",
        object_id=activity.id,
        audited=False,
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.platform.remove_recorded",
        object_type="shop_activity",
        object_id=activity.id,
        after={"key": key, "products": len(platform_ids), "calls": len(intents)},
    )
    return intents


def _next_intent(intents: Sequence[ShopPlatformIntent]) -> ShopPlatformIntent | None:
    return next((i for i in intents if i.status not in FINAL), None)


def _previous_failed(intents: Sequence[ShopPlatformIntent], intent: ShopPlatformIntent) -> bool:
    """Whether the part before ``intent`` in its write failed (a part that depends on it,
    e.g. a replace's removal of the replaced product, is then not sent)."""
    before = [i for i in intents if i.chunk < intent.chunk]
    return bool(before) and before[-1].status == IntentStatus.FAILED


def prefetch(
    db: Database, payload: dict[str, Any], lease: LeaseKeeper | None = None
) -> Attempt | None:
    """The step's calls, before its transaction; with the job's ``lease``, each call is made
    only while the job is surely still this worker's (else ``LeaseLost``: nothing more is
    sent and the step commits nothing)."""
    workspace_id, key = int(payload["workspace_id"]), str(payload["key"])
    with db.read() as uow:
        repo = PlatformRepository(uow)
        intents = list(repo.intents(workspace_id, f"{key}:"))
        intent = _next_intent(intents)
        if intent is None:
            return None
        row = repo.link(workspace_id, intent.link_id)
        if row is None or row.status != LinkStatus.ACTIVE:
            return Attempt(intent.id, error=port.AuthorizationLost("the link is not active"))
        if (intent.payload or {}).get("after_previous") and _previous_failed(intents, intent):
            return Attempt(
                intent.id,
                error=port.PlatformRefused(
                    "not sent: the call it follows failed", kind="PreviousCallFailed"
                ),
            )
        link = access_of(row)
        wanted = Wanted(
            intent.action,
            intent.platform_activity_id,
            list(intent.product_ids),
            dict(intent.payload or {}),
        )
        attempt = Attempt(intent.id)
    holder = Fetched()

    def call(read: Any) -> Any:
        if lease is not None:
            lease.check()
        return with_refresh(link, holder, read)

    try:
        write_steps.fetch(call, wanted, attempt)
    except port.PlatformError as exc:
        attempt.error = exc
    attempt.refreshed = holder.refreshed
    return attempt


def step(uow: UnitOfWork, payload: dict[str, Any], attempt: Attempt | None) -> bool:
    """Record one attempt; True while intents of the write remain."""
    workspace_id, key = int(payload["workspace_id"]), str(payload["key"])
    repo = PlatformRepository(uow)
    intents = list(repo.intents(workspace_id, f"{key}:"))
    intent = _next_intent(intents)
    if intent is None or attempt is None:
        return False
    if attempt.intent_id != intent.id:
        return True  # another step moved on meanwhile: read again
    link = repo.link(workspace_id, intent.link_id)
    if link is None:
        return False
    if attempt.refreshed is not None:
        store_refresh(uow, attempt.refreshed)
    result = dict(intent.result or {})
    intent.attempts += 1
    if attempt.error is not None:
        result[f"attempt_{intent.attempts}"] = attempt.error.as_result()
        intent.result = result
        if attempt.error.needs_authorization:
            mark_needs_reauth(uow, workspace_id, link.id, attempt.error.message)
            _finish(intent, IntentStatus.FAILED)
            return False
        if attempt.error.retryable:
            raise attempt.error  # the job's backoff tries this intent again
        _finish(intent, IntentStatus.FAILED)
        return _next_intent(intents) is not None
    if attempt.receipt is not None:
        result[f"attempt_{intent.attempts}"] = {
            **attempt.receipt.as_result(),
            "ids": len(attempt.sent),
        }
        if intent.status == IntentStatus.PENDING:
            intent.status = INTENT_LIFECYCLE.transition(intent.status, IntentStatus.SENT)
    if attempt.terms:
        result["terms"] = {**result.get("terms", {}), **attempt.terms}
    after = attempt.after
    if after is not None:
        result["read_back_request_id"] = after.request_id
        # A republish brings the activity back without the products a restore adds next:
        # its read-back moves the activity, not the enrollments.
        mirrored = replace(after, products=None) if intent.action == REPUBLISH else after
        apply_activity(uow, link, mirrored)
    if attempt.products_after:
        result["read_back_request_id"] = attempt.products_after[-1].request_id
        apply_products(uow, link, attempt.products_after)
    wanted = Wanted(
        intent.action, intent.platform_activity_id, list(intent.product_ids), intent.payload
    )
    left = write_steps.left_over(wanted, attempt)
    if intent.action == REMOVE:
        result["still_listed"] = left[:20]
    if not left:
        _finish(intent, IntentStatus.VERIFIED)
        if (
            intent.action == REMOVE
            and _next_intent(intents) is None
            and after is not None
            and not after.products
        ):
            _deactivate_intent(uow, intent, key, after)
    elif intent.attempts >= MAX_ATTEMPTS:
        result["message"] = write_steps.not_done_message(intent.action, left)
        _finish(intent, IntentStatus.FAILED)
    intent.result = result
    uow.flush()
    remaining = _next_intent(list(repo.intents(workspace_id, f"{key}:")))
    if remaining is None:
        audit.record(
            uow,
            workspace_id=workspace_id,
            actor="platform",
            action="shop.platform.write_done",
            object_type="shop",
            object_id=link.shop_id,
            after=progress(uow, workspace_id, key)["counts"],
        )
    return remaining is not None


def _finish(intent: ShopPlatformIntent, status: IntentStatus) -> None:
    intent.status = INTENT_LIFECYCLE.transition(intent.status, status)
    intent.updated_at = clock.now()


def _deactivate_intent(
    uow: UnitOfWork, last: ShopPlatformIntent, key: str, after: port.PlatformActivity
) -> None:
    """The removal left the activity empty: deactivate it, recorded like any write."""
    if after.immutable or after.status not in REMOVABLE_STATUSES:
        return
    PlatformRepository(uow).add(
        ShopPlatformIntent(
            workspace_id=last.workspace_id,
            link_id=last.link_id,
            key=f"{key}:deactivate",
            action=DEACTIVATE,
            platform_activity_id=last.platform_activity_id,
            chunk=last.chunk + 1,
            product_ids=[],
            status=IntentStatus.PENDING,
            attempts=0,
            result={},
        )
    )
