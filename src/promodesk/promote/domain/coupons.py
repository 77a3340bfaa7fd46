"""Coupons, pure: the status a coupon shows and whether an order may use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from promodesk.promote.errors import CouponNotUsable


class CouponStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    CONSUMED = "consumed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class CouponFacts:
    creator_id: int
    value: int
    valid_from: datetime
    valid_until: datetime
    status: str


def coupon_status(coupon: CouponFacts, at: datetime) -> CouponStatus:
    """The status as shown: an unused coupon past its window reads ``expired``."""
    if coupon.status == CouponStatus.AVAILABLE and at >= coupon.valid_until:
        return CouponStatus.EXPIRED
    return CouponStatus(coupon.status)


def check_coupon(coupon: CouponFacts, creator_id: int, budget: int, at: datetime) -> None:
    """A coupon is usable once per order, by its creator, inside its validity window, and only
    if the budget is **greater than** its value."""
    if coupon.creator_id != creator_id:
        raise CouponNotUsable("this coupon belongs to another creator", field="coupon_id")
    status = coupon_status(coupon, at)
    if status != CouponStatus.AVAILABLE:
        raise CouponNotUsable(f"this coupon is {status.value}", field="coupon_id")
    if at < coupon.valid_from:
        raise CouponNotUsable(
            f"this coupon is valid from {coupon.valid_from.isoformat()}", field="coupon_id"
        )
    if budget <= coupon.value:
        raise CouponNotUsable(
            f"a coupon of {coupon.value} coins needs a budget greater than {coupon.value} coins",
            field="budget_coins",
        )
