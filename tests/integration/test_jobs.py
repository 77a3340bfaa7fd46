"""Durable jobs on SQLite and PostgreSQL: outbox, dedupe, claim/finish, backoff, dead, retry,
leases, poison jobs, schedules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from promodesk.kit import clock
from promodesk.kit.clock import FrozenClock
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, NotFound
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs import service as jobs
from promodesk.kit.jobs.domain import backoff
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job
from promodesk.operations import service as operations
from tests.conftest import make_workspace
from tests.integration.jobs_handlers import job_row, own_database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def jdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from own_database(request.param, tmp_path_factory)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fc = FrozenClock(T0)
    previous = clock.set_clock(fc)
    try:
        yield fc
    finally:
        clock.set_clock(previous)


@pytest.fixture
def drained(jdb: Database, frozen: FrozenClock) -> Database:
    """Every job of earlier tests is finished, so a worker pass sees only this test's jobs."""
    frozen.advance(timedelta(days=400))
    Worker(jdb, lease_seconds=30, backoff_base=0).run_until_idle()
    with jdb.transaction() as uow:
        for job in JobRepository(uow).search(status="queued", limit=1000):
            jobs.cancel(uow, job.id)
    frozen.set(T0)
    return jdb


def _op(db: Database) -> int:
    ws = make_workspace(db)
    with db.transaction() as uow:
        return operations.start(uow, ws.id, "test", total=0).id


def _done(db: Database, op_id: int) -> int:
    with db.transaction() as uow:
        return operations.get_unscoped(uow, op_id).done


def test_enqueue_in_rolled_back_transaction_leaves_no_job(drained: Database) -> None:
    key = "rollback-probe"

    def failing_use_case() -> None:
        with drained.transaction() as uow:
            enqueue(uow, "t.effect", {"op": 0}, dedupe_key=key)
            raise RuntimeError("the caller's change failed")

    with pytest.raises(RuntimeError):
        failing_use_case()
    with drained.transaction() as uow:
        assert JobRepository(uow).by_dedupe_key(key) is None


def test_dedupe_key_returns_the_first_job(drained: Database) -> None:
    with drained.transaction() as uow:
        first = enqueue(uow, "t.effect", {"op": 1}, dedupe_key="same-thing")
        again = enqueue(uow, "t.effect", {"op": 2}, dedupe_key="same-thing")
        assert again.id == first.id
    with drained.transaction() as uow:
        again = enqueue(uow, "t.effect", {"op": 3}, dedupe_key="same-thing")
        assert again.id == first.id
        assert again.payload == {"op": 1}
        jobs.cancel(uow, first.id)


def test_enqueue_many_adds_due_jobs_and_skips_taken_keys(drained: Database) -> None:
    with drained.transaction() as uow:
        first = enqueue(uow, "t.effect", {"op": 1}, dedupe_key="many-1")
        added = jobs.enqueue_many(
            uow,
            "t.effect",
            [({"op": 10}, "many-1"), ({"op": 11}, "many-2"), ({"op": 12}, "many-3")],
        )
        assert added == 2
    with drained.transaction() as uow:
        assert jobs.enqueue_many(uow, "t.effect", [({"op": 13}, "many-3")]) == 0
        rows = {
            key: JobRepository(uow).by_dedupe_key(key) for key in ("many-1", "many-2", "many-3")
        }
        assert rows["many-1"] is not None
        assert rows["many-1"].id == first.id
        assert rows["many-1"].payload == {"op": 1}  # the first job stands
        for key, op in (("many-2", 11), ("many-3", 12)):
            job = rows[key]
            assert job is not None
            assert (job.name, job.payload, job.status, job.attempts) == (
                "t.effect",
                {"op": op},
                "queued",
                0,
            )
            assert job.run_at == T0
        for job in rows.values():
            assert job is not None
            jobs.cancel(uow, job.id)


def test_claim_run_and_finish_commit_effect_with_done_mark(drained: Database) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.effect", {"op": op}).id
    worker = Worker(drained, worker_id="w-finish")
    assert worker.run_once() == 1
    row = job_row(drained, job_id)
    assert row["status"] == "done"
    assert row["attempts"] == 1
    assert row["locked_by"] == "w-finish"
    assert row["finished_at"] == T0
    assert row["last_error"] is None
    assert _done(drained, op) == 1
    assert worker.run_once() == 0


def test_job_due_later_waits_for_its_time(drained: Database, frozen: FrozenClock) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.effect", {"op": op}, run_at=T0 + timedelta(minutes=5)).id
    worker = Worker(drained)
    assert worker.run_once() == 0
    assert worker._next_wakeup == T0 + timedelta(minutes=5)
    frozen.advance(timedelta(minutes=5))
    assert worker.run_once() == 1
    assert job_row(drained, job_id)["status"] == "done"


def test_failures_back_off_then_dead_then_retry(drained: Database, frozen: FrozenClock) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.flaky", {"op": op, "fail_until": 3}, max_attempts=3).id
    worker = Worker(drained, backoff_base=10, backoff_cap=3600)
    for attempt in (1, 2):
        assert worker.run_once() == 1
        row = job_row(drained, job_id)
        assert row["status"] == "queued"
        assert row["attempts"] == attempt
        assert row["run_at"] == clock.now() + backoff(attempt, 10, 3600, job_id)
        assert "flaky failure on attempt" in row["last_error"]
        assert worker.run_once() == 0  # not due before its backoff
        frozen.set(row["run_at"])
    assert worker.run_once() == 1
    row = job_row(drained, job_id)
    assert row["status"] == "dead"
    assert row["attempts"] == 3
    assert row["finished_at"] is not None
    assert _done(drained, op) == 0  # every failed attempt rolled its effect back

    with drained.transaction() as uow:
        listed = JobRepository(uow).search(status="dead", name="t.flaky")
        assert job_id in [j.id for j in listed]
        jobs.retry(uow, job_id)
    row = job_row(drained, job_id)
    assert row["status"] == "queued"
    assert row["attempts"] == 0
    assert worker.run_once() == 1  # attempt 1 of the fresh budget fails again
    frozen.set(job_row(drained, job_id)["run_at"])
    with drained.transaction() as uow:  # the fix is deployed: stop failing
        job = uow.session.get(Job, job_id)
        assert job is not None
        job.payload = {"op": op, "fail_until": 0}
    assert worker.run_once() == 1
    assert job_row(drained, job_id)["status"] == "done"
    assert _done(drained, op) == 1


def test_retry_and_cancel_guard_their_states(drained: Database) -> None:
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.effect", {"op": 0}).id
    with drained.transaction() as uow, pytest.raises(Conflict):
        jobs.retry(uow, job_id)
    with drained.transaction() as uow:
        assert jobs.cancel(uow, job_id).status == "cancelled"
    with drained.transaction() as uow, pytest.raises(Conflict):
        jobs.cancel(uow, job_id)
    with drained.transaction() as uow, pytest.raises(NotFound):
        jobs.retry(uow, job_id, workspace_id=987654)
    with drained.transaction() as uow:
        assert jobs.retry(uow, job_id).status == "queued"
        jobs.cancel(uow, job_id)


def test_unknown_handler_fails_clearly(drained: Database) -> None:
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.no-such-handler", max_attempts=1).id
    assert Worker(drained).run_once() == 1
    row = job_row(drained, job_id)
    assert row["status"] == "dead"
    assert row["last_error"].startswith("UnknownJob: no handler registered for job")
    assert "PROMODESK_JOB_MODULES" in row["last_error"]


@pytest.mark.parametrize("name", ["t.sysexit", "t.unprintable", "t.nul", "t.commits"])
def test_poison_job_cannot_stop_the_worker(drained: Database, name: str) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        bad = enqueue(uow, name, {"op": op}, max_attempts=1).id
        good = enqueue(uow, "t.effect", {"op": op}).id
    worker = Worker(drained)
    assert worker.run_once() == 2
    bad_row = job_row(drained, bad)
    assert bad_row["status"] == "dead"
    assert bad_row["last_error"]
    assert "\x00" not in bad_row["last_error"]
    assert job_row(drained, good)["status"] == "done"
    assert _done(drained, op) == 1  # t.commits' own effect was rolled back


def test_lost_lease_rolls_the_effects_back(drained: Database) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.steal", {"op": op}).id
    worker = Worker(drained, worker_id="w-victim")
    with drained.transaction() as uow:
        assert JobRepository(uow).claim("w-victim", clock.now(), worker.lease, 10) == [job_id]
    assert worker.run_job(job_id) == "lost"
    assert _done(drained, op) == 0
    row = job_row(drained, job_id)
    assert row["status"] == "running"
    assert row["locked_by"] == "w-victim"
    with drained.transaction() as uow:  # tidy: the lease holder gives it back
        JobRepository(uow).release([job_id], "w-victim", clock.now())
        jobs.cancel(uow, job_id)


def test_expired_lease_is_claimed_by_another_worker(drained: Database, frozen: FrozenClock) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.effect", {"op": op}).id
    dead = Worker(drained, worker_id="w-dead", lease_seconds=30)
    alive = Worker(drained, worker_id="w-alive", lease_seconds=30)
    with drained.transaction() as uow:  # w-dead claims, then "dies" without running it
        assert JobRepository(uow).claim("w-dead", clock.now(), dead.lease, 10) == [job_id]
    assert alive.run_once() == 0  # the lease still holds
    frozen.advance(31)
    assert alive.run_once() == 1
    row = job_row(drained, job_id)
    assert row["status"] == "done"
    assert row["locked_by"] == "w-alive"
    assert row["attempts"] == 2
    assert dead.run_job(job_id) == "skipped"  # a late wake-up of the old holder does nothing
    assert _done(drained, op) == 1


def test_lease_expiring_on_the_last_attempt_makes_the_job_dead(
    drained: Database, frozen: FrozenClock
) -> None:
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.effect", {"op": 0}, max_attempts=1).id
        JobRepository(uow).claim("w-crashing", clock.now(), timedelta(seconds=5), 10)
    frozen.advance(6)
    assert Worker(drained).run_once() == 0
    row = job_row(drained, job_id)
    assert row["status"] == "dead"
    assert "lease expired on its last attempt" in row["last_error"]


def test_stopping_worker_gives_back_unstarted_jobs(drained: Database) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        ids = [enqueue(uow, "t.effect", {"op": op}).id for _ in range(3)]
    worker = Worker(drained, worker_id="w-stopping")
    worker.stop_event.set()
    assert worker.run_once() == 3
    for job_id in ids:
        row = job_row(drained, job_id)
        assert row["status"] == "queued"
        assert row["attempts"] == 0
        assert row["locked_by"] is None
    assert Worker(drained).run_once() == 3
    assert _done(drained, op) == 3


def test_schedule_fires_once_per_due_time_with_two_workers(
    drained: Database, frozen: FrozenClock
) -> None:
    with drained.transaction() as uow:
        jobs.ensure_schedule(uow, "t.every-minute", "t.effect", interval_seconds=60)
        jobs.ensure_schedule(uow, "t.cron", "t.effect", cron="*/5 * * * *")
    workers = [Worker(drained, worker_id=f"w-sched-{i}") for i in range(2)]
    fired: list[int] = []

    def race() -> None:
        barrier = threading.Barrier(2)

        def one(w: Worker) -> None:
            barrier.wait()
            fired.append(w.fire_schedules())

        threads = [threading.Thread(target=one, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def scheduled(name: str) -> list[str]:
        with drained.transaction() as uow:
            return [
                j.dedupe_key or ""
                for j in JobRepository(uow).search(limit=1000)
                if (j.dedupe_key or "").startswith(f"schedule:{name}:")
            ]

    race()  # the interval schedule is due at once; the cron one waits for 12:05
    assert sorted(fired) == [0, 1]
    assert len(scheduled("t.every-minute")) == 1
    assert scheduled("t.cron") == []
    fired.clear()
    race()
    assert fired == [0, 0]
    frozen.set(T0 + timedelta(minutes=5))
    fired.clear()
    race()
    assert sum(fired) == 2  # the minute schedule (one catch-up, not five) and the cron one
    assert len(scheduled("t.every-minute")) == 2
    assert len(scheduled("t.cron")) == 1
    with drained.transaction() as uow:
        cron = JobRepository(uow).schedule("t.cron")
        minute = JobRepository(uow).schedule("t.every-minute")
        assert cron is not None
        assert cron.next_run_at == T0 + timedelta(minutes=10)
        assert minute is not None
        assert minute.next_run_at == T0 + timedelta(minutes=6)
        for sched in (cron, minute):
            sched.enabled = False


def test_invalid_schedule_is_refused(drained: Database) -> None:
    with drained.transaction() as uow, pytest.raises(ValueError, match="invalid cron"):
        jobs.ensure_schedule(uow, "t.bad", "t.effect", cron="61 * * * *")
    with drained.transaction() as uow, pytest.raises(ValueError):
        jobs.ensure_schedule(uow, "t.bad", "t.effect")


def test_heartbeat_is_visible_and_removed_on_stop(drained: Database) -> None:
    worker = Worker(drained, worker_id="w-beat")
    worker.heartbeat(force=True)
    with drained.transaction() as uow:
        assert JobRepository(uow).last_heartbeat() == T0
    worker._goodbye()
    with drained.transaction() as uow:
        assert JobRepository(uow).last_heartbeat() is None


def test_prefetch_runs_before_the_transaction_and_feeds_the_handler(drained: Database) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.prefetched", {"op": op, "add": 3}).id
    assert Worker(drained, worker_id="w-pre").run_once() == 1
    assert job_row(drained, job_id)["status"] == "done"
    assert _done(drained, op) == 3


def test_a_failing_prefetch_fails_the_attempt(drained: Database) -> None:
    op = _op(drained)
    with drained.transaction() as uow:
        job_id = enqueue(uow, "t.prefetched", {"op": op, "add": 1, "fail": True}).id
    assert Worker(drained, worker_id="w-pre-fail").run_once() == 1
    row = job_row(drained, job_id)
    assert row["status"] == "queued"
    assert "the remote side is down" in (row["last_error"] or "")
    assert _done(drained, op) == 0
