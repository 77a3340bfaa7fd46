"""Order placement rules, review, the end-time job and wallet views, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from promodesk.kit import clock
from promodesk.kit.clock import FrozenClock, set_clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, InsufficientFunds, InvalidTransition, ValidationFailed
from promodesk.promote.errors import CouponNotUsable, GoalNotAllowed, NotEligible
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service
from promodesk.promote.service.wallet import creator_has_open_orders, wallet_view
from tests.conftest import make_workspace
from tests.integration.promote_factories import (
    balances,
    drain,
    fund,
    make_coupon,
    make_creator,
    make_live,
    make_video,
    order_row,
    place,
)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fc = FrozenClock(clock.now())
    previous = set_clock(fc)
    yield fc
    set_clock(previous)


def _ws_creator(db: Database, coins: int = 1000, **kw: object) -> tuple[int, int]:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        creator = make_creator(uow, workspace_id, **kw)
        if coins:
            fund(uow, workspace_id, creator, coins)
    return workspace_id, creator


def test_handles_are_unique_per_workspace_and_regions_validated(db: Database) -> None:
    workspace_id, _ = _ws_creator(db, 0, handle="same.handle")
    with db.transaction() as uow, pytest.raises(Conflict):
        make_creator(uow, workspace_id, handle="same.handle")
    other = make_workspace(db).id
    with db.transaction() as uow:
        make_creator(uow, other, handle="same.handle")
    with db.transaction() as uow, pytest.raises(ValidationFailed):
        make_creator(uow, workspace_id, region="UK")


def test_an_ineligible_order_lists_every_reason_and_moves_nothing(db: Database) -> None:
    workspace_id, creator = _ws_creator(
        db, birth_date=date.today() - timedelta(days=365 * 16), region="JP"
    )
    with db.transaction() as uow:
        creators_service.update_creator(uow, workspace_id, creator, app_version="20.3")
        video = make_video(
            uow, workspace_id, creator, commercial_music=False, has_ecommerce_anchor=True
        )
    with db.transaction() as uow, pytest.raises(NotEligible) as err:
        place(uow, workspace_id, creator, video)
    codes = [r["code"] for r in err.value.extra["reasons"]]
    assert codes == ["under_age", "app_version", "music", "region"]
    assert balances(db, workspace_id, creator)["wallet"] == 1000
    with db.transaction() as uow:
        reasons, goals, kind = creators_service.check_eligibility(uow, workspace_id, creator, video)
    assert [r.code for r in reasons] == codes
    assert [g.value for g in goals] == ["video_views", "product_clicks", "followers"]
    assert kind == "ecommerce"


def test_goals_budget_and_coupon_rules_at_order_time(db: Database) -> None:
    workspace_id, creator = _ws_creator(db)
    with db.transaction() as uow:
        video = make_video(uow, workspace_id, creator)
        coupon = make_coupon(uow, workspace_id, creator, 300)
    with db.transaction() as uow, pytest.raises(GoalNotAllowed) as err:
        place(uow, workspace_id, creator, video, goal="product_clicks")
    assert err.value.extra["allowed_goals"] == ["video_views", "website_visits", "followers"]
    with db.transaction() as uow, pytest.raises(ValidationFailed):
        place(uow, workspace_id, creator, video, goal="website_visits")
    with db.transaction() as uow, pytest.raises(ValidationFailed):
        place(uow, workspace_id, creator, video, budget_coins=10)
    with db.transaction() as uow, pytest.raises(CouponNotUsable):
        place(uow, workspace_id, creator, video, budget_coins=300, coupon_id=coupon)
    with db.transaction() as uow, pytest.raises(InsufficientFunds):
        place(uow, workspace_id, creator, video, budget_coins=5000)
    with db.transaction() as uow:
        first = place(
            uow,
            workspace_id,
            creator,
            video,
            goal="website_visits",
            website_url="https://shop.example/spring",
            budget_coins=301,
            coupon_id=coupon,
            audience={"mode": "custom", "gender": "female", "age_ranges": ["25-34", "18-24"]},
        )
    row = order_row(db, workspace_id, first)
    assert (row.paid_coins, row.coupon_coins) == (1, 300)
    assert row.audience["age_ranges"] == ["18-24", "25-34"]
    with db.transaction() as uow, pytest.raises(CouponNotUsable):
        place(
            uow, workspace_id, creator, video, budget_coins=400, coupon_id=coupon
        )  # one order only
    other_ws, other = _ws_creator(db)
    with db.transaction() as uow, pytest.raises(Exception) as foreign:
        place(uow, other_ws, other, video)
    assert type(foreign.value).__name__ == "NotFound"


def test_review_approve_starts_delivery_and_cannot_repeat(db: Database) -> None:
    workspace_id, creator = _ws_creator(db)
    with db.transaction() as uow:
        order = place(uow, workspace_id, creator, make_video(uow, workspace_id, creator))
        queue = [o.id for o in review_service.review_queue(uow, workspace_id)]
    assert queue == [order]
    with db.transaction() as uow:
        review_service.approve_order(uow, workspace_id, order)
    row = order_row(db, workspace_id, order)
    assert (row.status, row.review_status) == ("delivering", "approved")
    assert row.ends_at is not None
    assert row.started_at is not None
    assert row.ends_at - row.started_at == timedelta(hours=24)
    with db.transaction() as uow, pytest.raises(InvalidTransition):
        review_service.approve_order(uow, workspace_id, order)
    with db.transaction() as uow, pytest.raises(InvalidTransition):
        review_service.reject_order(uow, workspace_id, order, reason="late")
    with db.transaction() as uow, pytest.raises(ValidationFailed):
        review_service.reject_order(uow, workspace_id, order, reason=" ")


def test_live_needs_air_and_is_approved_while_delivering(db: Database) -> None:
    workspace_id, creator = _ws_creator(db)
    with db.transaction() as uow:
        off = make_live(uow, workspace_id, creator, on_air=False)
    with db.transaction() as uow, pytest.raises(NotEligible):
        place(uow, workspace_id, creator, off, goal="live_viewers")
    with db.transaction() as uow:
        orders_service.set_live_state(
            uow,
            workspace_id,
            off,
            on_air=False,
            scheduled_start=clock.now() + timedelta(minutes=10),
        )
        order = place(uow, workspace_id, creator, off, goal="live_viewers")
    with db.transaction() as uow:
        review_service.approve_order(uow, workspace_id, order)
    row = order_row(db, workspace_id, order)
    assert (row.status, row.review_status) == ("delivering", "approved")


def test_the_end_time_job_completes_and_refunds(db: Database, frozen: FrozenClock) -> None:
    workspace_id, creator = _ws_creator(db)
    with db.transaction() as uow:
        order = place(
            uow, workspace_id, creator, make_video(uow, workspace_id, creator), duration_hours=2
        )
        review_service.approve_order(uow, workspace_id, order)
    drain(db, workspace_id)
    assert order_row(db, workspace_id, order).status == "delivering"
    with db.transaction() as uow:
        assert creator_has_open_orders(uow, workspace_id, creator)
        view = wallet_view(uow, workspace_id, creator)
    assert (view.balance, view.held, view.open_orders) == (0, 1000, 1)
    frozen.advance(timedelta(hours=2, seconds=1))
    drain(db, workspace_id)
    row = order_row(db, workspace_id, order)
    assert (row.status, row.settlement_status) == ("completed", "settled")
    assert balances(db, workspace_id, creator)["wallet"] == 1000
    with db.transaction() as uow:
        assert not creator_has_open_orders(uow, workspace_id, creator)
        view = wallet_view(uow, workspace_id, creator)
    assert (view.balance, view.held, view.open_orders) == (1000, 0, 0)
    assert view.last_order_ended_at == row.ended_at


def test_stopped_in_review_refunds_and_stop_is_final(db: Database) -> None:
    workspace_id, creator = _ws_creator(db)
    with db.transaction() as uow:
        order = place(uow, workspace_id, creator, make_video(uow, workspace_id, creator))
    with db.transaction() as uow:
        stopped = orders_service.stop_order(uow, workspace_id, order, reason="changed my mind")
    assert (stopped.status, stopped.stop_reason) == ("stopped", "changed my mind")
    with db.transaction() as uow, pytest.raises(InvalidTransition):
        review_service.approve_order(uow, workspace_id, order)
    with db.transaction() as uow, pytest.raises(InvalidTransition):
        orders_service.stop_order(uow, workspace_id, order)
    drain(db, workspace_id)
    assert balances(db, workspace_id, creator, order)["wallet"] == 1000
