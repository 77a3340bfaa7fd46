"""The price of a replacement product (the seed's alternative to a cancel).

Rules: the replacement's activity price keeps the old discount *percentage* (exact, then
rounded once, half up, to the currency's cash unit) unless a price is given, and is never
above its original price; it goes to review when the activity's rules say so
(``replace_price``, ``replace_needs_review``). A replace is no cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from promodesk.kit import money
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.domain.enrollments import State


def check_activity_price(activity_price_minor: int, price_minor: int) -> None:
    """An activity price is a discount: never above the product's original price."""
    if activity_price_minor > price_minor:
        raise ValidationFailed(
            f"the activity price {activity_price_minor} is above the product's original price "
            f"{price_minor} (minor units); an activity price may not exceed it",
            field="activity_price_minor",
        )


@dataclass(frozen=True)
class ReplacePrice:
    """The replacement's activity price and what it means for the buyer."""

    activity_price_minor: int
    discount_percent: Decimal  # off the new original price, 2 decimals, for display
    source: str  # "kept_discount" or "explicit"
    rounding: str = "half_up"


def discount_percent(activity_price_minor: int, price_minor: int) -> Decimal:
    """The discount an activity price gives off an original price, in percent, computed
    exactly and shown with 2 decimals (half up); 0 for a price of 0."""
    if price_minor <= 0:
        return Decimal("0.00")
    exact = Decimal((price_minor - activity_price_minor) * 100) / Decimal(price_minor)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def replace_price(
    old_price_minor: int,
    old_activity_price_minor: int,
    new_price_minor: int,
    currency: str,
    explicit_minor: int | None = None,
) -> ReplacePrice:
    """The activity price of a replacement.

    Rules:
    - An explicit price is used as given; it may not be negative nor above the new product's
      original price (``check_activity_price``).
    - Otherwise the discount *percentage* carries over, never the absolute price:
      ``new × old_activity / old``, computed exactly on integers (no intermediate rounding)
      and rounded once, **half up**, to the unit the currency is paid in
      (``money.cash_unit``), like every customer price. ¥188 at the 15 % of ¥117.30/¥138 is
      ¥159.80.
    - An old original price of 0 (or an old activity price above it) gives no discount to
      keep: an explicit price is needed.
    """
    if explicit_minor is not None:
        if explicit_minor < 0:
            raise ValidationFailed(
                "the activity price cannot be negative", field="activity_price_minor"
            )
        check_activity_price(explicit_minor, new_price_minor)
        return ReplacePrice(
            explicit_minor, discount_percent(explicit_minor, new_price_minor), "explicit"
        )
    if old_price_minor <= 0 or not 0 <= old_activity_price_minor <= old_price_minor:
        raise ValidationFailed(
            "the replaced product's activity price is no discount of its original price; "
            "give the replacement's activity price",
            field="activity_price_minor",
        )
    unit = money.cash_unit(currency)
    numerator = new_price_minor * old_activity_price_minor
    denominator = old_price_minor * unit
    steps = (2 * numerator + denominator) // (2 * denominator)  # half up, exact
    price = steps * unit
    check_activity_price(price, new_price_minor)
    return ReplacePrice(price, discount_percent(price, new_price_minor), "kept_discount")


def replace_needs_review(
    state: str, review_replacements: bool, review_price_changes: bool, price_changed: bool
) -> bool:
    """Rules: a replacement of a product still pending review is pending review itself;
    otherwise it goes to review (待审核) when the activity reviews replacement products
    (``review_replacements``) or reviews price changes (``review_price_changes``) and the
    activity price changes. Without review it takes the old enrollment's stage at once."""
    if State(state) is State.PENDING_REVIEW:
        return True
    return review_replacements or (review_price_changes and price_changed)
