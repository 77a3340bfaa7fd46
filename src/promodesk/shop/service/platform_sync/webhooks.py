"""Webhooks update the mirror in seconds.

Rules:
- Webhooks: verified by signature before anything else, recorded once per delivery (the
  platform's notification id), then each affected activity or product is read back by a job
  of its own and mirrored with the same code as the sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import Unauthorized
from promodesk.kit.jobs.service import enqueue
from promodesk.models import ShopPlatformEvent, ShopPlatformLink
from promodesk.shop.domain.platform import LinkStatus
from promodesk.shop.platform import port
from promodesk.shop.platform.providers import PROVIDERS, platform
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_links.tokens import (
    Refreshed,
    access_of,
    mark_needs_reauth,
    store_refresh,
)
from promodesk.shop.service.platform_sync.activities import apply_activity
from promodesk.shop.service.platform_sync.products import apply_products
from promodesk.shop.service.platform_sync.steps import Fetched, with_refresh

ACTIVITY_JOB = "shop.platform_activity"
PRODUCT_JOB = "shop.platform_product"


def receive_webhook(
    uow: UnitOfWork, provider: str, raw_body: bytes, headers: dict[str, str]
) -> tuple[str, int]:
    """Verify, record once, and enqueue the read-backs. Returns (outcome, links touched):
    "duplicate" for a delivery already received."""
    if provider not in PROVIDERS:
        raise Unauthorized("unknown platform")
    try:
        event = platform(provider).verify_event(raw_body, headers)
    except port.PlatformError:
        raise Unauthorized("the webhook signature does not match") from None
    repo = PlatformRepository(uow)
    if repo.event(provider, event.digest) is not None:
        return "duplicate", 0
    targets = list(repo.links_of_platform_shop(provider, event.shop_id)) if event.shop_id else []
    try:
        with uow.savepoint():
            repo.add(
                ShopPlatformEvent(
                    workspace_id=targets[0].workspace_id if len(targets) == 1 else None,
                    link_id=targets[0].id if len(targets) == 1 else None,
                    provider=provider,
                    digest=event.digest,
                    kind=event.kind[:48],
                    platform_shop_id=event.shop_id[:64],
                    payload=_small(event.data),
                    status="received",
                )
            )
    except Exception as exc:  # a concurrent delivery of the same event won the insert
        if repo.event(provider, event.digest) is not None:
            return "duplicate", 0
        raise exc
    for link in targets:
        _dispatch(uow, link, event)
    return "accepted", len(targets)


def _small(data: dict[str, Any]) -> dict[str, Any]:
    """What is kept of an event's data: the fields that name what changed."""
    keep = ("activity_id", "status", "update_time", "change_type", "product_id", "sku_id")
    return {k: data[k] for k in keep if k in data and isinstance(data[k], str | int)}


def _dispatch(uow: UnitOfWork, link: ShopPlatformLink, event: port.PlatformEvent) -> None:
    payload = {"workspace_id": link.workspace_id, "link_id": link.id}
    if event.kind == "deauthorized":
        mark_needs_reauth(uow, link.workspace_id, link.id, "the seller deauthorized the app")
        return
    if link.status != LinkStatus.ACTIVE:
        return
    if event.kind in ("activity_status", "activity_change") and event.activity_id:
        enqueue(
            uow,
            ACTIVITY_JOB,
            {**payload, "activity_id": event.activity_id},
            dedupe_key=f"{ACTIVITY_JOB}:{link.id}:{event.digest}",
            workspace_id=link.workspace_id,
        )
    for product_id in event.product_ids if event.kind in ("product_status", "inventory") else ():
        enqueue(
            uow,
            PRODUCT_JOB,
            {**payload, "product_id": product_id},
            dedupe_key=f"{PRODUCT_JOB}:{link.id}:{product_id}:{event.digest}",
            workspace_id=link.workspace_id,
        )


@dataclass
class ReadBack:
    activity: port.PlatformActivity | None = None
    product: port.PlatformProduct | None = None
    refreshed: Refreshed | None = None
    error: port.PlatformError | None = None


def prefetch_read_back(db: Database, payload: dict[str, Any]) -> ReadBack:
    """An activity's or a product's current state on the platform (a webhook's read-back)."""
    with db.read() as uow:
        row = PlatformRepository(uow).link(int(payload["workspace_id"]), int(payload["link_id"]))
        if row is None or row.status != LinkStatus.ACTIVE:
            return ReadBack()
        link = access_of(row)
    holder = Fetched()
    out = ReadBack()
    try:
        if payload.get("activity_id"):
            out.activity = with_refresh(
                link, holder, lambda p, a: p.activity(a, str(payload["activity_id"]))
            )
        else:
            out.product = with_refresh(
                link, holder, lambda p, a: p.product(a, str(payload["product_id"]))
            )
    except port.PlatformError as exc:
        out.error = exc
    out.refreshed = holder.refreshed
    return out


def apply_read_back(uow: UnitOfWork, payload: dict[str, Any], fetched: ReadBack | None) -> None:
    link = PlatformRepository(uow).link(int(payload["workspace_id"]), int(payload["link_id"]))
    if link is None or fetched is None:
        return
    if fetched.refreshed is not None:
        store_refresh(uow, fetched.refreshed)
    if fetched.error is not None:
        if fetched.error.needs_authorization:
            mark_needs_reauth(uow, link.workspace_id, link.id, fetched.error.message)
            return
        if fetched.error.retryable:
            raise fetched.error
        return  # refused (e.g. gone from the platform): the next sync settles it
    if fetched.activity is not None:
        apply_activity(uow, link, fetched.activity)
    if fetched.product is not None:
        apply_products(uow, link, [fetched.product])
