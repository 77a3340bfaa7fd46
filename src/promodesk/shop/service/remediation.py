"""Remediation: compensation coupons to a product's followers (one batch), shop announcements
(title, text, linked replacement products) and the storefront view that shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, ValidationFailed
from promodesk.models import ShopAnnouncement, ShopCompensation, ShopProduct
from promodesk.shop.errors import NothingToDo
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.records import RecordRepository
from promodesk.shop.repository.review import ReviewRepository
from promodesk.shop.service.shops import get_product, get_shop
from promodesk.shop.settings import shop_settings


@dataclass(frozen=True, slots=True)
class CompensationQuote:
    """What one compensation batch would cost: ``count`` coupons × ``value_minor`` =
    ``total_minor`` in ``currency``, and the caps it must stay within (settings
    ``PROMODESK_SHOP_COMPENSATION_MAX_VALUE_PERCENT`` of the product's price per coupon,
    ``PROMODESK_SHOP_COMPENSATION_MAX_TOTAL_PRICES`` times the price per batch)."""

    product: ShopProduct
    count: int
    value_minor: int
    total_minor: int
    currency: str
    max_value_minor: int
    max_total_minor: int


def compensation_quote(
    uow: UnitOfWork, workspace_id: int, product_id: int, value_minor: int
) -> CompensationQuote:
    """The confirmation's figures; refuses a value or a total above its cap (nothing written)."""
    if value_minor <= 0:
        raise ValidationFailed(
            "a compensation coupon is worth more than 0",
            field="value_minor",
            message=N_("A compensation coupon is worth more than 0."),
        )
    product = get_product(uow, workspace_id, product_id)
    count = len(ShopRepository(uow).follower_ids(product.id))
    if not count:
        raise NothingToDo(
            f"product {product_id} has no followers",
            message=N_("The product has no followers to compensate."),
        )
    settings = shop_settings()
    price = int(product.price_minor)
    quote = CompensationQuote(
        product=product,
        count=count,
        value_minor=value_minor,
        total_minor=count * value_minor,
        currency=product.currency,
        max_value_minor=price * settings.compensation_max_value_percent // 100,
        max_total_minor=price * settings.compensation_max_total_prices,
    )
    if value_minor > quote.max_value_minor:
        raise ValidationFailed(
            f"a compensation coupon is worth at most {quote.max_value_minor} minor units "
            f"({settings.compensation_max_value_percent} % of the product's price)",
            field="value_minor",
            message=N_(
                "A compensation coupon is worth at most %(percent)s %% of the product's price."
            ),
            params={"percent": settings.compensation_max_value_percent},
        )
    if quote.total_minor > quote.max_total_minor:
        raise ValidationFailed(
            f"{count} coupons × {value_minor} = {quote.total_minor} minor units; the total of "
            f"one batch is at most {quote.max_total_minor} "
            f"({settings.compensation_max_total_prices} times the product's price)",
            field="value_minor",
            message=N_(
                "%(count)s coupons of this value cost more than one batch may: at most "
                "%(times)s times the product's price."
            ),
            params={"count": count, "times": settings.compensation_max_total_prices},
        )
    return quote


def compensate(
    uow: UnitOfWork,
    workspace_id: int,
    product_id: int,
    *,
    value_minor: int,
    valid_days: int,
    actor: str,
) -> ShopCompensation:
    """One compensation coupon per follower of the product, issued in one batch, within the
    caps of ``compensation_quote``."""
    if not 1 <= valid_days <= 365:
        raise ValidationFailed(
            "valid_days is 1..365",
            field="valid_days",
            message=N_("A coupon is valid for 1 to 365 days."),
        )
    quote = compensation_quote(uow, workspace_id, product_id, value_minor)
    product = quote.product
    followers = ShopRepository(uow).follower_ids(product.id)
    comp = ShopRepository(uow).add(
        ShopCompensation(
            workspace_id=workspace_id,
            shop_id=product.shop_id,
            product_id=product.id,
            value_minor=value_minor,
            currency=product.currency,
            valid_until=clock.now() + timedelta(days=valid_days),
            issued=len(followers),
            created_by=actor,
        )
    )
    ReviewRepository(uow).issue_coupons(workspace_id, comp.id, followers)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.compensation.issue",
        object_type="shop_product",
        object_id=product.id,
        after={"compensation_id": comp.id, "coupons": len(followers), "value_minor": value_minor},
    )
    return comp


def compensation_coupons(uow: UnitOfWork, workspace_id: int, compensation_id: int) -> list[str]:
    return ReviewRepository(uow).coupon_followers(workspace_id, compensation_id)


def compensations(uow: UnitOfWork, workspace_id: int, product_id: int) -> list[ShopCompensation]:
    """The compensation batches already issued for a product, newest first."""
    get_product(uow, workspace_id, product_id)
    return ReviewRepository(uow).compensations(workspace_id, product_id)


def announce(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    title: str,
    body: str,
    product_ids: list[int],
    actor: str,
) -> ShopAnnouncement:
    get_shop(uow, workspace_id, shop_id)
    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            "a title has 1 to 200 characters",
            field="title",
            message=N_("A title has 1 to 200 characters."),
        )
    if len(body) > 5000:
        raise ValidationFailed(
            "the text has at most 5000 characters",
            field="body",
            message=N_("The text has at most 5,000 characters."),
        )
    for pid in product_ids:
        if get_product(uow, workspace_id, pid).shop_id != shop_id:
            raise ValidationFailed(
                f"product {pid} is not the shop's",
                field="product_ids",
                message=N_("Product %(id)s is not one of this shop's products."),
                params={"id": pid},
            )
    row = ShopRepository(uow).add(
        ShopAnnouncement(
            workspace_id=workspace_id,
            shop_id=shop_id,
            title=title,
            body=body,
            product_ids=list(product_ids),
            published=True,
        )
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.announcement.create",
        object_type="shop_announcement",
        object_id=row.id,
        after={"title": title},
    )
    return row


def announcements(uow: UnitOfWork, workspace_id: int, shop_id: int) -> list[ShopAnnouncement]:
    """The shop's announcements, newest first."""
    get_shop(uow, workspace_id, shop_id)
    return RecordRepository(uow).announcements(workspace_id, shop_id)


def _on_sale(p: ShopProduct) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "price_minor": p.price_minor,
        "currency": p.currency,
        "purchasable": p.status == "listed" and p.stock > 0,
        "status": p.status,
    }


def storefront(uow: UnitOfWork, workspace_id: int, shop_id: int) -> dict[str, Any]:
    """What a buyer sees on the shop's page: announcements first (with their replacement
    products, where those are still listed), then the listed products."""
    repo = ShopRepository(uow)
    shop = get_shop(uow, workspace_id, shop_id)
    notes = [a for a in RecordRepository(uow).announcements(workspace_id, shop_id) if a.published]
    linked = {pid for a in notes for pid in a.product_ids}
    by_id = {
        p.id: p
        for p in repo.products_by_ids(workspace_id, sorted(linked))
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
            _on_sale(p)
            for p in repo.products(workspace_id, shop_id, 0, 500)
            if p.status == "listed"
        ],
    }
