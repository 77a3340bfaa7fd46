"""A linked shop's product on its platform: stock to zero and restock (the SKUs' inventory,
a snapshot's SKU quantities on a restore, else spread over the SKUs) and the delayed delist
(the product deactivated and removed from the platform activities its enrollments left)."""

from __future__ import annotations

from collections.abc import Sequence

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    ShopPlatformIntent,
    ShopProduct,
)
from promodesk.shop.domain.platform import (
    REMOVABLE_STATUSES,
    WriteAction,
    split_stock,
)
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_actions.access import Part, link_for, note_skipped, stamp
from promodesk.shop.service.platform_writes import record


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


def write_key(intents: list[ShopPlatformIntent]) -> str | None:
    """The key of a recorded write (``platform_writes.progress``), None when none was."""
    return intents[0].key.rsplit(":", 1)[0] if intents else None


def _sku_ids(uow: UnitOfWork, product: ShopProduct) -> list[str]:
    return sorted(PlatformRepository(uow).skus_of(product.id))


def stock_zero(
    uow: UnitOfWork, workspace_id: int, product: ShopProduct, *, actor: str
) -> list[ShopPlatformIntent]:
    """Stock to zero on the platform: every SKU of the product at 0."""
    quantities = dict.fromkeys(_sku_ids(uow, product), 0)
    key = f"stock_zero:p{product.id}:{stamp()}"
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
    key = f"restock:p{product.id}:{stamp()}"
    return _inventory(uow, workspace_id, product, quantities, key=key, actor=actor)


def sku_stock(uow: UnitOfWork, product: ShopProduct) -> dict[str, int]:
    """The product's SKU quantities as mirrored (kept in a snapshot for its restore)."""
    return {sku: int(row.stock) for sku, row in PlatformRepository(uow).skus_of(product.id).items()}


def delist(
    uow: UnitOfWork, workspace_id: int, product: ShopProduct, activity_ids: Sequence[int] = ()
) -> list[ShopPlatformIntent]:
    """The delayed delist on the platform: the product deactivated, and removed from the
    platform activities its enrollments left (``activity_ids``; an IMMUTABLE one or one that
    no longer runs is left as it is). A job: skipped with a note when the link waits for
    re-authorization."""
    if not product.platform_product_id:
        return []
    link = link_for(uow, workspace_id, product.shop_id, by_job=True)
    if link is None:
        if PlatformRepository(uow).link_for_shop(workspace_id, product.shop_id) is not None:
            note_skipped(uow, workspace_id, product, "delist")
        return []
    parts: list[Part] = [(WriteAction.DELIST, "", [product.platform_product_id], {})]
    activities = ShopRepository(uow).activities_by_ids(workspace_id, sorted(set(activity_ids)))
    for activity in sorted(activities.values(), key=lambda a: a.id):
        if (
            activity.platform_activity_id
            and activity.platform_shop_id == product.shop_id
            and not activity.immutable
            and (activity.platform_status or "") in REMOVABLE_STATUSES
        ):
            parts.append(
                (
                    WriteAction.REMOVE,
                    activity.platform_activity_id,
                    [product.platform_product_id],
                    {},
                )
            )
    key = f"delist:p{product.id}:{stamp()}"
    return record(
        uow, link, key, parts, actor="system", object_type="shop_product", object_id=product.id
    )
