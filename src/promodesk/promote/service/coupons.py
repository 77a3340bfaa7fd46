"""Promote coupons: issued to a creator with a value in coins and a validity window.

A coupon is ``available`` until an order reserves it; when that order settles it becomes
``consumed`` if anything was spent, or ``available`` again if nothing was (e.g. rejected before
delivery). An unused coupon past its window reads ``expired``. Issuing moves no money: the
coupon's value leaves ``promote:coupon_funding`` only when an order puts it into escrow.
"""

from __future__ import annotations

from datetime import datetime

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import PromoteCoupon
from promodesk.promote.domain.coupons import CouponFacts, CouponStatus, coupon_status
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.service.creators import get_creator

MAX_COUPON_COINS = 10_000_000


def issue_coupon(
    uow: UnitOfWork,
    workspace_id: int,
    creator_id: int,
    *,
    value_coins: int,
    valid_until: datetime,
    valid_from: datetime | None = None,
    note: str = "",
    actor: str = "system",
) -> PromoteCoupon:
    get_creator(uow, workspace_id, creator_id)
    if not 0 < value_coins <= MAX_COUPON_COINS:
        raise ValidationFailed(
            f"a coupon is worth 1 to {MAX_COUPON_COINS} coins", field="value_coins"
        )
    start = valid_from or clock.now()
    if valid_until <= start:
        raise ValidationFailed("valid_until must be after valid_from", field="valid_until")
    coupon = PromoteCoupon(
        workspace_id=workspace_id,
        creator_id=creator_id,
        value_coins=value_coins,
        valid_from=start,
        valid_until=valid_until,
        status=CouponStatus.AVAILABLE.value,
        note=note,
    )
    PromoteRepository(uow).add(coupon)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.coupon.issue",
        object_type="promote_coupon",
        object_id=coupon.id,
        after={"creator_id": creator_id, "value_coins": value_coins, "until": str(valid_until)},
    )
    return coupon


def get_coupon(uow: UnitOfWork, workspace_id: int, coupon_id: int) -> PromoteCoupon:
    coupon = PromoteRepository(uow).coupon(workspace_id, coupon_id)
    if coupon is None:
        raise NotFound(f"coupon {coupon_id} not found", field="coupon_id")
    return coupon


def list_coupons(
    uow: UnitOfWork,
    workspace_id: int,
    creator_id: int | None = None,
    *,
    after_id: int | None = None,
    limit: int = 50,
) -> list[PromoteCoupon]:
    return PromoteRepository(uow).coupons(workspace_id, creator_id, after_id=after_id, limit=limit)


def facts(coupon: PromoteCoupon) -> CouponFacts:
    return CouponFacts(
        coupon.creator_id, coupon.value_coins, coupon.valid_from, coupon.valid_until, coupon.status
    )


def shown_status(coupon: PromoteCoupon) -> str:
    return coupon_status(facts(coupon), clock.now()).value


def settle_coupon(
    uow: UnitOfWork, workspace_id: int, coupon_id: int, order_id: int, *, spent: int
) -> str:
    """Coupon bookkeeping when its order settles; returns the coupon's new status."""
    new = CouponStatus.CONSUMED if spent > 0 else CouponStatus.AVAILABLE
    PromoteRepository(uow).set_coupon_status(
        workspace_id,
        coupon_id,
        CouponStatus.RESERVED.value,
        new.value,
        order_id=order_id if new == CouponStatus.CONSUMED else None,
        expected_order_id=order_id,
        at=clock.now(),
    )
    return new.value
