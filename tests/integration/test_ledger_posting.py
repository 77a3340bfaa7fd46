"""Ledger worked examples on SQLite and PostgreSQL: post_entry and the escrow helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from promodesk.kit.clock import FrozenClock, set_clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import Conflict, InsufficientFunds, NotFound, ValidationFailed
from promodesk.ledger import service as ledger
from promodesk.ledger.domain import Line, UnbalancedEntry
from promodesk.ledger.repository import LedgerRepository
from promodesk.models import LedgerEntry, LedgerLine, Workspace
from tests.conftest import make_workspace


@dataclass
class Book:
    """A workspace with the accounts of a coin flow: a source, a wallet, an escrow, revenue."""

    ws: int
    source: int
    wallet: int
    escrow: int
    revenue: int


def open_book(db: Database, ws: Workspace | None = None) -> Book:
    ws = ws or make_workspace(db)
    with db.transaction() as uow:
        src = ledger.open_account(uow, ws.id, "coins:sold", kind="system", currency="COIN")
        wallet = ledger.open_account(uow, ws.id, "wallet:ann", kind="wallet", currency="COIN")
        escrow = ledger.open_escrow(uow, ws.id, "escrow:order-1", "COIN")
        revenue = ledger.open_account(uow, ws.id, "revenue", kind="revenue", currency="COIN")
    return Book(ws.id, src.id, wallet.id, escrow.id, revenue.id)


def balances(db: Database, book: Book) -> tuple[int, int, int, int]:
    with db.transaction() as uow:
        got = ledger.balances(uow, book.ws)
    return got[book.source], got[book.wallet], got[book.escrow], got[book.revenue]


def entry_count(uow: UnitOfWork, ws: int) -> tuple[int, int]:
    entries = uow.session.execute(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.workspace_id == ws)
    ).scalar_one()
    lines = uow.session.execute(
        select(func.count())
        .select_from(LedgerLine)
        .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
        .where(LedgerEntry.workspace_id == ws)
    ).scalar_one()
    return entries, lines


def test_fund_hold_capture_release(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        fund = ledger.move(uow, b.ws, "fund", "recharge-1", b.source, b.wallet, 1000)
    with db.transaction() as uow:
        hold = ledger.hold(uow, b.ws, "order-1", b.escrow, [(b.wallet, 600)])
    assert balances(db, b) == (-1000, 400, 600, 0)
    with db.transaction() as uow:
        ledger.capture(uow, b.ws, "order-1:day-1", b.escrow, b.revenue, 150)
        ledger.capture(uow, b.ws, "order-1:day-2", b.escrow, b.revenue, 100)
    assert balances(db, b) == (-1000, 400, 350, 250)
    with db.transaction() as uow:
        released = ledger.release(uow, b.ws, "order-1", b.escrow, [(b.wallet, None)])
    assert released.posted is not None
    assert released.posted.created
    assert released.amounts == {b.wallet: 350}
    assert balances(db, b) == (-1000, 750, 0, 250)
    with db.transaction() as uow:
        repo = LedgerRepository(uow)
        assert repo.entry_lines(b.ws, fund.entry_id) == [
            (b.source, "COIN", -1000),
            (b.wallet, "COIN", 1000),
        ]
        assert repo.entry_lines(b.ws, hold.entry_id) == [
            (b.wallet, "COIN", -600),
            (b.escrow, "COIN", 600),
        ]
        statement = repo.account_lines(b.ws, b.escrow)
        assert [(kind, amount) for _, _, kind, _, amount, _ in statement] == [
            ("hold", 600),
            ("capture", -150),
            ("capture", -100),
            ("release", -350),
        ]
        assert entry_count(uow, b.ws) == (5, 10)


def test_replay_returns_the_first_entry_and_changes_nothing(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        first = ledger.move(uow, b.ws, "fund", "r-1", b.source, b.wallet, 500)
        again = ledger.move(uow, b.ws, "fund", "r-1", b.source, b.wallet, 500)
    with db.transaction() as uow:
        # A replay in a later transaction, even with other lines, is still the first entry.
        later = ledger.move(uow, b.ws, "fund", "r-1", b.source, b.wallet, 9999)
        ledger.hold(uow, b.ws, "o-1", b.escrow, [(b.wallet, 200)])
        ledger.release(uow, b.ws, "o-1", b.escrow, [(b.wallet, None)])
        replay = ledger.release(uow, b.ws, "o-1", b.escrow, [(b.wallet, None)])
        assert entry_count(uow, b.ws) == (3, 6)
    assert first.created
    assert not again.created
    assert not later.created
    assert first.entry_id == again.entry_id == later.entry_id
    assert replay.posted is not None
    assert not replay.posted.created
    assert replay.amounts == {b.wallet: 200}
    assert balances(db, b) == (-500, 500, 0, 0)


def test_same_ref_in_another_kind_or_workspace_is_another_entry(db: Database) -> None:
    b, other = open_book(db), open_book(db)
    with db.transaction() as uow:
        one = ledger.move(uow, b.ws, "fund", "x", b.source, b.wallet, 5)
        two = ledger.move(uow, b.ws, "bonus", "x", b.source, b.wallet, 5)
        three = ledger.move(uow, other.ws, "fund", "x", other.source, other.wallet, 5)
    assert len({one.entry_id, two.entry_id, three.entry_id}) == 3
    assert balances(db, b)[1] == 10


def test_refusal_writes_nothing(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        ledger.move(uow, b.ws, "fund", "f", b.source, b.wallet, 100)
        ledger.hold(uow, b.ws, "o", b.escrow, [(b.wallet, 60)])
    with db.transaction() as uow:
        before = entry_count(uow, b.ws)
        with pytest.raises(InsufficientFunds) as err:
            ledger.capture(uow, b.ws, "o:1", b.escrow, b.revenue, 61)
        assert err.value.to_body()["balance"] == 60
        with pytest.raises(InsufficientFunds):
            ledger.hold(uow, b.ws, "o2", b.escrow, [(b.wallet, 41)])
        # The refused entries left nothing behind in this very transaction...
        assert entry_count(uow, b.ws) == before
        assert ledger.balances(uow, b.ws)[b.escrow] == 60
        # ...and did not burn their (kind, ref): the same ref posts once it is affordable.
        assert ledger.capture(uow, b.ws, "o:1", b.escrow, b.revenue, 60).created
    assert balances(db, b) == (-100, 40, 0, 60)


def test_refusal_in_the_middle_of_many_accounts_undoes_the_first_ones(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        coupon = ledger.open_account(uow, b.ws, "coupon", kind="wallet", currency="COIN")
        ledger.move(uow, b.ws, "fund", "f", b.source, b.wallet, 100)
    with db.transaction() as uow:
        # The wallet (lower id) is debited first, then the coupon account refuses.
        with pytest.raises(InsufficientFunds):
            ledger.hold(uow, b.ws, "o", b.escrow, [(b.wallet, 50), (coupon.id, 10)])
        assert ledger.balances(uow, b.ws)[b.wallet] == 100
        assert entry_count(uow, b.ws) == (1, 2)


def test_hold_from_several_sources_and_release_with_caps(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        coupon = ledger.open_account(uow, b.ws, "coupon", kind="system", currency="COIN")
        ledger.move(uow, b.ws, "fund", "f", b.source, b.wallet, 1000)
        ledger.hold(uow, b.ws, "o", b.escrow, [(b.wallet, 700), (coupon.id, 300)])
        ledger.capture(uow, b.ws, "o:1", b.escrow, b.revenue, 800)
        # The coupon's share comes back first (up to what it put in), the rest to the wallet.
        released = ledger.release(uow, b.ws, "o", b.escrow, [(coupon.id, 300), (b.wallet, None)])
        assert released.amounts == {coupon.id: 200}
        got = ledger.balances(uow, b.ws)
    assert (got[b.wallet], got[coupon.id], got[b.escrow], got[b.revenue]) == (300, -100, 0, 800)


def test_releasing_an_empty_escrow_posts_nothing(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        assert ledger.release(uow, b.ws, "o", b.escrow, [(b.wallet, None)]).posted is None
        assert entry_count(uow, b.ws) == (0, 0)


def test_multi_currency_entry_balances_per_currency(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        card = ledger.open_account(uow, b.ws, "cash:card", kind="system", currency="USD")
        cash = ledger.open_account(uow, b.ws, "cash:received", kind="system", currency="usd")
        assert cash.currency == "USD"
        # A recharge: 9.90 USD received, 1000 coins credited, in one entry.
        lines = [
            Line(card.id, -990),
            Line(cash.id, 990),
            Line(b.source, -1000),
            Line(b.wallet, 1000),
        ]
        ledger.post_entry(uow, b.ws, "recharge", "pay-1", lines)
        with pytest.raises(UnbalancedEntry, match="COIN off by 10, USD off by -10"):
            ledger.post_entry(
                uow, b.ws, "recharge", "pay-2", [Line(card.id, -10), Line(b.wallet, 10)]
            )
        got = ledger.balances(uow, b.ws)
        assert (got[card.id], got[cash.id], got[b.wallet]) == (-990, 990, 1000)
        assert entry_count(uow, b.ws) == (1, 4)


def test_unknown_account_is_not_found_and_writes_nothing(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        ledger.move(uow, b.ws, "fund", "f", b.source, b.wallet, 100)
        with pytest.raises(NotFound) as err:
            ledger.move(uow, b.ws, "pay", "p", b.wallet, 2**62, 10)
        assert err.value.status_code == 404
        with pytest.raises(NotFound):
            ledger.get_account(uow, b.ws, 2**62)
        with pytest.raises(NotFound):
            ledger.release(uow, b.ws, "r", b.escrow, [(2**62, None)])
        assert ledger.balances(uow, b.ws)[b.wallet] == 100
        assert entry_count(uow, b.ws) == (1, 2)


def test_another_workspaces_account_is_not_usable(db: Database) -> None:
    mine, theirs = open_book(db), open_book(db)
    with db.transaction() as uow:
        ledger.move(uow, theirs.ws, "fund", "f", theirs.source, theirs.wallet, 100)
    with db.transaction() as uow:
        with pytest.raises(NotFound):  # spend their wallet
            ledger.move(uow, mine.ws, "steal", "s", theirs.wallet, mine.wallet, 10)
        with pytest.raises(NotFound):  # or credit it from mine
            ledger.move(uow, mine.ws, "gift", "g", mine.source, theirs.wallet, 10)
        with pytest.raises(NotFound):
            ledger.get_account(uow, mine.ws, theirs.wallet)
        with pytest.raises(NotFound):
            ledger.release(uow, mine.ws, "r", theirs.escrow, [(mine.wallet, None)])
    assert balances(db, theirs) == (-100, 100, 0, 0)
    assert balances(db, mine) == (0, 0, 0, 0)


def test_open_account_is_get_or_create_with_the_same_kind_and_currency(db: Database) -> None:
    ws = make_workspace(db)
    with db.transaction() as uow:
        first = ledger.open_account(uow, ws.id, "w", kind="wallet", currency="COIN")
        assert first.floor == 0
        assert ledger.open_account(uow, ws.id, "w", kind="wallet", currency="COIN") == first
        with pytest.raises(Conflict):
            ledger.open_account(uow, ws.id, "w", kind="wallet", currency="USD")
        with pytest.raises(ValidationFailed):
            ledger.open_account(uow, ws.id, "x", kind="wallet", currency="NOPE")
        system = ledger.open_account(uow, ws.id, "s", kind="system", currency="COIN")
        assert system.floor is None
        credit = ledger.open_account(uow, ws.id, "c", kind="wallet", currency="COIN", floor=-500)
        ledger.move(uow, ws.id, "credit", "c1", credit.id, system.id, 500)
        with pytest.raises(InsufficientFunds):
            ledger.move(uow, ws.id, "credit", "c2", credit.id, system.id, 1)


@pytest.mark.parametrize(
    "lines",
    [
        [Line(1, 5)],
        [Line(1, 5), Line(2, -4)],
        [Line(1, 0), Line(2, 0)],
    ],
)
def test_malformed_entries_are_refused_before_any_write(db: Database, lines: list[Line]) -> None:
    b = open_book(db)
    remap = {1: b.source, 2: b.revenue}  # no floors: the shape alone must refuse
    with db.transaction() as uow:
        with pytest.raises(ValidationFailed):
            ledger.post_entry(
                uow, b.ws, "x", "y", [Line(remap[ln.account_id], ln.amount) for ln in lines]
            )
        assert entry_count(uow, b.ws) == (0, 0)
        with pytest.raises(ValidationFailed):
            ledger.post_entry(uow, b.ws, "x" * 65, "y", [Line(b.source, -1), Line(b.wallet, 1)])


def test_entries_are_stamped_like_every_other_row(db: Database) -> None:
    """The posting path writes through the driver; its timestamps must read back, and compare
    in SQL, exactly like rows SQLAlchemy wrote (SQLite keeps them as text)."""
    b = open_book(db)
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # no microseconds: the format edge case
    previous = set_clock(FrozenClock(at))
    try:
        with db.transaction() as uow:
            one = ledger.move(uow, b.ws, "fund", "t1", b.source, b.wallet, 5)
            (two,) = ledger.post_entries(
                uow, b.ws, [ledger.NewEntry("fund", "t2", [Line(b.source, -5), Line(b.wallet, 5)])]
            )
    finally:
        set_clock(previous)
    with db.transaction() as uow:
        for posted in (one, two):
            entry = LedgerRepository(uow).get_entry(b.ws, posted.entry_id)
            assert entry is not None
            assert entry.created_at == at
        same = uow.session.execute(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.workspace_id == b.ws, LedgerEntry.created_at == at)
        ).scalar_one()
        assert same == 2
