"""What each shop action writes to a linked shop's platform, recorded in the action's own
transaction (``platform_writes.record``) and carried out by the write job, each call verified
by reading back.

Rules:
- Only a product or activity mirrored from a linked shop's platform is written there; a shop
  with no link (or a product the platform does not know) changes locally only, as before.
- A shop whose link waits for re-authorization refuses an action taken by a person
  (``PlatformReauthorize``, nothing changed anywhere): the platform would not follow. A
  job (the delist after the delay) goes on locally and notes the skipped write in the audit.
- Stock to zero sets every SKU's stock to 0 (Update Inventory); a restock sets the new stock
  (the snapshot's SKU quantities when it restores one, else spread over the SKUs); the delist
  deactivates the product.
- A restored cancellation puts the product back in its activity with the snapshot's activity
  price and quantities (and the SKU terms the platform had when it was removed), after a
  republish when the activity was deactivated and the platform allows it (spec §1.1, §1.5).
- A replace adds the replacement with its price and the old quantities, then removes the
  replaced product (never a moment with neither; not at all when the addition failed).
- A finished cancel batch removes its done items from their platform activities, one write per
  activity (``batch:<id>:activity:<id>``).
"""

from __future__ import annotations

from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, PromodeskError
from promodesk.models import (
    ShopActivity,
    ShopEnrollment,
    ShopPlatformIntent,
    ShopPlatformLink,
    ShopProduct,
    ShopSnapshot,
)
from promodesk.shop.domain.platform import (
    REMOVABLE_STATUSES,
    REPUBLISHABLE_STATUSES,
    LinkStatus,
    WriteAction,
    percent_off,
    republishable,
    split_stock,
)
from promodesk.shop.errors import ActivityClosed, PlatformReauthorize
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_writes import record, remove_products
from promodesk.shop.settings import shop_settings

Part = tuple[WriteAction, str, list[str], dict[str, Any]]
# A part sent only when the part before it was verified (``platform_writes``).
AFTER = {"after_previous": True}


def _stamp() -> int:
    return int(clock.now().timestamp() * 1000)


def link_for(
    uow: UnitOfWork, workspace_id: int, shop_id: int, *, by_job: bool = False
) -> ShopPlatformLink | None:
    """The shop's platform link when writes go there; None for a shop with no link (and for
    a job when the link waits for re-authorization)."""
    link = PlatformRepository(uow).link_for_shop(workspace_id, shop_id)
    if link is None:
        return None
    if link.status != LinkStatus.ACTIVE:
        if by_job:
            return None
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again "
            "before changing its products",
            message=N_(
                "The platform no longer accepts this shop's authorization: connect the shop "
                "again before changing its products."
            ),
        )
    return link


def _skipped(uow: UnitOfWork, workspace_id: int, product: ShopProduct, what: str) -> None:
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor="system",
        action="shop.platform.write_skipped",
        object_type="shop_product",
        object_id=product.id,
        note=f"{what}: the shop's platform link waits for re-authorization",
    )


def _inventory(
    uow: UnitOfWork,
    workspace_id: int,
    product: ShopProduct,
    quantities: dict[str, int],
    *,
    key: str,
    actor: str,
) -> list[ShopPlatformIntent]:
    link = link_for(uow, workspace_id, product.shop_id)
    if link is None or not product.platform_product_id or not quantities:
        return []
    part: Part = (
        WriteAction.INVENTORY,
        "",
        [product.platform_product_id],
        {"quantities": quantities},
    )
    return record(
        uow, link, key, [part], actor=actor, object_type="shop_product", object_id=product.id
    )


def _sku_ids(uow: UnitOfWork, product: ShopProduct) -> list[str]:
    return sorted(PlatformRepository(uow).skus_of(product.id))


def stock_zero(
    uow: UnitOfWork, workspace_id: int, product: ShopProduct, *, actor: str
) -> list[ShopPlatformIntent]:
    """Stock to zero on the platform: every SKU of the product at 0."""
    quantities = dict.fromkeys(_sku_ids(uow, product), 0)
    key = f"stock_zero:p{product.id}:{_stamp()}"
    return _inventory(uow, workspace_id, product, quantities, key=key, actor=actor)


def restock(
    uow: UnitOfWork,
    workspace_id: int,
    product: ShopProduct,
    stock: int,
    *,
    actor: str,
    saved: dict[str, int] | None = None,
) -> list[ShopPlatformIntent]:
    """The new stock on the platform (``saved``: a snapshot's SKU quantities)."""
    quantities = split_stock(stock, _sku_ids(uow, product), saved)
    key = f"restock:p{product.id}:{_stamp()}"
    return _inventory(uow, workspace_id, product, quantities, key=key, actor=actor)


def sku_stock(uow: UnitOfWork, product: ShopProduct) -> dict[str, int]:
    """The product's SKU quantities as mirrored (kept in a snapshot for its restore)."""
    return {sku: int(row.stock) for sku, row in PlatformRepository(uow).skus_of(product.id).items()}


def delist(uow: UnitOfWork, workspace_id: int, product: ShopProduct) -> list[ShopPlatformIntent]:
    """The delayed delist on the platform (a job: skipped with a note when the link waits
    for re-authorization)."""
    if not product.platform_product_id:
        return []
    link = link_for(uow, workspace_id, product.shop_id, by_job=True)
    if link is None:
        if PlatformRepository(uow).link_for_shop(workspace_id, product.shop_id) is not None:
            _skipped(uow, workspace_id, product, "delist")
        return []
    part: Part = (WriteAction.DELIST, "", [product.platform_product_id], {})
    key = f"delist:p{product.id}:{_stamp()}"
    return record(
        uow, link, key, [part], actor="system", object_type="shop_product", object_id=product.id
    )


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
    key = key or f"replace:e{old_row.id}:e{new_row.id}:{_stamp()}"
    record(uow, link, key, parts, actor=actor, object_type="shop_enrollment", object_id=old_row.id)
    return key


def record_batch_removals(uow: UnitOfWork, workspace_id: int, batch_id: int) -> int:
    """A cancel batch finished: its done items in platform activities leave them on the
    platform too, one recorded removal per activity (key ``batch:<id>:activity:<id>``, so a
    second call records nothing). An activity whose shop link waits for re-authorization is
    noted in the audit log and left for a new authorization. Returns the intents recorded."""
    by_activity: dict[int, list[int]] = {}
    for activity_id, product_id in PlatformRepository(uow).done_platform_items(batch_id):
        by_activity.setdefault(activity_id, []).append(product_id)
    recorded = 0
    for activity_id, product_ids in by_activity.items():
        try:
            with uow.savepoint():
                recorded += len(
                    remove_products(
                        uow,
                        workspace_id,
                        activity_id,
                        product_ids,
                        key=f"batch:{batch_id}:activity:{activity_id}",
                        actor="batch",
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
