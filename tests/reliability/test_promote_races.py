"""Races on the same orders: stop, completion (budget spent, end job), rejection and delivery
batches (with replayed events) from several threads, with a worker settling meanwhile.

Whatever wins, every order ends exactly once, is refunded exactly once, never spends past
its budget, and the ledger check is clean. Runs on SQLite and PostgreSQL (``db``).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.kit.errors import InvalidTransition
from promodesk.kit.jobs.worker import Worker
from promodesk.ledger.check import check_ledger
from promodesk.models import LedgerEntry, PromoteOrder
from promodesk.promote.service import delivery as delivery_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service
from promodesk.promote.service.settlement import release_ref
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
    place,
)

ORDERS = 24


def _setup(db: Database) -> tuple[int, list[tuple[int, int]]]:
    """ORDERS delivering orders (1000 = 700 paid + 300 coupon), one creator each; every
    fourth is a LIVE still pending review."""
    workspace_id = make_workspace(db).id
    out: list[tuple[int, int]] = []
    for i in range(ORDERS):
        with db.transaction() as uow:
            creator = make_creator(uow, workspace_id)
            fund(uow, workspace_id, creator, 1000)
            coupon = make_coupon(uow, workspace_id, creator, 300)
            if i % 4 == 3:
                live = make_live(uow, workspace_id, creator)
                order = place(
                    uow, workspace_id, creator, live, goal="live_viewers", coupon_id=coupon
                )
            else:
                order = place(
                    uow,
                    workspace_id,
                    creator,
                    make_video(uow, workspace_id, creator),
                    coupon_id=coupon,
                )
                review_service.approve_order(uow, workspace_id, order)
        out.append((creator, order))
    return workspace_id, out


def _run(threads: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(threads))

    def wrap(fn: Callable[[], None]) -> Callable[[], None]:
        def target() -> None:
            try:
                start.wait()
                fn()
            except BaseException as exc:  # collected and reported by the test
                errors.append(exc)

        return target

    running = [threading.Thread(target=wrap(fn)) for fn in threads]
    for t in running:
        t.start()
    for t in running:
        t.join(120)
    return errors


def test_stop_completion_rejection_and_delivery_race(db: Database) -> None:
    workspace_id, pairs = _setup(db)
    order_ids = [o for _, o in pairs]
    rng = random.Random(7)
    plans = {oid: rng.choice(["stop", "complete", "both", "reject"]) for oid in order_ids}

    def deliver(tag: str, rounds: int) -> Callable[[], None]:
        def go() -> None:
            for r in range(rounds):
                # Replayed ids across threads ("shared") and fresh ones per thread.
                batch = [event(f"shared-{r}-{oid}", oid, 90, 3) for oid in order_ids]
                batch += [event(f"{tag}-{r}-{oid}", oid, 40, 1) for oid in order_ids]
                with db.transaction() as uow:
                    delivery_service.ingest_batch(uow, workspace_id, batch)

        return go

    def stopper() -> None:
        for oid in order_ids:
            if plans[oid] in ("stop", "both"):
                try:
                    with db.transaction() as uow:
                        orders_service.stop_order(uow, workspace_id, oid, reason="race")
                except InvalidTransition:
                    pass  # lost to a completion: the 409 a client would see

    def rejecter() -> None:
        for oid in order_ids:
            if plans[oid] == "reject":
                try:
                    with db.transaction() as uow:
                        review_service.reject_order(uow, workspace_id, oid, reason="race")
                except InvalidTransition:
                    pass  # already reviewed or ended

    def settler() -> None:
        worker = Worker(db, backoff_base=0.0, workspace_id=workspace_id)
        for _ in range(30):
            worker.run_once()

    errors = _run([deliver("a", 6), deliver("b", 6), deliver("c", 6), stopper, rejecter, settler])
    assert errors == []
    # Whatever is still delivering completes by spending its budget.
    with db.transaction() as uow:
        delivery_service.ingest_batch(
            uow, workspace_id, [event(f"fin-{o}", o, 2000) for o in order_ids]
        )
    drain(db, workspace_id)

    with db.transaction() as uow:
        rows = uow.session.execute(
            select(PromoteOrder).where(PromoteOrder.workspace_id == workspace_id)
        ).scalars()
        orders = {o.id: o for o in rows}
        releases = dict(
            uow.session.execute(
                select(LedgerEntry.ref, func.count())
                .where(LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == "release")
                .group_by(LedgerEntry.ref)
            ).all()
        )
        report = check_ledger(uow)
    assert report.ok, report.problems()
    revenue = 0
    for creator, oid in pairs:
        order = orders[oid]
        assert order.status in ("completed", "stopped", "rejected")
        assert order.settlement_status == "settled"
        assert order.spent_coins <= order.budget_coins
        assert releases.get(release_ref(oid), 0) <= 1
        assert (releases.get(release_ref(oid), 0) == 1) == (order.spent_coins < 1000)
        refund = order.refunded_coins + order.coupon_returned_coins
        assert order.spent_coins + refund == order.budget_coins
        got = balances(db, workspace_id, creator, oid)
        assert got["escrow"] == 0
        assert got["wallet"] == 300 + order.refunded_coins
        revenue += order.spent_coins
    assert balances(db, workspace_id, pairs[0][0])["revenue"] == revenue
