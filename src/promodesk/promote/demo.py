"""Promote demo data: three creators, their content, recharges with invoices, a coupon and
orders in every state, so a new user sees promote working at once.

Everything goes through the services (the same rules, ledger entries and audit rows as real
use). History is written with the clock moved back a few hours, so the delivering order has
an hourly chart and the ended orders ended in the past; the clock is restored afterwards.
Idempotent: nothing is written when the first demo creator exists already.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import delivery as delivery_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import recharge as recharge_service
from promodesk.promote.service import review as review_service
from promodesk.promote.service import settlement as settlement_service
from promodesk.promote.settings import MoneyConfig
from promodesk.promote.simulate import Target, plan_events
from promodesk.settings import get_settings

ACTOR = "demo"
FIRST_HANDLE = "ayu.jakarta"


class _Earlier:
    """A clock ``delta`` behind the one it replaces."""

    def __init__(self, base: clock.Clock, delta: timedelta) -> None:
        self.base, self.delta = base, delta

    def now(self) -> datetime:
        return self.base.now() - self.delta


@contextmanager
def _hours_ago(hours: float) -> Iterator[None]:
    # Seeding runs in the ``promodesk demo`` command, before any worker thread exists.
    previous = clock.set_clock(clock.SystemClock())
    clock.set_clock(_Earlier(previous, timedelta(hours=hours)))
    try:
        yield
    finally:
        clock.set_clock(previous)


def _deliver(
    uow: UnitOfWork, workspace_id: int, order_id: int, share: float, rng: random.Random
) -> None:
    order = orders_service.get_order(uow, workspace_id, order_id)
    target = Target(
        order.id, order.goal, order.budget_coins, order.budget_coins - order.spent_coins
    )
    events = plan_events([target], rng, share=share, prefix=f"demo-{clock.now():%Y%m%d%H%M%S%f}")
    delivery_service.ingest_batch(uow, workspace_id, events, actor=ACTOR)


def _end(uow: UnitOfWork, workspace_id: int, order_id: int) -> None:
    """Refund at once (the settlement job enqueued by the end finds it done)."""
    settlement_service.settle_order(uow, workspace_id, order_id)


def seed_promote(uow: UnitOfWork, workspace_id: int) -> bool:
    """Seed the demo workspace's promote data; False when it is there already."""
    if PromoteRepository(uow).creator_by_handle(workspace_id, FIRST_HANDLE) is not None:
        return False
    rng = random.Random(20240601)  # the same demo every time
    cfg = MoneyConfig.from_settings(get_settings())
    with _hours_ago(8):
        ayu = creators_service.create_creator(
            uow, workspace_id, handle=FIRST_HANDLE, display_name="Ayu Batik Studio",
            birth_date=date(1992, 3, 14), account_type="business", device_os="android",
            app_version="21.3", region="ID", actor=ACTOR,
        ).id  # fmt: skip
        oliver = creators_service.create_creator(
            uow, workspace_id, handle="oliver.makes", display_name="Oliver Makes Pots",
            birth_date=date(1988, 11, 2), account_type="creator", device_os="ios",
            app_version="20.9", region="GB", actor=ACTOR,
        ).id  # fmt: skip
        maya = creators_service.create_creator(
            uow, workspace_id, handle="maya.fit", display_name="Maya Fit",
            birth_date=date(1996, 7, 21), account_type="personal", device_os="android",
            app_version="22.1", region="US", actor=ACTOR,
        ).id  # fmt: skip

        def video(creator: int, title: str, anchor: bool = False) -> int:
            return creators_service.create_content(
                uow, workspace_id, creator, kind="video", title=title, has_ecommerce_anchor=anchor,
                commercial_music=True, actor=ACTOR,
            ).id  # fmt: skip

        batik = video(ayu, "New batik collection — shop the look", anchor=True)
        food = video(ayu, "Street food tour of Jakarta")
        pottery = video(oliver, "Throwing a bowl in 60 seconds")
        workout = video(maya, "10-minute morning workout")
        bands = video(maya, "Resistance bands I use every day", anchor=True)
        live = creators_service.create_content(
            uow,
            workspace_id,
            ayu,
            kind="live",
            title="Friday night batik LIVE",
            on_air=True,
            actor=ACTOR,
        ).id
        for creator, coins, method in ((ayu, 20_000, "dana"), (oliver, 5_000, "apple_pay")):
            recharge_service.create_recharge(
                uow, cfg, workspace_id, creator_id=creator, coins=coins, method=method, actor=ACTOR
            )
        recharge_service.create_recharge(
            uow, cfg, workspace_id, creator_id=maya, coins=10_000, method="card", actor=ACTOR
        )
        coupon = coupons_service.issue_coupon(
            uow, workspace_id, ayu, value_coins=500, valid_until=clock.now() + timedelta(days=30),
            note="Welcome offer", actor=ACTOR,
        ).id  # fmt: skip

        def place(creator: int, content: int, goal: str, budget: int, hours: int, **kw: Any) -> int:
            return orders_service.place_order(
                uow, workspace_id, creator_id=creator, content_id=content, goal=goal,
                budget_coins=budget, duration_hours=hours, actor=ACTOR, **kw,
            ).id  # fmt: skip

        # Completed by its end time, part of the budget unspent and refunded.
        pots = place(oliver, pottery, "followers", 1_000, 2)
        review_service.approve_order(uow, workspace_id, pots, actor=ACTOR)
        # Rejected before any delivery: everything returns.
        rejected = place(maya, bands, "product_clicks", 800, 24)
        review_service.reject_order(
            uow,
            workspace_id,
            rejected,
            reason="Health claims in the video need a source",
            actor=ACTOR,
        )
        _end(uow, workspace_id, rejected)
    with _hours_ago(7):
        running = place(maya, workout, "video_views", 4_000, 48, audience={
            "mode": "custom", "gender": "all", "age_ranges": ["18-24", "25-34"],
            "interests": ["fitness", "wellness"],
        })  # fmt: skip
        review_service.approve_order(uow, workspace_id, running, actor=ACTOR)
        visits = place(
            ayu, food, "website_visits", 2_000, 24, website_url="https://example.com/jakarta-eats"
        )
        review_service.approve_order(uow, workspace_id, visits, actor=ACTOR)
    for hours in (7, 6, 5, 4, 3, 2, 1):
        with _hours_ago(hours - 0.5):
            _deliver(uow, workspace_id, running, 0.06, rng)
            if hours == 7:
                _deliver(uow, workspace_id, pots, 0.3, rng)
                _deliver(uow, workspace_id, pots, 0.3, rng)
            if hours >= 5:
                _deliver(uow, workspace_id, visits, 0.1, rng)
    with _hours_ago(5.9):
        settlement_service.complete_if_due(uow, workspace_id, pots)
        _end(uow, workspace_id, pots)
    with _hours_ago(4):
        orders_service.stop_order(
            uow, workspace_id, visits, reason="Enough visits for the launch week", actor=ACTOR
        )
        _end(uow, workspace_id, visits)
    with _hours_ago(0.5):
        on_air = place(ayu, live, "live_viewers", 1_500, 2)
        _deliver(uow, workspace_id, on_air, 0.1, rng)
    # Waiting for a reviewer, paid partly with the coupon.
    place(ayu, batik, "product_clicks", 3_000, 72, coupon_id=coupon)
    return True
