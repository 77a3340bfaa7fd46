"""16 threads race on PostgreSQL to capture from and release the same escrows, while holding
from one shared wallet into other escrows. Each operation is its own transaction.

Never below a floor, never released twice, never a deadlock, and every coin accounted for.
Accounts are created in an order where "line order" and "id order" differ (revenue first,
wallet last), so only the ascending-id lock order keeps the postings deadlock-free.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.kit.errors import InsufficientFunds
from promodesk.ledger import service as ledger
from promodesk.ledger.check import check_ledger
from promodesk.models import LedgerEntry, LedgerLine
from tests.conftest import make_workspace

pytestmark = pytest.mark.postgres

THREADS, OPS, RACED, HOLD_TARGETS = 16, 40, 6, 4
HELD, WALLET_START = 1000, 3000


@dataclass
class Tally:
    captured: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    releases: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    released: dict[int, int] = field(default_factory=dict)
    held: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def test_sixteen_threads_capture_release_and_hold(pg_db: Database) -> None:
    db = pg_db
    ws = make_workspace(db).id
    with db.transaction() as uow:
        revenue = ledger.open_account(uow, ws, "revenue", kind="revenue", currency="COIN").id
        raced = [ledger.open_escrow(uow, ws, f"order-{i}", "COIN").id for i in range(RACED)]
        targets = [ledger.open_escrow(uow, ws, f"new-{i}", "COIN").id for i in range(HOLD_TARGETS)]
        source = ledger.open_account(uow, ws, "sold", kind="system", currency="COIN").id
        wallet = ledger.open_account(uow, ws, "wallet", kind="wallet", currency="COIN").id
        ledger.move(uow, ws, "fund", "f", source, wallet, WALLET_START + HELD * RACED)
        for escrow in raced:
            ledger.hold(uow, ws, f"order-{escrow}", escrow, [(wallet, HELD)])

    tally = Tally()
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        rnd = random.Random(n)
        start.wait()
        for i in range(OPS):
            escrow = rnd.choice(raced)
            roll = rnd.random()
            try:
                with db.transaction() as uow:
                    if roll < 0.6:
                        amount = rnd.randint(1, 120)
                        ref = f"{n}:{i}"
                        ledger.capture(uow, ws, ref, escrow, revenue, amount)
                        with tally.lock:
                            tally.captured[escrow] += amount
                    elif roll < 0.8:
                        # Read under lock: a release is never refused, whatever races it.
                        done = ledger.release(uow, ws, f"order-{escrow}", escrow, [(wallet, None)])
                        assert done.posted is not None
                        with tally.lock:
                            tally.releases[escrow].add(done.posted.entry_id)
                            if done.posted.created:
                                assert escrow not in tally.released
                                tally.released[escrow] = done.amounts.get(wallet, 0)
                    else:
                        amount = rnd.randint(50, 400)
                        # Into a raced escrow too: wallet -> escrow against escrow -> wallet.
                        target = rnd.choice([*targets, escrow])
                        ledger.hold(uow, ws, f"{n}:{i}", target, [(wallet, amount)])
                        with tally.lock:
                            tally.held[target] += amount
            except InsufficientFunds:
                if 0.6 <= roll < 0.8:
                    errors.append(AssertionError(f"release of {escrow} was refused"))
                    return
                with tally.lock:
                    tally.refused += 1
            except BaseException as exc:  # a deadlock or anything else fails the test
                errors.append(exc)
                return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    with db.transaction() as uow:
        got = ledger.balances(uow, ws)
        release_lines = dict(
            uow.session.execute(
                select(LedgerLine.account_id, func.count())
                .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                .where(LedgerEntry.workspace_id == ws, LedgerEntry.kind == "release")
                .where(LedgerLine.amount < 0)
                .group_by(LedgerLine.account_id)
            ).all()
        )
        report = check_ledger(uow)
    assert report.ok, report.problems()
    assert tally.refused > 0  # the race really pushed against the floors
    assert all(balance >= 0 for account, balance in got.items() if account != source)
    for escrow in raced:
        # Never released twice: every release call saw the one entry of its escrow.
        assert len(tally.releases[escrow]) <= 1
        assert release_lines.get(escrow, 0) == len(tally.releases[escrow])
        released = tally.released.get(escrow, 0)
        assert tally.captured[escrow] + released + got[escrow] == HELD + tally.held[escrow]
    assert got[revenue] == sum(tally.captured.values())
    assert all(got[t] == tally.held[t] for t in targets)
    spent = sum(tally.held.values())
    assert got[wallet] == WALLET_START - spent + sum(tally.released.values())
