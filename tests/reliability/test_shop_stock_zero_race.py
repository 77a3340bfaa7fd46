"""PostgreSQL race: two operators stock-zeroing, at the same moment and through another
activity, two products that a started activity at its minimum + 1 shares. Only one may
pass: the second sees the end the first one's delist will bring and is refused."""

from __future__ import annotations

import threading

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import PromodeskError
from promodesk.shop.service import alternatives, catalog
from tests.conftest import make_workspace
from tests.integration import shop_factories as f

pytestmark = pytest.mark.postgres


def _two_shared(db: Database, workspace_id: int) -> tuple[list[int], list[int]]:
    """中秋节 started with 6 live products (minimum 5); its first two also in 双十一.
    Returns (their 中秋节 enrollments, their 双十一 enrollments)."""
    with db.transaction() as uow:
        shop = f.shop(uow, workspace_id)
        mid = f.activity(uow, workspace_id, started=True, name="中秋节")
        mid_es = f.enrolled(uow, workspace_id, mid.id, shop.id, 6, state="live")
        new = f.activity(uow, workspace_id, name="双十一")
        shared = []
        for e in mid_es[:2]:
            other = catalog.enroll(
                uow,
                workspace_id,
                new.id,
                e.product_id,
                activity_price_minor=15900,
                activity_stock=50,
                ignore_registration_window=True,
            )
            catalog.review(uow, workspace_id, other.id, approve=True)
            shared.append(other.id)
        return [e.id for e in mid_es[:2]], shared


def _race(db: Database, workspace_id: int, enrollment_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(enrollment_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(enrollment_id: int) -> None:
        barrier.wait()
        try:
            with db.transaction() as uow:
                alternatives.stock_to_zero(uow, workspace_id, enrollment_id, actor="op")
            result = "ok"
        except PromodeskError as exc:
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in enrollment_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def test_two_stock_zeros_cannot_both_take_the_last_slot_of_another_activity(
    pg_db: Database,
) -> None:
    previous = clock.set_clock(clock.FrozenClock(f.NOW))
    try:
        for _trial in range(3):
            workspace_id = make_workspace(pg_db).id
            mid_ids, shared = _two_shared(pg_db, workspace_id)
            outcomes = _race(pg_db, workspace_id, shared)
            assert sorted(outcomes) == ["BreaksOtherActivity", "ok"], outcomes
            with pg_db.transaction() as uow:
                states = [catalog.get_enrollment(uow, workspace_id, i).state for i in mid_ids]
            assert sorted(states) == ["live", "stock_zeroed"]
    finally:
        clock.set_clock(previous)
