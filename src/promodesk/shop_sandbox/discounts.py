"""The ``discount`` object of an activity (spec §1.2): buy-more-save-more tiers, gifts with
purchase and shipping discounts, checked as the platform checks them.

- BUY_MORE_SAVE_MORE needs ``bmsm_discount.details``: at most 2 tiers, numbered from 1, with
  thresholds and discounts rising strictly; ``PERCENTAGE_OFF`` is a whole percent,
  ``AMOUNT_OFF`` has at most 2 decimals.
- ``gift_discount.gift_infos``: at most 2 tiers (1 in US shops); a gift's ``total_claim_limit``
  is 1–99999 and is never decreased by an update.
- ``shipping_discount``: FULFILLED_BY_TIKTOK or ALL inventory needs the SHOP level with
  NO_THRESHOLD.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.shop_sandbox.wire import PRICE_RULE, ApiError, Body, invalid

THRESHOLDS = ("MINIMAL_ITEM_QUANTITY", "MINIMAL_ORDER_AMOUNT")
KINDS = ("PERCENTAGE_OFF", "AMOUNT_OFF")


def _number(body: Body, name: str, *, whole: bool) -> Decimal:
    text = body.string(name, required=True, max_len=32) or ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise invalid(f"Invalid parameter: {body.where}.{name} must be a number.") from None
    places = value.as_tuple().exponent if value.is_finite() else 0
    if not value.is_finite() or not 0 < value < 10**9 or (whole and places != 0):
        raise invalid(f"Invalid parameter: {body.where}.{name} is out of range.")
    if isinstance(places, int) and places < -2:
        raise invalid(f"Invalid parameter: {body.where}.{name} has more than 2 decimals.")
    return value


def _tiers(items: list[Body], limit: int, what: str) -> None:
    if not items:
        raise invalid(f"Invalid parameter: {what} needs at least one tier.")
    if len(items) > limit:
        raise ApiError(PRICE_RULE, f"{what} allows at most {limit} tier(s) here.")
    numbers = [b.integer("tier", required=True, low=1, high=limit) for b in items]
    if numbers != list(range(1, len(items) + 1)):
        raise ApiError(PRICE_RULE, f"{what} tiers must be numbered 1, 2, … in order.")


def check(
    body: Body,
    *,
    activity_type: str,
    product_level: str,
    region: str,
    before: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The discount to store (``body.discount``), or None when the body has none; raises the
    platform's errors. ``before``: the activity's discount so far (an update)."""
    discount = body.object("discount")
    if discount is None:
        if activity_type == "BUY_MORE_SAVE_MORE" and before is None:
            raise invalid("Invalid parameter: body.discount.bmsm_discount is required.")
        return None
    bmsm = discount.object("bmsm_discount")
    if activity_type == "BUY_MORE_SAVE_MORE" and bmsm is None:
        raise invalid("Invalid parameter: body.discount.bmsm_discount is required.")
    if bmsm is not None:
        details = bmsm.objects("details", limit=10)
        _tiers(details, 2, "Buy more save more")
        previous: tuple[Decimal, Decimal] | None = None
        for detail in details:
            threshold_type = detail.choice("threshold_type", THRESHOLDS, required=True)
            kind = detail.choice("type", KINDS, required=True)
            threshold = _number(
                detail, "threshold_value", whole=threshold_type == "MINIMAL_ITEM_QUANTITY"
            )
            value = _number(detail, "value", whole=kind == "PERCENTAGE_OFF")
            if kind == "PERCENTAGE_OFF" and value >= 100:
                raise ApiError(PRICE_RULE, "A percentage off must be below 100.")
            if previous is not None and not (threshold > previous[0] and value > previous[1]):
                raise ApiError(
                    PRICE_RULE, "Each tier's threshold and discount must be above the last's."
                )
            previous = (threshold, value)
    gift = discount.object("gift_discount")
    if gift is not None:
        infos = gift.objects("gift_infos", limit=10)
        _tiers(infos, 1 if region == "US" else 2, "Gift with purchase")
        old = _claim_limits(before)
        for info in infos:
            for detail in info.objects("gift_details", limit=100):
                sku = detail.string("sku_id", required=True, max_len=32) or ""
                limit = _number(detail, "total_claim_limit", whole=True)
                if limit > 99_999:
                    raise ApiError(PRICE_RULE, "A gift's total_claim_limit is 1–99999.")
                if sku in old and limit < old[sku]:
                    raise ApiError(
                        PRICE_RULE, f"The total_claim_limit of gift {sku} cannot be decreased."
                    )
    shipping = discount.object("shipping_discount")
    if shipping is not None:
        stock = shipping.choice("inventory_type", ("SELF_FULFILLED", "FULFILLED_BY_TIKTOK", "ALL"))
        floor = shipping.string("threshold_type", required=True, max_len=64)
        shipping.choice("type", ("FREE_SHIPPING", "DISCOUNT_SHIPPING_FEE"), required=True)
        if stock in ("FULFILLED_BY_TIKTOK", "ALL") and (
            product_level != "SHOP" or floor != "NO_THRESHOLD"
        ):
            raise invalid(
                f"Invalid parameter: inventory_type {stock} needs product_level SHOP and "
                "threshold_type NO_THRESHOLD."
            )
    return dict(discount.values)


def _claim_limits(before: dict[str, Any] | None) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    infos = ((before or {}).get("gift_discount") or {}).get("gift_infos") or []
    for info in infos:
        for detail in info.get("gift_details") or []:
            try:
                out[str(detail["sku_id"])] = Decimal(str(detail["total_claim_limit"]))
            except (KeyError, InvalidOperation, TypeError):
                continue
    return out
