"""A sync of a linked shop from its platform: products, then activities, then coupons.

Rules:
- A sync is a job in steps, one platform page per step: the page is fetched before the step's
  transaction opens (``prefetch_step``), then written with the cursor that follows it
  (``step``), so a killed worker resumes at the page it did not commit, and no transaction
  waits on the platform. Progress is an operation (``/operations``, the CLI's bar).
- Incremental: products changed since the last completed sync; an activity whose platform
  ``update_time`` did not change is not read again.
- The platform refusing our tokens mid-sync: one refresh is tried; if the refresh is refused
  too, the link waits for re-authorization and the sync stops, everything mirrored so far kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.kit.jobs import service as jobs_service
from promodesk.kit.jobs.service import enqueue
from promodesk.models import ShopPlatformLink
from promodesk.operations import service as operations
from promodesk.shop.domain.platform import LinkStatus, next_phase
from promodesk.shop.errors import PlatformNotLinked, PlatformReauthorize
from promodesk.shop.platform import port
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_links.reads import get_link
from promodesk.shop.service.platform_links.tokens import (
    LinkAccess,
    Refreshed,
    access_of,
    fetch_refresh,
    mark_needs_reauth,
    store_refresh,
)
from promodesk.shop.service.platform_sync.activities import apply_activity
from promodesk.shop.service.platform_sync.coupons import apply_coupons
from promodesk.shop.service.platform_sync.products import apply_products

SYNC_JOB = "shop.platform_sync"
OPERATION_KIND = "shop.platform_sync"


def start_sync(
    uow: UnitOfWork, workspace_id: int, shop_id: int, *, actor: str, full: bool = False
) -> tuple[int, int]:
    """Start a sync of the shop from its platform (job id, operation id). While one runs,
    its ids are returned instead of a second one."""
    shop = ShopRepository(uow).shop(workspace_id, shop_id)
    if shop is None:
        raise NotFound(f"shop {shop_id} not found")
    link = get_link(uow, workspace_id, shop_id)
    if link is None:
        raise PlatformNotLinked(f"shop {shop_id} is not linked to a platform shop")
    if link.status != LinkStatus.ACTIVE:
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again",
            field="shop_id",
        )
    state = dict(link.sync_state or {})
    if state.get("status") == "running":
        # The running sync answers, unless its job died (dead or cancelled): then a new one.
        op = operations.get(uow, workspace_id, int(state["operation_id"]))
        job = jobs_service.get(uow, int(state["job_id"]), workspace_id)
        if op.state not in operations.FINAL_STATES and job.status in ("queued", "running"):
            return job.id, op.id
        if op.state not in operations.FINAL_STATES:
            operations.finish(uow, op.id, state="failed", result={"error": "its job stopped"})
    op = operations.start(
        uow,
        workspace_id,
        OPERATION_KIND,
        title=f"Sync {shop.name} from TikTok Shop",
        created_by=actor,
    )
    since = None if full or link.synced_at is None else link.synced_at.isoformat()
    job = enqueue(
        uow,
        SYNC_JOB,
        {
            "workspace_id": workspace_id,
            "link_id": link.id,
            "operation_id": op.id,
            "phase": "products",
            "cursor": "",
            "since": since,
            "started": clock.now().isoformat(),
            "counts": {},
        },
        dedupe_key=f"{SYNC_JOB}:{link.id}:{op.id}",
        workspace_id=workspace_id,
    )
    link.sync_state = {"status": "running", "job_id": job.id, "operation_id": op.id}
    uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.platform.sync_started",
        object_type="shop",
        object_id=shop_id,
        after={"operation_id": op.id, "incremental": since is not None},
    )
    return job.id, op.id


@dataclass
class Fetched:
    """One step's platform reads, made before the step's transaction."""

    page: port.PlatformPage[Any] | None = None
    details: dict[str, port.PlatformActivity] = field(default_factory=dict)
    coupons: dict[str, port.PlatformCoupon] = field(default_factory=dict)
    refreshed: Refreshed | None = None
    error: port.PlatformError | None = None


def _fetch_page(
    shop_platform: port.ShopPlatform,
    access: port.ShopAccess,
    phase: str,
    cursor: str,
    since: datetime | None,
) -> port.PlatformPage[Any]:
    pages: Any
    if phase == "products":
        pages = shop_platform.product_pages(access, cursor=cursor, updated_since=since)
    elif phase == "activities":
        pages = shop_platform.activity_pages(access, cursor=cursor)
    else:
        pages = shop_platform.coupon_pages(access, cursor=cursor)
    page: port.PlatformPage[Any] | None = next(iter(pages), None)
    return page if page is not None else port.PlatformPage(items=[], cursor=cursor, next_cursor="")


def with_refresh(link: LinkAccess, fetched: Fetched, read: Any) -> Any:
    """``read(platform, access)``; when the platform refuses the token, refresh once (kept in
    ``fetched.refreshed`` for the step to store) and read again."""
    shop_platform = link.platform()
    try:
        return read(shop_platform, link.access())
    except port.AuthorizationLost:
        fetched.refreshed = fetch_refresh(link)
        tokens = fetched.refreshed.tokens
        if tokens is None:
            return None
        access = port.ShopAccess(tokens.access_token, link.shop_cipher, link.platform_shop_id)
        return read(shop_platform, access)


def prefetch_step(db: Database, payload: dict[str, Any]) -> Fetched:
    workspace_id, link_id = int(payload["workspace_id"]), int(payload["link_id"])
    with db.read() as uow:
        row = PlatformRepository(uow).link(workspace_id, link_id)
        if row is None or row.status != LinkStatus.ACTIVE:
            return Fetched()
        link = access_of(row)
    fetched = Fetched()
    phase, cursor = str(payload["phase"]), str(payload.get("cursor") or "")
    since = datetime.fromisoformat(payload["since"]) if payload.get("since") else None
    try:
        page = with_refresh(link, fetched, lambda p, a: _fetch_page(p, a, phase, cursor, since))
        if page is None:
            return fetched
        fetched.page = page
        if phase == "activities" and page.items:
            with db.read() as uow:
                versions = PlatformRepository(uow).activity_versions(
                    workspace_id, link.shop_id, [a.activity_id for a in page.items]
                )
            for item in page.items:
                if item.updated_at is None or versions.get(item.activity_id) != item.updated_at:
                    detail = with_refresh(
                        link, fetched, lambda p, a, i=item.activity_id: p.activity(a, i)
                    )
                    if detail is not None:
                        fetched.details[item.activity_id] = detail
        if phase == "coupons":
            for coupon in page.items:
                if not coupon.product_ids:
                    full = with_refresh(
                        link, fetched, lambda p, a, i=coupon.coupon_id: p.coupon(a, i)
                    )
                    if full is not None:
                        fetched.coupons[coupon.coupon_id] = full
    except port.AuthorizationLost as exc:
        fetched.error = exc
    except port.PlatformError as exc:
        fetched.error = exc
    return fetched


def _stop(
    uow: UnitOfWork, link: ShopPlatformLink, op_id: int, status: str, error: dict[str, Any]
) -> None:
    link.sync_state = {"status": status, "operation_id": op_id, "error": error}
    operations.progress(uow, op_id, failed=1, errors=[error])
    operations.finish(uow, op_id, state="failed", result={"error": error})


def step(
    uow: UnitOfWork, payload: dict[str, Any], fetched: Fetched | None
) -> dict[str, Any] | None:
    """Write one prefetched page; the payload of the next step, or None when the sync is
    over (done, stopped for re-authorization, or refused by the platform)."""
    workspace_id, link_id = int(payload["workspace_id"]), int(payload["link_id"])
    op_id = int(payload["operation_id"])
    repo = PlatformRepository(uow)
    link = repo.link(workspace_id, link_id)
    if link is None:
        return None
    if fetched is not None and fetched.refreshed is not None:
        store_refresh(uow, fetched.refreshed)
        uow.session.refresh(link)
    if link.status != LinkStatus.ACTIVE:
        _stop(uow, link, op_id, "needs_reauth", {"message": "the platform needs re-authorization"})
        return None
    if fetched is None or fetched.page is None:
        if fetched is not None and fetched.error is not None:
            error = fetched.error
            if error.needs_authorization:
                mark_needs_reauth(uow, workspace_id, link_id, error.message)
                _stop(uow, link, op_id, "needs_reauth", error.as_result())
                return None
            if error.retryable:
                raise error  # the job's backoff reads this page again
            _stop(uow, link, op_id, "failed", error.as_result())
            return None
        return dict(payload)  # nothing fetched (a race with a relink): read again
    page = fetched.page
    phase = str(payload["phase"])
    if not page.cursor and page.total:
        operations.add_total(uow, op_id, page.total)
    counts = dict(payload.get("counts") or {})
    if phase == "products":
        apply_products(uow, link, page.items)
    elif phase == "activities":
        for item in page.items:
            apply_activity(uow, link, fetched.details.get(item.activity_id, item))
    else:
        apply_coupons(uow, link, [fetched.coupons.get(c.coupon_id, c) for c in page.items])
    counts[phase] = int(counts.get(phase, 0)) + len(page.items)
    operations.progress(uow, op_id, done=len(page.items))
    if page.next_cursor:
        return {**payload, "cursor": page.next_cursor, "counts": counts}
    following = next_phase(phase)
    if following is not None:
        return {**payload, "phase": following, "cursor": "", "counts": counts}
    link.synced_at = datetime.fromisoformat(str(payload["started"]))
    link.sync_state = {"status": "done", "operation_id": op_id, "counts": counts}
    operations.finish(uow, op_id, result={"counts": counts})
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor="platform",
        action="shop.platform.synced",
        object_type="shop",
        object_id=link.shop_id,
        after=counts,
    )
    return None
