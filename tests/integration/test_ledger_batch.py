"""post_entries on SQLite and PostgreSQL: a batch means posting its entries one by one."""

from __future__ import annotations

import pytest

from promodesk.kit.db import Database
from promodesk.kit.errors import InsufficientFunds, NotFound
from promodesk.ledger import service as ledger
from promodesk.ledger.check import check_ledger
from promodesk.ledger.domain import Line, NewEntry, UnbalancedEntry, transfer
from promodesk.ledger.repository import LedgerRepository
from tests.integration.test_ledger_posting import balances, entry_count, open_book


def test_batch_has_the_effect_of_posting_one_by_one(db: Database) -> None:
    b = open_book(db)
    entries = [
        NewEntry("fund", "f1", transfer(b.source, b.wallet, 1000)),
        NewEntry("hold", "o1", transfer(b.wallet, b.escrow, 600), memo="order 1"),
        NewEntry("capture", "o1:1", transfer(b.escrow, b.revenue, 250)),
        NewEntry("release", "o1", transfer(b.escrow, b.wallet, 350)),
    ]
    with db.transaction() as uow:
        posted = ledger.post_entries(uow, b.ws, entries)
    assert all(p.created for p in posted)
    assert len({p.entry_id for p in posted}) == 4
    assert balances(db, b) == (-1000, 750, 0, 250)
    with db.transaction() as uow:
        repo = LedgerRepository(uow)
        assert repo.entry_lines(b.ws, posted[2].entry_id) == [
            (b.escrow, "COIN", -250),
            (b.revenue, "COIN", 250),
        ]
        entry = repo.get_entry(b.ws, posted[1].entry_id)
        assert entry is not None
        assert (entry.kind, entry.ref, entry.memo) == ("hold", "o1", "order 1")
        # Lines keep the order the entries were given in: the escrow's statement is causal.
        statement = [
            (kind, amount) for _, _, kind, _, amount, _ in repo.account_lines(b.ws, b.escrow)
        ]
        assert statement == [("hold", 600), ("capture", -250), ("release", -350)]
        assert check_ledger(uow).ok


def test_batch_replays_earlier_and_repeated_entries(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        first = ledger.move(uow, b.ws, "fund", "f1", b.source, b.wallet, 100)
    batch = [
        NewEntry("fund", "f1", transfer(b.source, b.wallet, 100)),  # posted before
        NewEntry("fund", "f2", transfer(b.source, b.wallet, 10)),
        NewEntry("fund", "f2", transfer(b.source, b.wallet, 10)),  # twice in the batch
    ]
    with db.transaction() as uow:
        posted = ledger.post_entries(uow, b.ws, batch)
        assert ledger.post_entries(uow, b.ws, []) == []
    assert [p.created for p in posted] == [False, True, False]
    assert posted[0].entry_id == first.entry_id
    assert posted[1].entry_id == posted[2].entry_id
    assert balances(db, b)[1] == 110
    with db.transaction() as uow:
        again = ledger.post_entries(uow, b.ws, batch)
    assert [p.entry_id for p in again] == [p.entry_id for p in posted]
    assert not any(p.created for p in again)
    assert balances(db, b)[1] == 110


def test_batch_refusal_names_the_entry_and_writes_nothing(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        ledger.move(uow, b.ws, "fund", "f", b.source, b.wallet, 100)
    batch = [
        NewEntry("hold", "o1", transfer(b.wallet, b.escrow, 80)),
        NewEntry("hold", "o2", transfer(b.wallet, b.escrow, 30)),  # 20 left: refused
        NewEntry("fund", "f2", transfer(b.source, b.wallet, 1000)),  # too late to help
    ]
    with db.transaction() as uow:
        with pytest.raises(InsufficientFunds, match=r"entry \(hold, o2\)") as err:
            ledger.post_entries(uow, b.ws, batch)
        body = err.value.to_body()
        assert (body["kind"], body["ref"], body["balance"]) == ("hold", "o2", 20)
        assert entry_count(uow, b.ws) == (1, 2)
        # The transaction is still usable, and none of the refs was burnt.
        posted = ledger.post_entries(uow, b.ws, [batch[2], batch[0], batch[1]])
        assert all(p.created for p in posted)
    assert balances(db, b) == (-1100, 990, 110, 0)


def test_batch_with_an_unknown_or_foreign_account_writes_nothing(db: Database) -> None:
    b, other = open_book(db), open_book(db)
    with db.transaction() as uow:
        for bad in (2**62, other.wallet):
            with pytest.raises(NotFound):
                ledger.post_entries(
                    uow,
                    b.ws,
                    [
                        NewEntry("fund", "f1", transfer(b.source, b.wallet, 5)),
                        NewEntry("fund", "f2", transfer(b.source, bad, 5)),
                    ],
                )
        assert entry_count(uow, b.ws) == (0, 0)


def test_bad_account_ids_never_reach_the_database(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        bad_ids: list[object] = [0, -1, 2**63, "1"]
        for bad in bad_ids:
            lines = [Line(bad, 5), Line(b.source, -5)]  # type: ignore[arg-type]
            with pytest.raises(UnbalancedEntry, match="not an account id"):
                ledger.post_entries(uow, b.ws, [NewEntry("x", "1", lines)])
            with pytest.raises(UnbalancedEntry, match="not an account id"):
                ledger.post_entry(uow, b.ws, "x", "1", lines)
            with pytest.raises(UnbalancedEntry, match="not an account id"):
                ledger.release(uow, b.ws, "x", b.escrow, [(bad, None)])  # type: ignore[list-item]
        assert entry_count(uow, b.ws) == (0, 0)


def test_batch_refuses_an_unbalanced_entry_by_name(db: Database) -> None:
    b = open_book(db)
    with db.transaction() as uow:
        usd = ledger.open_account(uow, b.ws, "usd", kind="system", currency="USD")
        with pytest.raises(UnbalancedEntry, match=r"entry \(x, 2\)"):
            ledger.post_entries(
                uow,
                b.ws,
                [
                    NewEntry("x", "1", transfer(b.source, b.revenue, 5)),
                    NewEntry("x", "2", [Line(usd.id, -5), Line(b.revenue, 5)]),
                ],
            )
        assert entry_count(uow, b.ws) == (0, 0)
