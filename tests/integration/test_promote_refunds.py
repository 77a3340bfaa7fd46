"""Worked examples end to end: place (1000 = 700 paid + 300 coupon), review, deliver, end,
settle with the worker, and check every balance and the coupon afterwards."""

from __future__ import annotations

import pytest

from promodesk.kit.db import Database
from promodesk.kit.errors import InvalidTransition
from promodesk.ledger.check import check_ledger
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import delivery as delivery_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service
from tests.conftest import make_workspace
from tests.integration.promote_factories import (
    balances,
    drain,
    event,
    fund,
    make_coupon,
    make_creator,
    make_live,
    make_video,
    order_row,
    place,
    release_entries,
)


def _setup(db: Database, coupon: int = 300) -> tuple[int, int, int, int | None]:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        creator = make_creator(uow, workspace_id)
        video = make_video(uow, workspace_id, creator)
        fund(uow, workspace_id, creator, 1000)
        coupon_id = make_coupon(uow, workspace_id, creator, coupon) if coupon else None
    return workspace_id, creator, video, coupon_id


def _placed_and_approved(db: Database, coupon: int = 300) -> tuple[int, int, int, int | None]:
    workspace_id, creator, video, coupon_id = _setup(db, coupon)
    with db.transaction() as uow:
        order = place(uow, workspace_id, creator, video, coupon_id=coupon_id)
    with db.transaction() as uow:
        review_service.approve_order(uow, workspace_id, order, actor="reviewer")
    return workspace_id, creator, order, coupon_id


def _deliver(db: Database, workspace_id: int, order: int, spend: int, tag: str = "e") -> None:
    with db.transaction() as uow:
        delivery_service.ingest_batch(
            uow, workspace_id, [event(f"{tag}-{order}-{spend}", order, spend, 10)]
        )


def _stop_and_settle(db: Database, workspace_id: int, order: int) -> None:
    with db.transaction() as uow:
        orders_service.stop_order(uow, workspace_id, order, reason="done", actor="creator")
    drain(db, workspace_id)


def _coupon_status(db: Database, workspace_id: int, coupon_id: int) -> str:
    with db.transaction() as uow:
        return coupons_service.shown_status(
            coupons_service.get_coupon(uow, workspace_id, coupon_id)
        )


def test_placing_moves_paid_coins_and_coupon_into_the_escrow_in_one_entry(db: Database) -> None:
    workspace_id, creator, video, coupon_id = _setup(db)
    with db.transaction() as uow:
        order = place(uow, workspace_id, creator, video, coupon_id=coupon_id)
    assert balances(db, workspace_id, creator, order) == {
        "wallet": 300,
        "funding": -300,
        "revenue": 0,
        "escrow": 1000,
    }
    row = order_row(db, workspace_id, order)
    assert (row.status, row.paid_coins, row.coupon_coins) == ("in_review", 700, 300)
    assert coupon_id is not None
    assert _coupon_status(db, workspace_id, coupon_id) == "reserved"


@pytest.mark.parametrize(
    ("spent", "wallet", "funding", "coupon"),
    [
        (0, 1000, 0, "available"),  # nothing spent: everything back, coupon usable again
        (100, 1000, -100, "consumed"),  # spent < coupon: wallet whole, coupon rest to funding
        (300, 1000, -300, "consumed"),  # spent = coupon
        (450, 850, -300, "consumed"),  # spent > coupon: wallet gets 700 − 150
    ],
)
def test_stop_refunds_the_unspent_rest(
    db: Database, spent: int, wallet: int, funding: int, coupon: str
) -> None:
    workspace_id, creator, order, coupon_id = _placed_and_approved(db)
    if spent:
        _deliver(db, workspace_id, order, spent)
    _stop_and_settle(db, workspace_id, order)
    assert balances(db, workspace_id, creator, order) == {
        "wallet": wallet,
        "funding": funding,
        "revenue": spent,
        "escrow": 0,
    }
    row = order_row(db, workspace_id, order)
    assert (row.status, row.settlement_status, row.spent_coins) == ("stopped", "settled", spent)
    assert row.refunded_coins == wallet - 300
    assert release_entries(db, workspace_id, order) == 1
    assert coupon_id is not None
    assert _coupon_status(db, workspace_id, coupon_id) == coupon


def test_rejected_before_delivery_returns_everything_coupon_included(db: Database) -> None:
    workspace_id, creator, video, coupon_id = _setup(db)
    with db.transaction() as uow:
        order = place(uow, workspace_id, creator, video, coupon_id=coupon_id)
    with db.transaction() as uow:
        review_service.reject_order(
            uow, workspace_id, order, reason="misleading claims", actor="reviewer"
        )
    drain(db, workspace_id)
    assert balances(db, workspace_id, creator, order) == {
        "wallet": 1000,
        "funding": 0,
        "revenue": 0,
        "escrow": 0,
    }
    row = order_row(db, workspace_id, order)
    assert (row.status, row.review_status, row.review_reason) == (
        "rejected",
        "rejected",
        "misleading claims",
    )
    assert row.coupon_restored
    assert coupon_id is not None
    assert _coupon_status(db, workspace_id, coupon_id) == "available"
    # The coupon is usable again by a new order.
    with db.transaction() as uow:
        again = place(
            uow, workspace_id, creator, make_video(uow, workspace_id, creator), coupon_id=coupon_id
        )
    assert order_row(db, workspace_id, again).coupon_coins == 300


def test_live_rejected_midway_refunds_the_unspent_rest(db: Database) -> None:
    workspace_id, creator, _, coupon_id = _setup(db, coupon=100)
    with db.transaction() as uow:
        live = make_live(uow, workspace_id, creator)
        order = place(
            uow,
            workspace_id,
            creator,
            live,
            goal="live_viewers",
            budget_coins=500,
            coupon_id=coupon_id,
        )
    row = order_row(db, workspace_id, order)
    assert (row.status, row.review_status) == ("delivering", "pending")  # delivers at once
    _deliver(db, workspace_id, order, 250)
    with db.transaction() as uow:
        review_service.reject_order(uow, workspace_id, order, reason="policy", actor="reviewer")
    drain(db, workspace_id)
    # 1000 − 400 paid + 250 back; the coupon was spent first and is gone.
    assert balances(db, workspace_id, creator, order) == {
        "wallet": 850,
        "funding": -100,
        "revenue": 250,
        "escrow": 0,
    }
    # A later delivery for the rejected order is never charged.
    _deliver(db, workspace_id, order, 50, tag="late")
    row = order_row(db, workspace_id, order)
    assert (row.spent_coins, row.over_delivered_coins) == (250, 50)
    assert coupon_id is not None
    assert _coupon_status(db, workspace_id, coupon_id) == "consumed"


def test_budget_spent_completes_and_over_delivery_is_not_charged(db: Database) -> None:
    workspace_id, creator, order, _ = _placed_and_approved(db)
    with db.transaction() as uow:
        result = delivery_service.ingest_batch(
            uow, workspace_id, [event("a", order, 600, 100), event("b", order, 600, 100)]
        )
    assert (result.charged_coins, result.over_delivered_coins) == (1000, 200)
    assert result.completed_orders == [order]
    drain(db, workspace_id)
    row = order_row(db, workspace_id, order)
    assert (row.status, row.settlement_status) == ("completed", "settled")
    assert (row.spent_coins, row.over_delivered_coins, row.views) == (1000, 200, 200)
    assert balances(db, workspace_id, creator, order) == {
        "wallet": 300,
        "funding": -300,
        "revenue": 1000,
        "escrow": 0,
    }
    with db.transaction() as uow, pytest.raises(InvalidTransition):
        orders_service.stop_order(uow, workspace_id, order)
    assert release_entries(db, workspace_id, order) == 0  # nothing left to release: no entry at all


def test_delivery_is_idempotent_per_event_id(db: Database) -> None:
    workspace_id, _creator, order, _ = _placed_and_approved(db)
    batch = [event("x1", order, 10, 5), event("x2", order, 20, 5), event("x1", order, 10, 5)]
    with db.transaction() as uow:
        first = delivery_service.ingest_batch(uow, workspace_id, batch)
    with db.transaction() as uow:
        again = delivery_service.ingest_batch(uow, workspace_id, batch)
    assert (first.accepted, first.duplicates, first.charged_coins) == (2, 1, 30)
    assert (again.accepted, again.duplicates, again.charged_coins) == (0, 3, 0)
    row = order_row(db, workspace_id, order)
    assert (row.spent_coins, row.views) == (30, 10)


def test_a_batch_of_several_statements_counts_only_its_new_events(db: Database) -> None:
    """Events go in 1,000 per statement: a batch of 2,500 of which 1,000 were seen before
    (in two statements of the batch) counts exactly the 1,500 new ones, once each."""
    workspace_id, _creator, order, _ = _placed_and_approved(db)
    with db.transaction() as uow:
        first = delivery_service.ingest_batch(
            uow, workspace_id, [event(f"m{n}", order, 0, 1) for n in range(500, 1500)]
        )
    with db.transaction() as uow:
        again = delivery_service.ingest_batch(
            uow, workspace_id, [event(f"m{n}", order, 0, 1) for n in range(2500)]
        )
    assert (first.accepted, first.duplicates) == (1000, 0)
    assert (again.accepted, again.duplicates) == (1500, 1000)
    assert order_row(db, workspace_id, order).views == 2500


def test_stop_after_completion_is_refused_and_refunds_once(db: Database) -> None:
    workspace_id, _creator, order, _ = _placed_and_approved(db)
    _deliver(db, workspace_id, order, 1000)
    with db.transaction() as uow, pytest.raises(InvalidTransition):
        orders_service.stop_order(uow, workspace_id, order)
    drain(db, workspace_id)
    drain(db, workspace_id)
    assert order_row(db, workspace_id, order).status == "completed"
    with db.transaction() as uow:
        assert check_ledger(uow).ok


def test_stop_then_late_delivery_batch_charges_nothing(db: Database) -> None:
    workspace_id, creator, order, _ = _placed_and_approved(db)
    _deliver(db, workspace_id, order, 100)
    with db.transaction() as uow:
        orders_service.stop_order(uow, workspace_id, order)
    _deliver(db, workspace_id, order, 300, tag="late")  # raced and lost: arrives after the stop
    drain(db, workspace_id)
    assert balances(db, workspace_id, creator, order)["wallet"] == 1000
    row = order_row(db, workspace_id, order)
    assert (row.spent_coins, row.over_delivered_coins) == (100, 300)
    assert release_entries(db, workspace_id, order) == 1


def test_pause_is_refused_with_a_clear_message(db: Database) -> None:
    workspace_id, _, order, _ = _placed_and_approved(db)
    with db.transaction() as uow, pytest.raises(InvalidTransition) as err:
        orders_service.pause_order(uow, workspace_id, order)
    assert type(err.value).__name__ == "PauseNotSupported"
    assert "stop" in err.value.detail
    assert order_row(db, workspace_id, order).status == "delivering"


def test_a_live_going_off_air_ends_its_orders_and_refunds_once(db: Database) -> None:
    workspace_id, creator, video, coupon_id = _setup(db, coupon=100)
    with db.transaction() as uow:
        live = make_live(uow, workspace_id, creator)
        order = place(
            uow,
            workspace_id,
            creator,
            live,
            goal="live_viewers",
            budget_coins=500,
            coupon_id=coupon_id,
        )
        other = place(
            uow, workspace_id, creator, video, budget_coins=200
        )  # a video order: untouched
    _deliver(db, workspace_id, order, 150)
    with db.transaction() as uow:
        orders_service.set_live_state(uow, workspace_id, live, on_air=False, actor="creator")
    row = order_row(db, workspace_id, order)
    assert (row.status, row.stop_reason) == ("stopped", "the LIVE ended")
    assert order_row(db, workspace_id, other).status == "in_review"
    drain(db, workspace_id)
    # 1000 − 400 paid − 200 (video) + 350 back: the coupon (100) was spent first.
    assert balances(db, workspace_id, creator, order) == {
        "wallet": 750,
        "funding": -100,
        "revenue": 150,
        "escrow": 0,
    }
    # the LIVE's state set again (off air) is no second end and no second refund
    with db.transaction() as uow:
        orders_service.set_live_state(uow, workspace_id, live, on_air=False, actor="creator")
    drain(db, workspace_id)
    assert balances(db, workspace_id, creator, order)["wallet"] == 750
    assert release_entries(db, workspace_id, order) == 1
    with db.transaction() as uow:
        assert check_ledger(uow).ok
