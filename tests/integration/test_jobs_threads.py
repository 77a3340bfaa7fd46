"""Live worker threads: woken by a commit in the same process, sleeping until the next due
time, and (PostgreSQL) many threads never running one job twice at the same time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.worker import Worker
from promodesk.operations import service as operations
from tests.conftest import make_workspace
from tests.integration import jobs_handlers
from tests.integration.jobs_handlers import job_row, own_database

WAIT_LIMIT = 60.0  # a bound so a broken build fails instead of hanging; not a speed check


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def jdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from own_database(request.param, tmp_path_factory)


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _op(db: Database) -> int:
    ws = make_workspace(db)
    with db.transaction() as uow:
        return operations.start(uow, ws.id, "test").id


def test_commit_wakes_the_sleeping_worker(jdb: Database) -> None:
    op = _op(jdb)
    # it would poll once an hour: only the on-commit wake-up can make it run the jobs
    worker = Worker(jdb, poll_seconds=3600)
    worker.start()
    try:
        time.sleep(0.2)  # let it fall asleep
        with jdb.transaction() as uow:
            now_id = enqueue(uow, "t.effect", {"op": op}).id
            later_id = enqueue(
                uow, "t.effect", {"op": op}, run_at=clock.now() + timedelta(milliseconds=300)
            ).id
        assert wait_for(lambda: job_row(jdb, now_id)["status"] == "done")
        # the delayed one runs at its due time: the worker slept until then, not for an hour
        assert wait_for(lambda: job_row(jdb, later_id)["status"] == "done")
    finally:
        worker.stop()
    with jdb.transaction() as uow:
        assert operations.get_unscoped(uow, op).done == 2


@pytest.fixture(scope="module")
def pgdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    yield from own_database("postgres", tmp_path_factory)


@pytest.mark.postgres
def test_many_threads_never_run_a_job_twice_at_once(pgdb: Database) -> None:
    """Several workers are a PostgreSQL deployment (SQLite serializes all writers)."""
    jdb = pgdb
    jobs_handlers.reset()  # job ids restart in every database
    op = _op(jdb)
    n = 300
    with jdb.transaction() as uow:
        ids = []
        for i in range(n):
            # every 30th job outlives the 1 s lease: only the row lock keeps it single
            sleep = 1.5 if i % 30 == 0 else 0.005
            ids.append(enqueue(uow, "t.effect", {"op": op, "sleep": sleep}).id)
    workers = [Worker(jdb, lease_seconds=1, poll_seconds=0.05, batch=5) for _ in range(8)]
    for w in workers:
        w.start()
    try:

        def all_done() -> bool:
            with jdb.transaction() as uow:
                counts = JobRepository(uow).search(status="done", limit=n + 10)
                return len([j for j in counts if j.id in set(ids)]) == n

        assert wait_for(all_done)
    finally:
        for w in workers:
            w.stop()
    assert jobs_handlers.OVERLAPS == []
    assert max(jobs_handlers.STARTS[j] for j in ids) == 1
    with jdb.transaction() as uow:
        assert operations.get_unscoped(uow, op).done == n


def test_a_wakeup_that_came_due_during_the_pass_is_not_slept_through(jdb: Database) -> None:
    """The pass that found the next due time may end after it (a busy machine): the worker
    must go round again at once, not sleep a whole poll interval."""
    worker = Worker(jdb, poll_seconds=3600)
    worker._next_wakeup = clock.now() - timedelta(milliseconds=1)
    assert worker._idle_timeout() == 0
    worker._next_wakeup = clock.now() + timedelta(hours=5)
    assert worker._idle_timeout() == 3600
    worker._next_wakeup = None
    assert worker._idle_timeout() == 3600
