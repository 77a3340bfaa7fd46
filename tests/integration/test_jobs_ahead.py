"""A worker's prefetches running ahead of its handlers (``kit.jobs.ahead``), on SQLite and
PostgreSQL: they run back to back in claim order beside the handlers, a job with nothing to
fetch runs while the next one's calls are in flight, each job's outcome stays its own, and a
stopping worker hands back the jobs whose prefetch had not started."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from promodesk.kit import clock
from promodesk.kit.clock import FrozenClock
from promodesk.kit.db import Database
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs import service as jobs
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.worker import Worker
from promodesk.operations import service as operations
from tests.conftest import make_workspace
from tests.integration.jobs_handlers import AHEAD_EVENTS, STOPPING, job_row, own_database, reset

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def jdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from own_database(request.param, tmp_path_factory)


@pytest.fixture
def drained(jdb: Database) -> Iterator[Database]:
    """Every job of earlier tests is finished, so a worker pass sees only this test's jobs."""
    fc = FrozenClock(T0 + timedelta(days=400))
    previous = clock.set_clock(fc)
    try:
        Worker(jdb, lease_seconds=30, backoff_base=0).run_until_idle()
        with jdb.transaction() as uow:
            for job in JobRepository(uow).search(status="queued", limit=1000):
                jobs.cancel(uow, job.id)
        fc.set(T0)
        reset()
        yield jdb
    finally:
        clock.set_clock(previous)


def _op(db: Database) -> int:
    ws = make_workspace(db)
    with db.transaction() as uow:
        return operations.start(uow, ws.id, "test", total=0).id


def _done(db: Database, op_id: int) -> int:
    with db.transaction() as uow:
        return int(operations.get_unscoped(uow, op_id).done)


def test_prefetches_run_back_to_back_beside_the_handlers(drained: Database) -> None:
    """The third job's prefetch starts while the first job's handler is still in its
    transaction (it waits for it): the prefetches do not wait for the handlers. A failing
    prefetch fails only its own job."""
    op = _op(drained)
    with drained.transaction() as uow:
        ids = [
            enqueue(uow, "t.ahead", {"op": op, "add": 1, "n": 1, "wait_for": 3}).id,
            enqueue(uow, "t.ahead", {"op": op, "add": 10, "n": 2}).id,
            enqueue(uow, "t.ahead", {"op": op, "add": 100, "n": 3, "fail": True}).id,
        ]
    assert Worker(drained, worker_id="w-ahead").run_once() == 3
    assert [job_row(drained, i)["status"] for i in ids] == ["done", "done", "queued"]
    assert "the remote side is down" in (job_row(drained, ids[2])["last_error"] or "")
    assert _done(drained, op) == 11
    assert AHEAD_EVENTS == ["prefetch 1", "prefetch 2", "prefetch 3", "handler 1", "handler 2"]


def test_a_job_with_nothing_to_fetch_runs_while_the_next_ones_calls_are_in_flight(
    drained: Database,
) -> None:
    """The first claimed job's prefetch can only finish once the job with nothing to fetch
    (claimed after it) has run: the worker runs that one first instead of waiting."""
    op = _op(drained)
    with drained.transaction() as uow:
        first = enqueue(uow, "t.ahead", {"op": op, "add": 1, "n": 1, "after_light": True}).id
        light = enqueue(uow, "t.light", {"n": 2}).id
        last = enqueue(uow, "t.ahead", {"op": op, "add": 10, "n": 3}).id
    assert Worker(drained, worker_id="w-light").run_once() == 3
    assert [job_row(drained, i)["status"] for i in (first, light, last)] == ["done"] * 3
    assert AHEAD_EVENTS.index("light 2") < AHEAD_EVENTS.index("handler 1")
    assert AHEAD_EVENTS.index("handler 1") < AHEAD_EVENTS.index("handler 3")
    assert _done(drained, op) == 11


def test_a_stopping_worker_hands_back_the_jobs_whose_prefetch_had_not_started(
    drained: Database,
) -> None:
    """The first prefetch stops the worker: its job is still recorded (its calls were made),
    the others are handed back untried, to run at once in a later pass."""
    op = _op(drained)
    with drained.transaction() as uow:
        ids = [
            enqueue(uow, "t.ahead", {"op": op, "add": 1, "n": 1, "stop": True}).id,
            enqueue(uow, "t.ahead", {"op": op, "add": 10, "n": 2}).id,
            enqueue(uow, "t.ahead", {"op": op, "add": 100, "n": 3}).id,
        ]
    worker = Worker(drained, worker_id="w-stop")
    STOPPING.append(worker.stop_event)
    assert worker.run_once() == 3
    rows = [job_row(drained, i) for i in ids]
    assert [r["status"] for r in rows] == ["done", "queued", "queued"]
    assert [r["attempts"] for r in rows[1:]] == [0, 0]
    assert AHEAD_EVENTS == ["prefetch 1", "handler 1"]
    assert _done(drained, op) == 1
    assert Worker(drained, worker_id="w-after").run_once() == 2
    assert _done(drained, op) == 111
