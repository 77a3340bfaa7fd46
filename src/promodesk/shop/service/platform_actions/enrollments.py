"""A linked shop's enrollments on its platform: a restored cancellation put back in its
activity (the snapshot's price and quantities, the SKU terms the removal kept; republished
first when the removal deactivated the emptied activity and the platform allows it), a replace
(the replacement added, then the replaced product removed: never a moment with neither), a
finished cancel batch's removals (one write per activity, ``batch:<id>:activity:<id>``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, PromodeskError
from promodesk.models import (
    ShopActivity,
    ShopEnrollment,
    ShopProduct,
    ShopSnapshot,
)
from promodesk.shop.domain.platform import (
    REMOVABLE_STATUSES,
    REPUBLISHABLE_STATUSES,
    WriteAction,
    percent_off,
    republishable,
)
from promodesk.shop.errors import ActivityClosed
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_actions.access import AFTER, Part, link_for, stamp
from promodesk.shop.service.platform_writes import record, remove_products
from promodesk.shop.settings import shop_settings


def _kept_terms(
    uow: UnitOfWork, workspace_id: int, snap: ShopSnapshot, activity: ShopActivity, pid: str
) -> dict[str, Any] | None:
    """The platform's terms of the product when the snapshot's batch removed it."""
    if snap.batch_id is None:
        return None
    prefix = f"batch:{snap.batch_id}:activity:{activity.id}:"
    for intent in PlatformRepository(uow).intents(workspace_id, prefix):
        terms = (intent.result or {}).get("terms", {}).get(pid)
        if terms:
            return dict(terms)
    return None


def _on_its_way(uow: UnitOfWork, workspace_id: int, batch_id: int, activity: ShopActivity) -> bool:
    """Whether the batch's removal from this activity still waits to run on the platform (a
    restore now would be undone by it)."""
    prefix = f"batch:{batch_id}:activity:{activity.id}:"
    return any(
        i.status in ("pending", "sent")
        for i in PlatformRepository(uow).intents(workspace_id, prefix)
    )


def _terms(
    uow: UnitOfWork,
    product: ShopProduct,
    price_minor: int,
    currency: str,
    limit: int,
    per_user: int,
    kept: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An activity product's terms: the promodesk figures (0: unlimited); under VARIATION the
    SKU terms the platform had (when known), else each mirrored SKU at the same share of its
    price (rounded down, so below it)."""
    assert product.platform_product_id is not None
    skus = list((kept or {}).get("skus") or [])
    if not skus:
        for sku_id, row in sorted(PlatformRepository(uow).skus_of(product.id).items()):
            base = row.price_minor or product.price_minor
            share = base * price_minor // product.price_minor if product.price_minor else None
            skus.append(
                {
                    "sku_id": sku_id,
                    "price_minor": share,
                    "quantity_limit": limit or -1,
                    "quantity_per_user": per_user or -1,
                }
            )
    return {
        "product_id": product.platform_product_id,
        "activity_price_minor": price_minor,
        "currency": currency,
        # the platform's own percent off when it was kept, else the one the price gives
        "discount_percent": (kept or {}).get("discount_percent")
        or percent_off(product.price_minor, price_minor),
        "quantity_limit": limit or -1,
        "quantity_per_user": per_user or -1,
        "skus": skus,
    }


def restore_cancel(
    uow: UnitOfWork,
    workspace_id: int,
    snap: ShopSnapshot,
    activity: ShopActivity,
    product: ShopProduct,
    *,
    actor: str,
) -> str | None:
    """Put a cancelled product back in its platform activity from its snapshot; the write's
    key, or None when the activity is not on a linked platform."""
    if not activity.platform_activity_id or not product.platform_product_id:
        return None
    assert activity.platform_shop_id is not None
    link = link_for(uow, workspace_id, activity.platform_shop_id)
    if link is None:
        return None
    if snap.batch_id is not None and _on_its_way(uow, workspace_id, snap.batch_id, activity):
        raise Conflict(
            "the cancel is still on its way to the platform; restore it once it is done",
            message=N_(
                "The cancel is still on its way to the platform; restore it once it is done."
            ),
        )
    saved = snap.data.get("enrollment", {})
    kept = _kept_terms(uow, workspace_id, snap, activity, product.platform_product_id)
    terms = _terms(
        uow,
        product,
        int(saved.get("activity_price_minor") or 0),
        str(saved.get("currency") or product.currency),
        int(saved.get("activity_stock") or 0),
        int(saved.get("per_buyer_limit") or 0),
        kept,
    )
    status = activity.platform_status or ""
    comes_back = republishable(
        status,
        bool(activity.immutable),
        activity.platform_type or "",
        shop_settings().platform_republish,
    )
    if status not in REMOVABLE_STATUSES and not comes_back:
        raise ActivityClosed(
            f"the activity is {status} on the platform, which does not bring it back: the "
            "product cannot return to it",
            message=N_(
                "The activity is %(status)s on the platform, which does not bring it back: "
                "the product cannot return to it."
            ),
            params={"status": status},
        )
    parts: list[Part] = []
    if status in REPUBLISHABLE_STATUSES:
        end = int(activity.ends_at.timestamp())
        parts.append((WriteAction.REPUBLISH, activity.platform_activity_id, [], {"end": end}))
    parts.append(
        (
            WriteAction.UPDATE,
            activity.platform_activity_id,
            [product.platform_product_id],
            {"products": [terms], **(AFTER if parts else {})},
        )
    )
    key = f"restore:snapshot:{snap.id}"
    record(uow, link, key, parts, actor=actor, object_type="shop_snapshot", object_id=snap.id)
    return key


def replace(
    uow: UnitOfWork,
    workspace_id: int,
    activity: ShopActivity,
    old: tuple[ShopEnrollment, ShopProduct],
    new: tuple[ShopEnrollment, ShopProduct],
    *,
    actor: str,
    key: str | None = None,
) -> str | None:
    """The replacement joins the platform activity with its price and the slot's quantities,
    then the replaced product leaves it; the write's key, or None (no linked platform)."""
    (old_row, old_product), (new_row, new_product) = old, new
    if (
        not activity.platform_activity_id
        or not old_product.platform_product_id
        or not new_product.platform_product_id
    ):
        return None
    assert activity.platform_shop_id is not None
    link = link_for(uow, workspace_id, activity.platform_shop_id)
    if link is None:
        return None
    if (activity.platform_status or "") not in REMOVABLE_STATUSES:
        raise ActivityClosed(
            f"the activity is {activity.platform_status} on the platform: its products cannot "
            "change there",
            message=N_(
                "The activity is %(status)s on the platform: its products cannot change there."
            ),
            params={"status": activity.platform_status or ""},
        )
    terms = _terms(
        uow,
        new_product,
        new_row.activity_price_minor,
        new_row.currency,
        new_row.activity_stock,
        new_row.per_buyer_limit,
    )
    platform_activity = activity.platform_activity_id
    parts: list[Part] = [
        (
            WriteAction.UPDATE,
            platform_activity,
            [new_product.platform_product_id],
            {"products": [terms]},
        ),
        # only once the replacement is there: never a moment with neither
        (WriteAction.REMOVE, platform_activity, [old_product.platform_product_id], AFTER),
    ]
    key = key or f"replace:e{old_row.id}:e{new_row.id}:{stamp()}"
    record(uow, link, key, parts, actor=actor, object_type="shop_enrollment", object_id=old_row.id)
    return key


def _round(
    uow: UnitOfWork, workspace_id: int, batch_id: int, activity_id: int, product_ids: list[int]
) -> tuple[str, list[int]]:
    """The key and the products of this round of a batch's removals from one activity: the
    first round takes ``batch:<id>:activity:<id>``; a later one (items done by a retry) takes
    ``…:round<n>`` with only the products no earlier round named."""
    base = f"batch:{batch_id}:activity:{activity_id}"
    earlier = list(PlatformRepository(uow).intents(workspace_id, f"{base}:"))
    if not earlier:
        return base, product_ids
    named = {str(p) for i in earlier if i.action == WriteAction.REMOVE for p in i.product_ids}
    rows = ShopRepository(uow).products_by_ids(workspace_id, product_ids)
    left = [p.id for p in rows if p.platform_product_id and p.platform_product_id not in named]
    rounds = {i.key.rsplit(":", 1)[0] for i in earlier}
    return f"{base}:round{len(rounds) + 1}", left


def record_batch_removals(
    uow: UnitOfWork, workspace_id: int, batch_id: int, activity_ids: Collection[int] | None = None
) -> int:
    """A cancel batch's done items in platform activities leave them on the platform too, one
    recorded removal per activity once none of its items in the batch is pending (so a chunk
    that finishes an activity starts its calls while the batch's other items are being done;
    ``activity_ids``: only those). The key is ``batch:<id>:activity:<id>``, so a second call
    records nothing; items done later by a retry get a round of their own. An activity whose
    shop link waits for re-authorization is noted in the audit log and left for a new
    authorization. Returns the intents recorded."""
    repo = PlatformRepository(uow)
    by_activity: dict[int, list[int]] = {}
    for activity_id, product_id in repo.done_platform_items(batch_id, activity_ids):
        by_activity.setdefault(activity_id, []).append(product_id)
    for waiting in repo.pending_activities(batch_id, set(by_activity)):
        del by_activity[waiting]
    recorded = 0
    for activity_id, product_ids in by_activity.items():
        key, product_ids = _round(uow, workspace_id, batch_id, activity_id, product_ids)
        if not product_ids:
            continue
        try:
            with uow.savepoint():
                recorded += len(
                    remove_products(
                        uow, workspace_id, activity_id, product_ids, key=key, actor="batch"
                    )
                )
        except PromodeskError as exc:
            audit.record(
                uow,
                workspace_id=workspace_id,
                actor="batch",
                action="shop.platform.write_skipped",
                object_type="shop_activity",
                object_id=activity_id,
                note=f"batch {batch_id}: {exc.detail}"[:300],
            )
    return recorded
