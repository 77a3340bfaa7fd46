"""Withdrawals on SQLite and PostgreSQL: gating by orders and settlement delay, routes, the state
table's money (wallet → escrow → paid out, or back to the wallet on failure)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from promodesk.kit import clock
from promodesk.kit.clock import FrozenClock
from promodesk.kit.db import Database
from promodesk.kit.errors import (
    InsufficientFunds,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from promodesk.ledger.repository import LedgerRepository
from promodesk.models import Workspace
from promodesk.promote.domain.payout import NotWithdrawable
from promodesk.promote.service import recharge as rs
from promodesk.promote.service import withdrawals as ws_
from promodesk.promote.service.creators import create_content
from promodesk.promote.service.orders import place_order, stop_order
from promodesk.promote.service.settlement import settle_order
from tests.integration.promote_money_helpers import config, make_creator, wallet_balance

CFG = config()
# Monday 2025-12-15 10:00 UTC: the GB payout crosses Christmas (see the unit tests)
START = datetime(2025, 12, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fc = FrozenClock(START)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def funded(db: Database, workspace_id: int, coins: int = 1000, **creator: object) -> int:
    creator_id = make_creator(db, workspace_id, **creator)
    region = str(creator.get("region", "ID"))
    os = str(creator.get("device_os", "android"))
    method = "apple_pay" if os == "ios" else "google_pay" if region == "GB" else "card"
    with db.transaction() as uow:
        rs.create_recharge(
            uow, CFG, workspace_id, creator_id=creator_id, coins=coins, method=method
        )
    return creator_id


def request(db: Database, workspace_id: int, creator_id: int, coins: int | None = None):  # type: ignore[no-untyped-def]
    with db.transaction() as uow:
        w, message = ws_.request_withdrawal(
            uow, CFG, workspace_id, creator_id=creator_id, coins=coins, actor="test"
        )
        return w.id, w.status, w.route, w.payout_method, w.expected_payout_date, message


def advance(db: Database, workspace_id: int, wid: int, target: str) -> str:
    with db.transaction() as uow:
        return ws_.advance_withdrawal(uow, workspace_id, wid, target, actor="test").status


def balance_of(db: Database, workspace_id: int, code: str) -> int:
    with db.transaction() as uow:
        account = LedgerRepository(uow).get_account_by_code(workspace_id, code)
        return account.balance if account else 0


def test_orders_and_settlement_delay_gate_the_withdrawal(
    db: Database, workspace: Workspace, frozen: FrozenClock
) -> None:
    creator = funded(db, workspace.id)
    with db.transaction() as uow:
        video = create_content(uow, workspace.id, creator, kind="video", commercial_music=True)
        order = place_order(
            uow, workspace.id, creator_id=creator, content_id=video.id, goal="video_views",
            budget_coins=400, duration_hours=24,
        )  # fmt: skip
    with pytest.raises(NotWithdrawable) as err:
        request(db, workspace.id, creator)
    assert "in review or delivering" in err.value.detail
    with db.transaction() as uow:
        stop_order(uow, workspace.id, order.id, reason="changed my mind")
    with pytest.raises(NotWithdrawable) as err:
        request(db, workspace.id, creator)  # ended, refund not posted yet
    assert "still being returned" in err.value.detail
    with db.transaction() as uow:
        assert settle_order(uow, workspace.id, order.id)
    assert wallet_balance(db, workspace.id, creator) == 1000
    frozen.advance(timedelta(hours=5, minutes=59))
    with pytest.raises(NotWithdrawable) as err:
        request(db, workspace.id, creator)
    assert err.value.to_body()["withdrawable_at"] == "2025-12-15T16:00:00+00:00"
    frozen.advance(timedelta(minutes=1))
    wid, status, route, method, expected, message = request(db, workspace.id, creator)
    assert (status, route, method) == ("requested", "original_method", "card")
    assert "original payment method" in message
    assert wallet_balance(db, workspace.id, creator) == 0
    assert balance_of(db, workspace.id, f"promote:withdrawal:{wid}") == 1000
    # ID: 15 working days from Mon 2025-12-15, Christmas (25th) and New Year off -> 2026-01-07
    assert expected == date(2026, 1, 7)


def test_paid_moves_escrow_to_paid_out(
    db: Database, workspace: Workspace, frozen: FrozenClock
) -> None:
    creator = funded(db, workspace.id, coins=700, region="US")
    wid = request(db, workspace.id, creator, coins=300)[0]
    assert wallet_balance(db, workspace.id, creator) == 400
    assert advance(db, workspace.id, wid, "processing") == "processing"
    assert advance(db, workspace.id, wid, "paid") == "paid"
    assert balance_of(db, workspace.id, f"promote:withdrawal:{wid}") == 0
    assert wallet_balance(db, workspace.id, creator) == 400
    with pytest.raises(InvalidTransition):
        advance(db, workspace.id, wid, "failed")
    with db.transaction() as uow:
        assert [w.id for w in ws_.list_withdrawals(uow, workspace.id, creator_id=creator)] == [wid]
        assert ws_.get_withdrawal(uow, workspace.id, wid).paid_at == START


@pytest.mark.parametrize("from_processing", [True, False])
def test_failed_returns_the_coins(
    db: Database, workspace: Workspace, frozen: FrozenClock, from_processing: bool
) -> None:
    creator = funded(db, workspace.id, coins=500)
    wid = request(db, workspace.id, creator)[0]
    if from_processing:
        advance(db, workspace.id, wid, "processing")
    assert advance(db, workspace.id, wid, "failed") == "failed"
    assert wallet_balance(db, workspace.id, creator) == 500
    assert balance_of(db, workspace.id, f"promote:withdrawal:{wid}") == 0
    with pytest.raises(InvalidTransition):
        advance(db, workspace.id, wid, "paid")
    assert wallet_balance(db, workspace.id, creator) == 500


@pytest.mark.parametrize(
    ("region", "os", "store"),
    [("GB", "android", "google_pay"), ("GB", "ios", "apple_pay"), ("US", "ios", "apple_pay")],
)
def test_store_users_get_a_store_refund_request(
    db: Database, workspace: Workspace, frozen: FrozenClock, region: str, os: str, store: str
) -> None:
    creator = funded(db, workspace.id, coins=200, region=region, device_os=os)
    _, status, route, method, expected, message = request(db, workspace.id, creator)
    assert (status, route, method) == ("requested", "store_refund", store)
    assert ("Google Pay" if store == "google_pay" else "Apple Pay") in message
    if region == "GB":
        assert expected == date(2026, 1, 8)  # GB: Christmas, Boxing Day, New Year off


def test_refusals(db: Database, workspace: Workspace, frozen: FrozenClock) -> None:
    creator = funded(db, workspace.id, coins=100)
    with pytest.raises(InsufficientFunds):
        request(db, workspace.id, creator, coins=101)
    with pytest.raises(ValidationFailed):
        request(db, workspace.id, creator, coins=0)
    request(db, workspace.id, creator)
    with pytest.raises(NotWithdrawable):
        request(db, workspace.id, creator)  # nothing left
    empty = make_creator(db, workspace.id)
    with pytest.raises(NotWithdrawable):
        request(db, workspace.id, empty)
    with db.transaction() as uow, pytest.raises(NotFound):
        ws_.get_withdrawal(uow, workspace.id + 10_000, 1)


def test_the_cash_shown_on_confirmation_is_the_cash_stored(
    db: Database, workspace: Workspace, frozen: FrozenClock
) -> None:
    """One quote: the cash amount the confirmation page shows (the plan) is kept on the
    withdrawal, in the payer's currency, and read back by the API schema as it was shown."""
    from promodesk.promote.schemas.money import WithdrawalRead

    creator = funded(db, workspace.id, coins=500, region="ID")
    with db.transaction() as uow:
        plan = ws_.plan_withdrawal(uow, CFG, workspace.id, creator_id=creator, coins=333)
    with db.transaction() as uow:
        w, _ = ws_.request_withdrawal(
            uow, CFG, workspace.id, creator_id=creator, coins=333, actor="test"
        )
        read = WithdrawalRead.of(w)
    assert plan.cash.currency == "IDR"
    assert plan.cash.amount > 0
    assert (read.cash_amount, read.cash_currency) == (plan.cash.amount, plan.cash.currency)
    assert read.cash_display == plan.cash.format()
