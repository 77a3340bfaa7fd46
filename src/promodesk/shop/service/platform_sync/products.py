"""The mirror of a linked shop's products: their SKUs, prices, stock and status."""

from __future__ import annotations

from collections.abc import Sequence

from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopPlatformLink, ShopProduct, ShopProductSku
from promodesk.shop.platform import port
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository

LISTED_STATUSES = frozenset({"ACTIVATE", "LIVE", "ACTIVE"})


def apply_products(
    uow: UnitOfWork, link: ShopPlatformLink, items: Sequence[port.PlatformProduct]
) -> list[ShopProduct]:
    """Create or update the shop's products (and SKUs) from the platform's."""
    repo = PlatformRepository(uow)
    shop_repo = ShopRepository(uow)
    known = repo.products_by_platform_id(
        link.workspace_id, link.shop_id, [p.product_id for p in items if p.product_id]
    )
    out: list[ShopProduct] = []
    for item in items:
        if not item.product_id:
            continue
        row = known.get(item.product_id)
        status = "listed" if item.status.upper() in LISTED_STATUSES else "delisted"
        if row is None:
            row = shop_repo.add(
                ShopProduct(
                    workspace_id=link.workspace_id,
                    shop_id=link.shop_id,
                    title=(item.title or item.product_id)[:300],
                    price_minor=item.price_minor or 0,
                    currency=item.currency,
                    stock=max(item.stock, 0),
                    safety_stock=0,
                    expected_sales=0,
                    status=status,
                    platform_product_id=item.product_id,
                    platform_status=item.status[:32],
                )
            )
            known[item.product_id] = row
        else:
            row.title = (item.title or row.title)[:300]
            if item.price_minor is not None:
                row.price_minor = item.price_minor
                row.currency = item.currency
            row.stock = max(item.stock, 0)
            row.status = status
            row.platform_status = item.status[:32]
        _apply_skus(uow, link, row, item)
        out.append(row)
    uow.flush()
    return out


def _apply_skus(
    uow: UnitOfWork, link: ShopPlatformLink, product: ShopProduct, item: port.PlatformProduct
) -> None:
    if not item.skus:
        return
    current = PlatformRepository(uow).skus_of(product.id)
    for sku in item.skus:
        row = current.pop(sku.sku_id, None)
        if row is None:
            uow.session.add(
                ShopProductSku(
                    workspace_id=link.workspace_id,
                    product_id=product.id,
                    platform_sku_id=sku.sku_id,
                    price_minor=sku.price_minor,
                    currency=item.currency,
                    stock=max(sku.stock or 0, 0),
                )
            )
        else:
            row.price_minor = sku.price_minor
            row.currency = item.currency
            row.stock = max(sku.stock or 0, 0)
    for gone in current.values():
        uow.session.delete(gone)
