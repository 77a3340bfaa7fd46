"""A platform write whose calls outlast the job's lease (both databases, the shop sandbox over
real HTTP with its slow-answer fault, a shortened lease): the worker keeps its lease while the
step calls, so a second worker running beside it never takes the job over and every removal
is sent once; and when the lease is taken from it mid-step, the worker stops before its next
call and commits nothing, and the write completes once later."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

import promodesk.shop.jobs  # noqa: F401  (registers the platform handlers)
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job
from promodesk.shop.service import platform_writes
from tests.api_support import HANG_GUARD
from tests.integration.promote_factories import drain
from tests.integration.test_shop_platform_writes import _linked, _ongoing
from tests.shop_platform_support import sandbox_platform

REMOVE_PATH = "/promotion/202309/activities/{activity_id}/products"
DEACTIVATE_PATH = "/promotion/202309/activities/{activity_id}/deactivate"
GET_PATH = "/promotion/202309/activities/{activity_id}"
LEASE = 3.0  # seconds; every answer below is slower than half of it, a step's three > it


class RecordingWorker(Worker):
    """The product's worker, recording what became of each job it ran."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.outcomes: list[str] = []

    def run_job(self, job_id: int, *args: Any, **kwargs: Any) -> str:
        outcome = super().run_job(job_id, *args, **kwargs)
        self.outcomes.append(outcome)
        return outcome


def _write_job(db: Database, ws: int) -> int:
    with db.read() as uow:
        return int(
            uow.session.execute(
                select(Job.id).where(Job.workspace_id == ws, Job.name == platform_writes.WRITE_JOB)
            ).scalar_one()
        )


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD  # a guard against a hang, not a speed limit
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def test_a_step_slower_than_the_lease_keeps_it_and_sends_each_call_once(db: Database) -> None:
    with sandbox_platform(shops=1, products=450, activities=3, enrollments=420) as sb:
        ws, shop_id = _linked(db, sb)
        activity_id, products = _ongoing(db, sb, shop_id, size=400)
        with db.transaction() as uow:
            intents = platform_writes.remove_products(uow, ws, activity_id, products, key="slow")
            assert [len(i.product_ids) for i in intents] == [300, len(products) - 300]
        sb.sandbox.reset_stats()
        sb.update(slow_rate=1.0, slow_seconds=0.55 * LEASE)
        first = RecordingWorker(db, lease_seconds=LEASE, backoff_base=0.0, workspace_id=ws)
        second = RecordingWorker(db, lease_seconds=LEASE, backoff_base=0.0, workspace_id=ws)
        done = threading.Event()

        def other() -> None:
            while not done.is_set():
                second.run_once()
                time.sleep(0.05)

        helper = threading.Thread(target=other)
        helper.start()
        try:
            while True:
                with db.read() as uow:
                    if platform_writes.progress(uow, ws, "slow")["done"]:
                        break
                first.run_once()
        finally:
            done.set()
            helper.join()
        sb.update(slow_rate=0.0)
        stats = sb.sandbox.stats()
        assert stats["slowed_total"] > 0
        assert stats["requests"][REMOVE_PATH] == 2  # each chunk sent once
        assert stats["requests"][DEACTIVATE_PATH] == 1
        assert "lost" not in first.outcomes + second.outcomes
        assert "skipped" not in first.outcomes + second.outcomes
        with db.read() as uow:
            report = platform_writes.progress(uow, ws, "slow")
        assert report["counts"]["verified"] == 3
        assert all(i["attempts"] == 1 for i in report["intents"])


def test_a_worker_whose_lease_is_taken_mid_step_stops_before_its_next_call(
    db: Database,
) -> None:
    with sandbox_platform(shops=1, products=450, activities=3, enrollments=420) as sb:
        ws, shop_id = _linked(db, sb)
        activity_id, products = _ongoing(db, sb, shop_id, size=400)
        with db.transaction() as uow:
            platform_writes.remove_products(uow, ws, activity_id, products, key="stolen")
        job_id = _write_job(db, ws)
        sb.sandbox.reset_stats()
        # Each answer takes longer than the lease: the worker's keeper has renewed it several
        # times before the first read answers.
        sb.update(slow_rate=1.0, slow_seconds=2 * LEASE)
        first = RecordingWorker(db, lease_seconds=LEASE, backoff_base=0.0, workspace_id=ws)
        runner = threading.Thread(target=first.run_once)
        runner.start()
        _wait_for(lambda: sb.sandbox.stats()["requests"].get(GET_PATH, 0) >= 1, "a first read")
        # Another worker takes the job over (as it would after a lost lease).
        with db.transaction() as uow:
            stolen = uow.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(locked_by="another-worker", locked_until=clock.now() + timedelta(hours=1))
            )
            assert stolen.rowcount == 1
        runner.join()
        stats = sb.sandbox.stats()
        assert first.outcomes == ["lost"]
        assert stats["requests"].get(REMOVE_PATH, 0) == 0  # stopped before its write
        assert stats["requests"][GET_PATH] == 1  # and before any other call
        with db.read() as uow:
            report = platform_writes.progress(uow, ws, "stolen")
            job = uow.session.get(Job, job_id)
            assert job is not None
            assert job.locked_by == "another-worker"  # nothing of the first worker committed
        assert report["counts"]["pending"] == 2
        assert all(i["attempts"] == 0 for i in report["intents"])
        # The other worker gives it up (its lease runs out); the write completes, once.
        sb.update(slow_rate=0.0)
        with db.transaction() as uow:
            uow.session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(locked_until=clock.now() - timedelta(seconds=1))
            )
        drain(db, ws)
        stats = sb.sandbox.stats()
        assert stats["requests"][REMOVE_PATH] == 2
        assert stats["requests"][DEACTIVATE_PATH] == 1
        with db.read() as uow:
            assert platform_writes.progress(uow, ws, "stolen")["counts"]["verified"] == 3
