"""Offers linked to enrollments (coupons and discounts) and recorded traffic (views, orders)
that the cancel preview weighs."""

from __future__ import annotations

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.models import ShopEnrollment, ShopOffer
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service.catalog import get_enrollment
from promodesk.shop.service.shops import OFFER_KINDS


def record_traffic(
    uow: UnitOfWork, workspace_id: int, enrollment_id: int, *, views: int = 0, orders: int = 0
) -> ShopEnrollment:
    if views < 0 or orders < 0:
        raise ValidationFailed("views and orders cannot be negative")
    enrollment = get_enrollment(uow, workspace_id, enrollment_id)
    enrollment.views += views
    enrollment.orders += orders
    uow.flush()
    return enrollment


def add_offer(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment_id: int,
    *,
    kind: str,
    title: str = "",
    value_minor: int = 0,
    percent_off: int = 0,
    actor: str = "system",
) -> ShopOffer:
    enrollment = get_enrollment(uow, workspace_id, enrollment_id)
    if kind not in OFFER_KINDS:
        raise ValidationFailed("an offer is a coupon or a discount", field="kind")
    if value_minor < 0 or not 0 <= percent_off <= 100:
        raise ValidationFailed("value_minor ≥ 0 and percent_off 0..100")
    offer = ShopRepository(uow).add(
        ShopOffer(
            workspace_id=workspace_id,
            enrollment_id=enrollment.id,
            kind=kind,
            title=title[:200],
            value_minor=value_minor,
            percent_off=percent_off,
            status="active",
        )
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.offer.create",
        object_type="shop_offer",
        object_id=offer.id,
        after={"enrollment_id": enrollment.id, "kind": kind},
    )
    return offer


def offers(uow: UnitOfWork, workspace_id: int, enrollment_id: int) -> list[ShopOffer]:
    get_enrollment(uow, workspace_id, enrollment_id)
    return ShopRepository(uow).offers([enrollment_id])
