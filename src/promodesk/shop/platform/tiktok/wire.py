"""TikTok Shop's data as the port's values and back: Partner API errors as the port's, the
decimal price strings of activities, products and coupons as integer minor units, and the
terms written by Update Activity Product."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.integrations.tiktok_shop import errors as tts
from promodesk.kit import money
from promodesk.shop.platform.port import (
    AuthorizationLost,
    PlatformActivity,
    PlatformActivityProduct,
    PlatformCoupon,
    PlatformError,
    PlatformMisconfigured,
    PlatformProduct,
    PlatformRefused,
    PlatformSku,
    PlatformUnavailable,
)


def port_error(error: tts.ShopApiError) -> PlatformError:
    """The port's error for a Partner API error, keeping code, message and request id."""
    cls: type[PlatformError]
    if error.needs_authorization:
        cls = AuthorizationLost
    elif error.retryable:
        cls = PlatformUnavailable
    elif isinstance(
        error,
        tts.AppCredentialsInvalid | tts.SignatureInvalid | tts.TimestampRejected | tts.NotFound,
    ):
        cls = PlatformMisconfigured
    elif isinstance(error, tts.UnexpectedResponse):
        cls = PlatformUnavailable
    else:
        cls = PlatformRefused
    return cls(
        error.message,
        code=str(error.code) if error.code is not None else None,
        request_id=error.request_id,
        kind=type(error).__name__,
    )


def _instant(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, ArithmeticError):
        return None


def _minor(price: Any, currency: str) -> int | None:
    """A ``{amount, currency}`` object or a decimal string, in minor units of ``currency``."""
    amount = price.get("amount") if isinstance(price, dict) else price
    if amount in (None, ""):
        return None
    try:
        return money.parse(Decimal(str(amount)), currency).amount
    except (InvalidOperation, ValueError, ArithmeticError):
        return None


def _currency(*candidates: Any) -> str:
    for value in candidates:
        code = value.get("currency") if isinstance(value, dict) else value
        if isinstance(code, str) and money.is_currency(code.upper()):
            return code.upper()
    return "USD"


def _sku(item: dict[str, Any], currency: str) -> PlatformSku:
    inventory = item.get("inventory")
    stock: int | None = None
    if isinstance(inventory, list):
        stock = sum(_int(i.get("quantity")) or 0 for i in inventory if isinstance(i, dict))
    elif "stock" in item or "quantity" in item:
        stock = _int(item.get("stock", item.get("quantity")))
    return PlatformSku(
        sku_id=str(item.get("id") or item.get("sku_id") or ""),
        price_minor=_minor(
            item.get("activity_price") or item.get("activity_price_amount"), currency
        ),
        quantity_limit=_int(item.get("quantity_limit")),
        quantity_per_user=_int(item.get("quantity_per_user")),
        stock=stock,
    )


def _activity_product(item: dict[str, Any]) -> PlatformActivityProduct:
    skus = item.get("skus") or []
    # under VARIATION the prices (and their currency) are on the SKUs
    currency = _currency(
        item.get("activity_price"),
        item.get("currency"),
        *(s.get("activity_price") for s in skus if isinstance(s, dict)),
    )
    discount = item.get("discount")
    return PlatformActivityProduct(
        product_id=str(item.get("id") or item.get("product_id") or ""),
        activity_price_minor=_minor(
            item.get("activity_price") or item.get("activity_price_amount"), currency
        ),
        currency=currency,
        discount_percent=_int(discount) if discount not in (None, "") else None,
        quantity_limit=_int(item.get("quantity_limit")),
        quantity_per_user=_int(item.get("quantity_per_user")),
        skus=tuple(_sku(s, currency) for s in skus if isinstance(s, dict)),
    )


def activity_from(data: dict[str, Any], *, request_id: str | None = None) -> PlatformActivity:
    commands = data.get("activity_commands") or []
    raw_products = data.get("products")
    products = (
        tuple(_activity_product(p) for p in raw_products if isinstance(p, dict))
        if isinstance(raw_products, list)
        else None
    )
    return PlatformActivity(
        activity_id=str(data.get("id") or data.get("activity_id") or ""),
        title=str(data.get("title") or "")[:200],
        activity_type=str(data.get("activity_type") or ""),
        status=str(data.get("status") or ""),
        begins_at=_instant(data.get("begin_time")),
        ends_at=_instant(data.get("end_time")),
        product_level=str(data.get("product_level") or ""),
        immutable="IMMUTABLE" in commands if isinstance(commands, list) else False,
        updated_at=_instant(data.get("update_time")),
        products=products,
        request_id=request_id,
    )


def product_from(data: dict[str, Any], *, request_id: str | None = None) -> PlatformProduct:
    raw_skus = [s for s in data.get("skus") or [] if isinstance(s, dict)]
    first_price = raw_skus[0].get("price") if raw_skus else data.get("price")
    currency = _currency(first_price, data.get("currency"))
    price = None
    if isinstance(first_price, dict):
        price = _minor(first_price.get("sale_price") or first_price.get("amount"), currency)
    elif first_price is not None:
        price = _minor(first_price, currency)
    skus = tuple(_sku(s, currency) for s in raw_skus)
    stock = sum(s.stock or 0 for s in skus) if skus else (_int(data.get("stock")) or 0)
    return PlatformProduct(
        product_id=str(data.get("id") or data.get("product_id") or ""),
        title=str(data.get("title") or "")[:300],
        status=str(data.get("status") or ""),
        price_minor=price,
        currency=currency,
        stock=stock,
        skus=skus,
        updated_at=_instant(data.get("update_time")),
        request_id=request_id,
    )


def coupon_from(data: dict[str, Any]) -> PlatformCoupon:
    raw = data.get("discount")
    discount: dict[str, Any] = raw if isinstance(raw, dict) else {}
    amount_off = discount.get("reduction_amount") or discount.get("amount_off")
    currency = _currency(amount_off, data.get("currency"))
    percent = _int(discount.get("percentage") or discount.get("percentage_off")) or 0
    products = data.get("product_ids") or []
    return PlatformCoupon(
        coupon_id=str(data.get("id") or data.get("coupon_id") or ""),
        title=str(data.get("title") or "")[:200],
        status=str(data.get("status") or ""),
        value_minor=_minor(amount_off, currency) or 0,
        percent_off=max(0, min(percent, 100)),
        currency=currency,
        product_ids=tuple(str(p) for p in products) if isinstance(products, list) else (),
    )


PRICED_TYPES = frozenset({"FIXED_PRICE", "FLASHSALE"})


def _amount(price_minor: int, currency: str) -> str:
    """Minor units as the platform's decimal string (``"12.90"``)."""
    return str(money.Money(price_minor, currency).decimal)


def _terms(
    activity_type: str,
    price_minor: int | None,
    discount_percent: int | None,
    currency: str,
    limit: int | None,
    per_user: int | None,
) -> dict[str, Any]:
    """One product's or SKU's terms (spec §1.4): the activity price for FIXED_PRICE and
    FLASHSALE, the percent off for DIRECT_DISCOUNT (each omitted otherwise), the quantities
    (−1 unlimited)."""
    out: dict[str, Any] = {
        "quantity_limit": limit if limit not in (None, 0) else -1,
        "quantity_per_user": per_user if per_user not in (None, 0) else -1,
    }
    if activity_type in PRICED_TYPES and price_minor is not None:
        out["activity_price_amount"] = _amount(price_minor, currency)
    if activity_type == "DIRECT_DISCOUNT" and discount_percent is not None:
        out["discount"] = str(discount_percent)
    return out


def activity_product_wire(
    activity: PlatformActivity, product: PlatformActivityProduct
) -> dict[str, Any]:
    """A product of Update Activity Product: at PRODUCT level its terms with ``skus: []``;
    under VARIATION both quantities −1 on the product and the terms on each SKU."""
    kind, currency = activity.activity_type, product.currency
    if activity.product_level == "VARIATION":
        return {
            "id": product.product_id,
            "quantity_limit": -1,
            "quantity_per_user": -1,
            "skus": [
                {
                    "id": sku.sku_id,
                    **_terms(
                        kind,
                        sku.price_minor
                        if sku.price_minor is not None
                        else product.activity_price_minor,
                        product.discount_percent,
                        currency,
                        sku.quantity_limit,
                        sku.quantity_per_user,
                    ),
                }
                for sku in product.skus
            ],
        }
    return {
        "id": product.product_id,
        **_terms(
            kind,
            product.activity_price_minor,
            product.discount_percent,
            currency,
            product.quantity_limit,
            product.quantity_per_user,
        ),
        "skus": [],
    }
