"""PostgreSQL races: invoice numbers 1..N without gaps under concurrent confirmations; withdrawal
requests and payout outcomes racing move the coins once.

Some confirmations roll back on purpose after taking their number; they are retried later and
the numbers stay gapless because the counter row is incremented in the confirming transaction.
Webhooks are also delivered twice, concurrently: each recharge is still credited once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest

from promodesk.kit.db import Database
from promodesk.kit.money import Money
from promodesk.ledger.check import check_ledger
from promodesk.promote.payments import TestProvider
from promodesk.promote.service import invoices
from promodesk.promote.service import recharge as rs
from tests.conftest import make_workspace, own_database
from tests.integration.promote_money_helpers import SECRET, config, make_creator, wallet_balance

pytestmark = pytest.mark.postgres

N = 60
THREADS = 8
CFG = config()
PROVIDER = TestProvider(SECRET)


class Rollback(Exception):
    """Raised inside a confirming transaction to roll it back after it took its number."""


@pytest.fixture
def pg() -> Iterator[Database]:
    # Its own database so the race shares no counter or lock with other tests.
    with own_database("postgres", "pd_invoice_race", pool_size=THREADS + 2) as db:
        yield db


def test_concurrent_confirmations_are_numbered_without_gaps(pg: Database) -> None:
    workspace_id = make_workspace(pg).id
    creators = [make_creator(pg, workspace_id) for _ in range(4)]
    bodies: list[tuple[bytes, str]] = []
    with pg.transaction() as uow:
        for i in range(N):
            r = rs.create_recharge(
                uow,
                CFG,
                workspace_id,
                creator_id=creators[i % 4],
                coins=100,
                method="card",
                mode="pending",
            )
            assert r.provider_ref is not None
            bodies.append(
                PROVIDER.webhook(
                    provider_ref=r.provider_ref,
                    reference=str(r.id),
                    amount=Money(r.amount, r.currency),
                )
            )
    # every webhook twice, every 7th first delivered into a transaction that rolls back
    work = [(body, sig, i % 7 == 0) for i, (body, sig) in enumerate(bodies)]
    work += [(body, sig, False) for body, sig in bodies]
    random.Random(3).shuffle(work)
    lock = threading.Lock()
    errors: list[BaseException] = []
    changed = 0
    barrier = threading.Barrier(THREADS)

    def worker() -> None:
        nonlocal changed
        barrier.wait()
        while True:
            with lock:
                if not work:
                    return
                body, sig, roll_back = work.pop()
            try:
                with pg.transaction() as uow:
                    outcome = rs.handle_webhook(uow, CFG, body, sig)
                    if roll_back and outcome.changed:
                        raise Rollback
                with lock:
                    changed += outcome.changed
            except Rollback:
                with lock:
                    work.insert(0, (body, sig, False))  # redelivered later
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert changed == N
    with pg.transaction() as uow:
        numbers = sorted(inv.seq for inv in invoices.list_invoices(uow, workspace_id, limit=1000))
        assert check_ledger(uow).ok
    assert numbers == list(range(1, N + 1))
    assert sum(wallet_balance(pg, workspace_id, c) for c in creators) == N * 100


def test_withdrawal_races_move_the_coins_once(pg: Database) -> None:
    from promodesk.kit.errors import Conflict, InvalidTransition
    from promodesk.promote.service import withdrawals as wd

    workspace_id = make_workspace(pg).id
    creators = [make_creator(pg, workspace_id, region="US") for _ in range(10)]
    with pg.transaction() as uow:
        for c in creators:
            rs.create_recharge(uow, CFG, workspace_id, creator_id=c, coins=500, method="card")
    results: list[str] = []
    lock = threading.Lock()

    def run(fn: object) -> None:
        try:
            with pg.transaction() as uow:
                out = fn(uow)  # type: ignore[operator]
            label = "ok:" + str(out)
        except (Conflict, InvalidTransition) as exc:
            label = type(exc).__name__
        with lock:
            results.append(label)

    def race(*fns: object) -> None:
        barrier = threading.Barrier(len(fns))

        def go(fn: object) -> None:
            barrier.wait()
            run(fn)

        threads = [threading.Thread(target=go, args=(fn,)) for fn in fns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # two full-balance requests at once per creator: one wins, the other is refused
    for c in creators:
        ask = lambda uow, c=c: wd.request_withdrawal(uow, CFG, workspace_id, creator_id=c)[0].id  # noqa: E731
        race(ask, ask)
    wins = [r for r in results if r.startswith("ok:")]
    assert len(wins) == len(creators)
    assert len(results) == 2 * len(creators)
    ids = [int(r[3:]) for r in wins]
    results.clear()
    for wid in ids:
        with pg.transaction() as uow:
            wd.advance_withdrawal(uow, workspace_id, wid, "processing")
        race(
            lambda uow, w=wid: wd.advance_withdrawal(uow, workspace_id, w, "paid").status,
            lambda uow, w=wid: wd.advance_withdrawal(uow, workspace_id, w, "failed").status,
        )
    assert len([r for r in results if r.startswith("ok:")]) == len(ids)
    with pg.transaction() as uow:
        paid = [w for w in wd.list_withdrawals(uow, workspace_id, limit=100) if w.status == "paid"]
        assert check_ledger(uow).ok
    returned = sum(wallet_balance(pg, workspace_id, c) for c in creators)
    assert returned + 500 * len(paid) == 500 * len(creators)
