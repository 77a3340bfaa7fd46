"""Shops, their team members, products and followers.

Rules: a shop's time zone is a valid IANA zone (default Asia/Shanghai); a member's role is
owner, operations or customer_service, with an email and/or a webhook URL for notifications;
prices and stock are integers (minor units) and never negative. Every change is audited.
"""

from __future__ import annotations

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.money import is_currency
from promodesk.models import (
    Shop,
    ShopMember,
    ShopProduct,
)
from promodesk.shop.domain.window import DEFAULT_TIMEZONE, zone
from promodesk.shop.repository.catalog import ShopRepository

MEMBER_ROLES = ("owner", "operations", "customer_service")
OFFER_KINDS = ("coupon", "discount")


def _text(value: str, name: str, max_len: int = 200) -> str:
    value = value.strip()
    if not value or len(value) > max_len:
        raise ValidationFailed(f"{name} has 1 to {max_len} characters", field=name)
    return value


def _currency(code: str) -> str:
    code = code.upper()
    if not is_currency(code):
        raise ValidationFailed(f"unknown currency {code!r}", field="currency")
    return code


# shops ------------------------------------------------------------------------------------


def create_shop(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    name: str,
    timezone: str = DEFAULT_TIMEZONE,
    actor: str = "system",
) -> Shop:
    name = _text(name, "name")
    zone(timezone)
    repo = ShopRepository(uow)
    if repo.shop_by_name(workspace_id, name) is not None:
        raise Conflict(f"a shop named {name!r} already exists", field="name")
    with uow.savepoint():  # a concurrent create with the same name: 409, not a 500
        shop = repo.add(Shop(workspace_id=workspace_id, name=name, timezone=timezone))
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.create",
        object_type="shop",
        object_id=shop.id,
        after={"name": name, "timezone": timezone},
    )
    return shop


def get_shop(uow: UnitOfWork, workspace_id: int, shop_id: int) -> Shop:
    shop = ShopRepository(uow).shop(workspace_id, shop_id)
    if shop is None:
        raise NotFound(f"shop {shop_id} not found")
    return shop


def list_shops(
    uow: UnitOfWork, workspace_id: int, after_id: int = 0, limit: int = 50
) -> list[Shop]:
    return ShopRepository(uow).shops(workspace_id, after_id, limit)


def update_shop(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    timezone: str | None = None,
    name: str | None = None,
    actor: str = "system",
) -> Shop:
    shop = get_shop(uow, workspace_id, shop_id)
    before = {"name": shop.name, "timezone": shop.timezone}
    if timezone is not None:
        zone(timezone)
        shop.timezone = timezone
    if name is not None:
        name = _text(name, "name")
        other = ShopRepository(uow).shop_by_name(workspace_id, name)
        if other is not None and other.id != shop.id:
            raise Conflict(f"a shop named {name!r} already exists", field="name")
        shop.name = name
    with uow.savepoint():
        uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.update",
        object_type="shop",
        object_id=shop.id,
        before=before,
        after={"name": shop.name, "timezone": shop.timezone},
    )
    return shop


def add_member(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    name: str,
    role: str,
    email: str | None = None,
    webhook_url: str | None = None,
    actor: str = "system",
) -> ShopMember:
    get_shop(uow, workspace_id, shop_id)
    if role not in MEMBER_ROLES:
        raise ValidationFailed(f"role is one of {', '.join(MEMBER_ROLES)}", field="role")
    if email is not None and ("@" not in email or len(email) > 320 or " " in email.strip()):
        raise ValidationFailed("not an email address", field="email")
    if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
        raise ValidationFailed("a webhook URL starts with http:// or https://", field="webhook_url")
    member = ShopRepository(uow).add(
        ShopMember(
            workspace_id=workspace_id,
            shop_id=shop_id,
            name=_text(name, "name"),
            role=role,
            email=email.strip() if email else None,
            webhook_url=webhook_url,
        )
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.member.add",
        object_type="shop_member",
        object_id=member.id,
        after={"shop_id": shop_id, "role": role},
    )
    return member


def members(uow: UnitOfWork, workspace_id: int, shop_id: int) -> list[ShopMember]:
    get_shop(uow, workspace_id, shop_id)
    return ShopRepository(uow).members(workspace_id, shop_id)


# products -----------------------------------------------------------------------------------


def create_product(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    title: str,
    price_minor: int,
    currency: str,
    stock: int = 0,
    safety_stock: int = 0,
    expected_sales: int = 0,
    actor: str = "system",
) -> ShopProduct:
    get_shop(uow, workspace_id, shop_id)
    if price_minor < 0 or stock < 0 or safety_stock < 0 or expected_sales < 0:
        raise ValidationFailed("price, stock and sales figures cannot be negative")
    product = ShopRepository(uow).add(
        ShopProduct(
            workspace_id=workspace_id,
            shop_id=shop_id,
            title=_text(title, "title", 300),
            price_minor=price_minor,
            currency=_currency(currency),
            stock=stock,
            safety_stock=safety_stock,
            expected_sales=expected_sales,
            status="listed",
        )
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.product.create",
        object_type="shop_product",
        object_id=product.id,
        after={"title": product.title, "stock": stock},
    )
    return product


def get_product(uow: UnitOfWork, workspace_id: int, product_id: int) -> ShopProduct:
    product = ShopRepository(uow).product(workspace_id, product_id)
    if product is None:
        raise NotFound(f"product {product_id} not found")
    return product


def list_products(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[ShopProduct]:
    return ShopRepository(uow).products(workspace_id, shop_id, after_id, limit)


def add_followers(
    uow: UnitOfWork, workspace_id: int, product_id: int, follower_ids: list[str]
) -> int:
    get_product(uow, workspace_id, product_id)
    cleaned = [f.strip() for f in follower_ids if f.strip()]
    if any(len(f) > 100 for f in cleaned):
        raise ValidationFailed("a follower id has at most 100 characters", field="follower_ids")
    return ShopRepository(uow).add_followers(workspace_id, product_id, cleaned)


def followers(uow: UnitOfWork, workspace_id: int, product_id: int) -> list[str]:
    get_product(uow, workspace_id, product_id)
    return ShopRepository(uow).follower_ids(product_id)
