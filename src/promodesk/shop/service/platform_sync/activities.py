"""The mirror of a linked shop's activities: their enrolled products, activity prices and
stock.

Rules:
- The platform is the truth for what it runs: what it lists enrolls, what it no longer lists
  leaves the activity (``domain.platform.mirrored_state``); promodesk's own states the
  platform does not know (stock to zero) are kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopActivity, ShopEnrollment, ShopPlatformLink
from promodesk.shop.domain.enrollments import ENROLLMENTS, IN_ACTIVITY, State
from promodesk.shop.domain.platform import (
    OFF_STATUSES,
    STAGE_OF_STATUS,
    discounted,
    mirrored_state,
    quantity,
)
from promodesk.shop.platform import port
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository


def _times(item: port.PlatformActivity) -> tuple[datetime, datetime]:
    now = clock.now()
    begins = item.begins_at or now
    ends = item.ends_at if item.ends_at and item.ends_at > begins else begins + timedelta(days=365)
    return begins, ends


def apply_activity(
    uow: UnitOfWork, link: ShopPlatformLink, item: port.PlatformActivity
) -> ShopActivity:
    """Create or update one activity; with its product list (Get Activity), also its
    enrollments. Returns the activity's row."""
    repo = PlatformRepository(uow)
    row = repo.activity_by_platform_id(link.workspace_id, link.shop_id, item.activity_id)
    begins, ends = _times(item)
    if row is None:
        row = ShopRepository(uow).add(
            ShopActivity(
                workspace_id=link.workspace_id,
                name=(item.title or f"TikTok Shop activity {item.activity_id}")[:200],
                registration_starts_at=min(begins, clock.now()),
                registration_ends_at=begins,
                starts_at=begins,
                ends_at=ends,
                immutable=item.immutable,
                platform_activity_id=item.activity_id,
                platform_shop_id=link.shop_id,
                platform_status=item.status[:24],
                platform_type=item.activity_type[:32],
                platform_updated_at=item.updated_at,
            )
        )
    else:
        row.name = (item.title or row.name)[:200]
        row.registration_ends_at = max(row.registration_starts_at, min(begins, ends))
        row.starts_at, row.ends_at = begins, ends
        row.immutable = item.immutable
        row.platform_status = item.status[:24]
        row.platform_type = item.activity_type[:32]
        if item.products is not None:
            row.platform_updated_at = item.updated_at
    if item.products is not None:
        _apply_enrollments(uow, link, row, item)
    elif item.status in OFF_STATUSES:
        _leave_all(uow, link, row, item.status)
    uow.flush()
    return row


def _move(uow: UnitOfWork, row: ShopEnrollment, target: State, link: ShopPlatformLink) -> None:
    before = State(row.state)
    row.state = ENROLLMENTS.transition(before, target)
    delta = int(target in IN_ACTIVITY) - int(before in IN_ACTIVITY)
    if delta:
        ShopRepository(uow).bump_counter(row.activity_id, link.shop_id, active=delta)


def _leave_all(uow: UnitOfWork, link: ShopPlatformLink, act: ShopActivity, status: str) -> None:
    for row in PlatformRepository(uow).enrollments_of(link.workspace_id, act.id, link.shop_id):
        target = mirrored_state(State(row.state), status, True)
        if target is not None:
            _move(uow, row, target, link)


def _apply_enrollments(
    uow: UnitOfWork, link: ShopPlatformLink, act: ShopActivity, item: port.PlatformActivity
) -> None:
    assert item.products is not None
    repo = PlatformRepository(uow)
    shop_repo = ShopRepository(uow)
    products = repo.products_by_platform_id(
        link.workspace_id, link.shop_id, [p.product_id for p in item.products]
    )
    existing = {
        row.product_id: row for row in repo.enrollments_of(link.workspace_id, act.id, link.shop_id)
    }
    shop_repo.ensure_counter(link.workspace_id, act.id, link.shop_id)
    listed: set[int] = set()
    for entry in item.products:
        product = products.get(entry.product_id)
        if product is None:
            continue  # not mirrored yet: the next product sync brings it, then this activity
        listed.add(product.id)
        price = entry.activity_price_minor
        if price is None and entry.discount_percent is not None:
            price = discounted(product.price_minor, entry.discount_percent)
        if price is None:  # VARIATION: the lowest of its SKUs' activity prices
            priced = [s.price_minor for s in entry.skus if s.price_minor is not None]
            price = min(priced) if priced else product.price_minor
        row = existing.get(product.id)
        if row is None:
            stage = STAGE_OF_STATUS.get(item.status)
            if stage is None:
                continue  # an ended or deactivated activity enrolls nothing new
            shop_repo.add(
                ShopEnrollment(
                    workspace_id=link.workspace_id,
                    activity_id=act.id,
                    shop_id=link.shop_id,
                    product_id=product.id,
                    activity_price_minor=price,
                    currency=product.currency,
                    activity_stock=quantity(entry.quantity_limit),
                    per_buyer_limit=quantity(entry.quantity_per_user),
                    state=stage,
                    views=0,
                    orders=0,
                    presale=False,
                )
            )
            shop_repo.bump_counter(act.id, link.shop_id, enrolled=1, active=1)
            continue
        row.activity_price_minor = price
        row.activity_stock = quantity(entry.quantity_limit)
        row.per_buyer_limit = quantity(entry.quantity_per_user)
        target = mirrored_state(State(row.state), item.status, True)
        if target is not None:
            _move(uow, row, target, link)
    for product_id, row in existing.items():
        if product_id in listed:
            continue
        target = mirrored_state(State(row.state), item.status, False)
        if target is not None:
            _move(uow, row, target, link)
