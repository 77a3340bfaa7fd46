"""A model of the ledger against the real one (SQLite, a private database).

Hypothesis runs random sequences of fund / hold / capture / release / withdraw / batch / replay
over several wallets and escrows. A plain dict of balances is the model; after every step the
database must agree with it, ``ledger check`` must be clean, and no account may be below its
floor. Refusals are part of the model: when the model says "insufficient", the ledger must
refuse and change nothing; when the model says "fine", the ledger must accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from hypothesis.stateful import run_state_machine_as_test as run_machine

from promodesk.kit.db import Database
from promodesk.kit.errors import InsufficientFunds
from promodesk.ledger import service as ledger
from promodesk.ledger.check import check_ledger
from promodesk.ledger.domain import Line, NewEntry, transfer
from tests.conftest import make_workspace, own_database

WALLETS, ESCROWS = 4, 4
amounts = st.integers(min_value=1, max_value=400)
wallet_ix = st.integers(min_value=0, max_value=WALLETS - 1)
escrow_ix = st.integers(min_value=0, max_value=ESCROWS - 1)


@pytest.fixture
def private_db(tmp_path: Path) -> Iterator[Database]:
    with own_database("sqlite", "model", folder=tmp_path) as db:
        yield db


class LedgerModel(RuleBasedStateMachine):
    db: Database

    def __init__(self) -> None:
        super().__init__()
        ws = make_workspace(self.db)
        self.ws = ws.id
        with self.db.transaction() as uow:
            acct = ledger.open_account
            self.source = acct(uow, ws.id, "sold", kind="system", currency="COIN").id
            self.revenue = acct(uow, ws.id, "revenue", kind="revenue", currency="COIN").id
            self.wallets = [
                acct(uow, ws.id, f"w{i}", kind="wallet", currency="COIN").id for i in range(WALLETS)
            ]
            self.escrows = [
                ledger.open_escrow(uow, ws.id, f"e{i}", "COIN").id for i in range(ESCROWS)
            ]
        self.model = dict.fromkeys([self.source, self.revenue, *self.wallets, *self.escrows], 0)
        self.floors = dict.fromkeys([*self.wallets, *self.escrows], 0)
        self.posted: list[tuple[str, str, list[Line]]] = []
        self.generation = [0] * ESCROWS  # an escrow is reused after each release
        self.serial = 0

    # helpers -----------------------------------------------------------------------------
    def ref(self) -> str:
        self.serial += 1
        return f"r{self.serial}"

    def affordable(self, model: dict[int, int], lines: list[Line]) -> bool:
        after = dict(model)
        for line in lines:
            after[line.account_id] += line.amount
        return all(after[a] >= f for a, f in self.floors.items())

    def post(self, kind: str, lines: list[Line]) -> None:
        """Post one entry; the model decides whether the ledger must accept or refuse it."""
        ref = self.ref()
        ok = self.affordable(self.model, lines)
        with self.db.transaction() as uow:
            if ok:
                assert ledger.post_entry(uow, self.ws, kind, ref, lines).created
            else:
                with pytest.raises(InsufficientFunds):
                    ledger.post_entry(uow, self.ws, kind, ref, lines)
        if ok:
            for line in lines:
                self.model[line.account_id] += line.amount
            self.posted.append((kind, ref, lines))

    # rules -------------------------------------------------------------------------------
    @rule(w=wallet_ix, amount=amounts)
    def fund(self, w: int, amount: int) -> None:
        self.post("fund", transfer(self.source, self.wallets[w], amount))

    @rule(w=wallet_ix, e=escrow_ix, amount=amounts)
    def hold(self, w: int, e: int, amount: int) -> None:
        self.post("hold", transfer(self.wallets[w], self.escrows[e], amount))

    @rule(e=escrow_ix, amount=amounts)
    def capture(self, e: int, amount: int) -> None:
        self.post("capture", transfer(self.escrows[e], self.revenue, amount))

    @rule(w=wallet_ix, amount=amounts)
    def withdraw(self, w: int, amount: int) -> None:
        self.post("withdraw", transfer(self.wallets[w], self.source, amount))

    @rule(e=escrow_ix, w=wallet_ix, cap=st.none() | amounts, again=st.booleans())
    def release(self, e: int, w: int, cap: int | None, again: bool) -> None:
        escrow, wallet = self.escrows[e], self.wallets[w]
        ref = f"{escrow}:{self.generation[e]}"
        left = self.model[escrow]
        with self.db.transaction() as uow:
            done = ledger.release(uow, self.ws, ref, escrow, [(wallet, cap), (self.source, None)])
            if again:  # a replay in the same transaction changes nothing
                replay = ledger.release(uow, self.ws, ref, escrow, [(wallet, None)])
                if done.posted is None:
                    assert replay.posted is None
                else:
                    assert replay.posted is not None
                    assert not replay.posted.created
                    assert replay.posted.entry_id == done.posted.entry_id
        to_wallet = left if cap is None else min(cap, left)
        expected = {wallet: to_wallet, self.source: left - to_wallet}
        assert done.amounts == {a: m for a, m in expected.items() if m}
        for account, amount in done.amounts.items():
            self.model[account] += amount
        self.model[escrow] -= left
        if done.posted is not None:
            self.generation[e] += 1

    @rule(
        steps=st.lists(
            st.tuples(st.sampled_from(["fund", "hold", "capture"]), wallet_ix, escrow_ix, amounts),
            min_size=1,
            max_size=6,
        )
    )
    def batch(self, steps: list[tuple[str, int, int, int]]) -> None:
        entries: list[NewEntry] = []
        for kind, w, e, amount in steps:
            wallet, escrow = self.wallets[w], self.escrows[e]
            src, dst = {
                "fund": (self.source, wallet),
                "hold": (wallet, escrow),
                "capture": (escrow, self.revenue),
            }[kind]
            entries.append(NewEntry(kind, self.ref(), transfer(src, dst, amount)))
        after, ok = dict(self.model), True
        for entry in entries:  # one by one, in order: exactly what a batch must mean
            ok = ok and self.affordable(after, list(entry.lines))
            for line in entry.lines:
                after[line.account_id] += line.amount
        with self.db.transaction() as uow:
            if ok:
                assert all(p.created for p in ledger.post_entries(uow, self.ws, entries))
            else:
                with pytest.raises(InsufficientFunds):
                    ledger.post_entries(uow, self.ws, entries)
        if ok:
            self.model = after
            self.posted += [(e.kind, e.ref, list(e.lines)) for e in entries]

    @precondition(lambda self: bool(self.posted))
    @rule(pick=st.integers(min_value=0), amount=amounts)
    def replay(self, pick: int, amount: int) -> None:
        kind, ref, lines = self.posted[pick % len(self.posted)]
        # Same (kind, ref), other amounts: still the first entry, nothing moves.
        changed = [Line(ln.account_id, amount if ln.amount > 0 else -amount) for ln in lines]
        with self.db.transaction() as uow:
            assert not ledger.post_entry(uow, self.ws, kind, ref, changed).created

    # invariants --------------------------------------------------------------------------
    @invariant()
    def database_agrees_with_the_model(self) -> None:
        with self.db.transaction() as uow:
            assert ledger.balances(uow, self.ws) == self.model
            report = check_ledger(uow)
        assert report.ok, report.problems()
        assert all(self.model[a] >= floor for a, floor in self.floors.items())


def test_ledger_matches_its_model(private_db: Database) -> None:
    LedgerModel.db = private_db
    run_machine(
        LedgerModel,
        settings=settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
