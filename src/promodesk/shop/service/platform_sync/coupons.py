"""The mirror of a linked shop's coupons: each becomes an offer of the enrollments of the
products it covers."""

from __future__ import annotations

from collections.abc import Sequence

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopOffer, ShopPlatformLink
from promodesk.shop.platform import port
from promodesk.shop.repository.platform import PlatformRepository


def apply_coupons(
    uow: UnitOfWork, link: ShopPlatformLink, items: Sequence[port.PlatformCoupon]
) -> int:
    """Each coupon becomes an offer of every enrollment of the products it covers."""
    repo = PlatformRepository(uow)
    count = 0
    for coupon in items:
        if not coupon.coupon_id:
            continue
        products = repo.products_by_platform_id(
            link.workspace_id, link.shop_id, list(coupon.product_ids)
        )
        enrollments = repo.enrollments_of_products(
            link.workspace_id, link.shop_id, [p.id for p in products.values()]
        )
        offers = repo.coupon_offers(link.workspace_id, coupon.coupon_id)
        active = coupon.status in ("NOT_START", "ONGOING")
        for enrollment in enrollments:
            offer = offers.get(enrollment.id)
            if offer is None:
                uow.session.add(
                    ShopOffer(
                        workspace_id=link.workspace_id,
                        enrollment_id=enrollment.id,
                        kind="coupon",
                        platform_coupon_id=coupon.coupon_id,
                        title=coupon.title[:200],
                        value_minor=coupon.value_minor,
                        percent_off=coupon.percent_off,
                        status="active" if active else "cancelled",
                        cancelled_at=None if active else clock.now(),
                    )
                )
            else:
                offer.title = coupon.title[:200]
                offer.value_minor = coupon.value_minor
                offer.percent_off = coupon.percent_off
                if not active and offer.status == "active":
                    offer.status, offer.cancelled_at = "cancelled", clock.now()
            count += 1
    uow.flush()
    return count
