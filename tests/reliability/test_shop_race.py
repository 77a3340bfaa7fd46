"""PostgreSQL race: operators cancelling overlapping selections of one activity at the same
moment. Whatever the interleaving, the cancel ratio and the minimum product count hold, and the
counters equal the enrollments' states."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.kit.errors import PromodeskError
from promodesk.models import ShopCancellation, ShopEnrollment
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import batches
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service.batches import Selection
from tests.conftest import make_workspace
from tests.integration import shop_factories as f

pytestmark = pytest.mark.postgres
THREADS = 4


def _race(db: Database, workspace_id: int, selections: list[list[int]], mode: str) -> list[str]:
    barrier = threading.Barrier(len(selections))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(ids: list[int]) -> None:
        barrier.wait()
        try:
            with db.transaction() as uow:
                if mode == "now":
                    batches.cancel_now(
                        uow,
                        workspace_id,
                        Selection(enrollment_ids=ids),
                        reason="plan_change",
                        actor="op",
                        role="operator",
                    )
                else:
                    batch = batches.start_batch(
                        uow,
                        workspace_id,
                        enrollment_ids=ids,
                        reason="plan_change",
                        actor="op",
                        role="operator",
                    )
            if mode != "now":
                while True:
                    with db.transaction() as uow:
                        if not batches.run_step(uow, workspace_id, batch.id):
                            break
            result = "ok"
        except PromodeskError as exc:
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(ids,)) for ids in selections]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


@pytest.mark.parametrize("mode", ["now", "batch"])
def test_overlapping_cancels_keep_ratio_and_minimum(pg_db: Database, mode: str) -> None:
    rng = random.Random(7)
    seen: list[str] = []
    for trial in range(6):
        workspace_id = make_workspace(pg_db).id
        shop, activity, ids = f.setup(pg_db, workspace_id, 20)  # max 30 % of 20 = 6, min 5
        selections = [sorted(rng.sample(ids, rng.randint(2, 6))) for _ in range(THREADS)]
        selections[1] = selections[0][1:] + [i for i in ids if i not in selections[0]][:2]
        outcomes = _race(pg_db, workspace_id, selections, mode)
        assert len(outcomes) == THREADS, outcomes
        seen += outcomes
        with pg_db.transaction() as uow:
            states = dict(
                uow.session.execute(
                    select(ShopEnrollment.state, func.count())
                    .where(ShopEnrollment.workspace_id == workspace_id)
                    .group_by(ShopEnrollment.state)
                ).all()
            )
            cancelled = states.get("removed", 0)
            counter = ShopRepository(uow).counter(activity.id, shop.id)
            assert counter is not None
            assert cancelled * 100 <= 30 * 20, (trial, outcomes, states)
            assert 20 - cancelled >= 5
            assert (counter.cancelled, counter.active) == (cancelled, 20 - cancelled)
            per_enrollment = uow.session.execute(
                select(ShopCancellation.enrollment_id, func.count())
                .where(ShopCancellation.workspace_id == workspace_id)
                .group_by(ShopCancellation.enrollment_id)
            ).all()
            assert len(per_enrollment) == cancelled
            assert all(n == 1 for _, n in per_enrollment)
        assert cancelled > 0
    if mode == "now":  # all-or-nothing operators were refused at least once: a real race
        assert "GuardrailViolation" in seen
        assert "ok" in seen


def test_two_replaces_racing_to_one_product_answer_409_not_500(pg_db: Database) -> None:
    """Two operators replace two products with the same spare one at the same moment: one
    wins, the other gets a conflict (the unique activity+product row), nothing half-done."""
    from promodesk.shop.service import catalog

    workspace_id = make_workspace(pg_db).id
    shop, activity, ids = f.setup(pg_db, workspace_id, 6)
    with pg_db.transaction() as uow:
        spare = f.product(uow, workspace_id, shop.id, title="spare", price_minor=19900).id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(enrollment_id: int) -> None:
        barrier.wait()
        try:
            with pg_db.transaction() as uow:
                replace_service.replace(uow, workspace_id, enrollment_id, spare, actor="op")
            result = "ok"
        except PromodeskError as exc:
            result = f"{type(exc).__name__}:{exc.status_code}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids[:2]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes)[-1] == "ok"
    assert sorted(outcomes)[0].endswith(":409")
    with pg_db.read() as uow:
        states = [catalog.get_enrollment(uow, workspace_id, i).state for i in ids[:2]]
        assert sorted(states) == ["approved", "replaced"]
        counter = ShopRepository(uow).counter(activity.id, shop.id)
        assert counter is not None
        assert (counter.enrolled, counter.active) == (6, 6)
