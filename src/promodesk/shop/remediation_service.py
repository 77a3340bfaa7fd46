"""Remediation: compensation coupons to a product's followers (one batch), shop announcements
(title, text, linked replacement products) and the storefront view that shows them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.models import ShopAnnouncement, ShopCompensation, ShopProduct
from promodesk.shop.catalog_service import get_product, get_shop
from promodesk.shop.errors import NothingToDo
from promodesk.shop.repository import ShopRepository
from promodesk.shop.review_repository import ReviewRepository


def compensate(
    uow: UnitOfWork, ws: int, product_id: int, *, value_minor: int, valid_days: int, actor: str
) -> ShopCompensation:
    """One compensation coupon per follower of the product, issued in one batch."""
    if value_minor <= 0:
        raise ValidationFailed("a compensation coupon is worth more than 0", field="value_minor")
    if not 1 <= valid_days <= 365:
        raise ValidationFailed("valid_days is 1..365", field="valid_days")
    product = get_product(uow, ws, product_id)
    followers = ShopRepository(uow).follower_ids(product.id)
    if not followers:
        raise NothingToDo(f"product {product_id} has no followers")
    comp = ShopRepository(uow).add(
        ShopCompensation(
            workspace_id=ws,
            shop_id=product.shop_id,
            product_id=product.id,
            value_minor=value_minor,
            currency=product.currency,
            valid_until=clock.now() + timedelta(days=valid_days),
            issued=len(followers),
            created_by=actor,
        )
    )
    ReviewRepository(uow).issue_coupons(ws, comp.id, followers)
    audit.record(
        uow,
        workspace_id=ws,
        actor=actor,
        action="shop.compensation.issue",
        object_type="shop_product",
        object_id=product.id,
        after={"compensation_id": comp.id, "coupons": len(followers), "value_minor": value_minor},
    )
    return comp


def compensation_coupons(uow: UnitOfWork, ws: int, compensation_id: int) -> list[str]:
    return ReviewRepository(uow).coupon_followers(ws, compensation_id)


def compensations(uow: UnitOfWork, ws: int, product_id: int) -> list[ShopCompensation]:
    """The compensation batches already issued for a product, newest first."""
    get_product(uow, ws, product_id)
    return ReviewRepository(uow).compensations(ws, product_id)


def announce(
    uow: UnitOfWork,
    ws: int,
    shop_id: int,
    *,
    title: str,
    body: str,
    product_ids: list[int],
    actor: str,
) -> ShopAnnouncement:
    get_shop(uow, ws, shop_id)
    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationFailed("a title has 1 to 200 characters", field="title")
    if len(body) > 5000:
        raise ValidationFailed("the text has at most 5000 characters", field="body")
    for pid in product_ids:
        if get_product(uow, ws, pid).shop_id != shop_id:
            raise ValidationFailed(f"product {pid} is not the shop's", field="product_ids")
    row = ShopRepository(uow).add(
        ShopAnnouncement(
            workspace_id=ws,
            shop_id=shop_id,
            title=title,
            body=body,
            product_ids=list(product_ids),
            published=True,
        )
    )
    audit.record(
        uow,
        workspace_id=ws,
        actor=actor,
        action="shop.announcement.create",
        object_type="shop_announcement",
        object_id=row.id,
        after={"title": title},
    )
    return row


def announcements(uow: UnitOfWork, ws: int, shop_id: int) -> list[ShopAnnouncement]:
    """The shop's announcements, newest first."""
    get_shop(uow, ws, shop_id)
    return ShopRepository(uow).announcements(ws, shop_id)


def _on_sale(p: ShopProduct) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "price_minor": p.price_minor,
        "currency": p.currency,
        "purchasable": p.status == "listed" and p.stock > 0,
        "status": p.status,
    }


def storefront(uow: UnitOfWork, ws: int, shop_id: int) -> dict[str, Any]:
    """What a buyer sees on the shop's page: announcements first (with their replacement
    products, where those are still listed), then the listed products."""
    repo = ShopRepository(uow)
    shop = get_shop(uow, ws, shop_id)
    notes = [a for a in repo.announcements(ws, shop_id) if a.published]
    linked = {pid for a in notes for pid in a.product_ids}
    by_id = {
        p.id: p
        for p in repo.products_by_ids(ws, sorted(linked))
        if p.shop_id == shop.id and p.status == "listed"
    }
    return {
        "shop": {"id": shop.id, "name": shop.name},
        "announcements": [
            {
                "id": a.id,
                "title": a.title,
                "body": a.body,
                "created_at": a.created_at.isoformat(),
                "products": [_on_sale(by_id[pid]) for pid in a.product_ids if pid in by_id],
            }
            for a in notes
        ],
        "products": [
            _on_sale(p) for p in repo.products(ws, shop_id, 0, 500) if p.status == "listed"
        ],
    }
