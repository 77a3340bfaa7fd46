"""The worker: claims due jobs, runs each handler in its own unit of work, records outcomes.

A handler's effects and the job's ``done`` mark commit in one transaction, and only while the
worker still holds the job's lease; a worker killed mid-job leaves nothing behind and the job is
claimed again when its lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from datetime import datetime, timedelta

from cronsim import CronSim

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs import registry
from promodesk.kit.jobs.domain import backoff, next_interval_run
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.service import add_waker, enqueue, remove_waker
from promodesk.kit.metrics import JOB_FAILURES, JOBS_RUN

log = logging.getLogger("promodesk.worker")
HEARTBEAT_SECONDS = 5.0


class Worker:
    def __init__(
        self,
        db: Database,
        *,
        lease_seconds: float = 60,
        poll_seconds: float = 0.5,
        batch: int = 20,
        backoff_base: float = 2.0,
        backoff_cap: float = 3600.0,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.wake = threading.Event()
        self.stop_event = threading.Event()
        self._last_beat = 0.0
        self._thread: threading.Thread | None = None

    # one pass ---------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Fire due schedules, then claim and run one batch. Returns how many jobs ran."""
        self.fire_schedules()
        now = clock.now()
        with self.db.transaction() as uow:
            ids = JobRepository(uow).claim(self.worker_id, now, self.lease, self.batch)
        for job_id in ids:
            if self.stop_event.is_set():
                break
            self.run_job(job_id)
        return len(ids)

    def run_job(self, job_id: int) -> None:
        error: str | None = None
        name = "?"
        attempts = 0
        max_attempts = 1
        try:
            with self.db.transaction() as uow:
                repo = JobRepository(uow)
                job = repo.get(job_id)
                if job is None or job.locked_by != self.worker_id:
                    return
                name, attempts, max_attempts = job.name, job.attempts, job.max_attempts
                fn = registry.get(job.name)
                if fn is None:
                    raise LookupError(f"no handler registered for job {job.name!r}")
                fn(
                    registry.JobContext(
                        uow, job.id, job.name, dict(job.payload), job.attempts, job.workspace_id
                    )
                )
                if not repo.finish(job_id, self.worker_id, clock.now()):
                    raise _LostLease(f"lease of job {job_id} was lost; effects rolled back")
            JOBS_RUN.labels(name=name, outcome="done").inc()
        except _LostLease as exc:
            log.warning("%s", exc)
            return
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
            log.warning("job %s (%s) failed on attempt %s: %s", job_id, name, attempts, exc)
        if error is None:
            return
        now = clock.now()
        retry_at: datetime | None = None
        if attempts < max_attempts:
            retry_at = now + backoff(attempts, self.backoff_base, self.backoff_cap, job_id)
        with self.db.transaction() as uow:
            JobRepository(uow).fail(job_id, self.worker_id, now, error, retry_at)
        JOB_FAILURES.labels(name=name).inc()
        JOBS_RUN.labels(name=name, outcome="dead" if retry_at is None else "retry").inc()

    def fire_schedules(self) -> int:
        fired = 0
        now = clock.now()
        with self.db.transaction() as uow:
            repo = JobRepository(uow)
            for sched in repo.due_schedules(now):
                due = sched.next_run_at
                if sched.cron:
                    nxt = next(iter(CronSim(sched.cron, max(now, due).replace(tzinfo=None))))
                    nxt = nxt.replace(tzinfo=now.tzinfo)
                else:
                    nxt = next_interval_run(due, float(sched.interval_seconds or 60), now)
                if repo.advance_schedule(sched.id, due, nxt, now):
                    enqueue(
                        uow,
                        sched.job_name,
                        dict(sched.payload),
                        dedupe_key=f"schedule:{sched.name}:{due.isoformat()}",
                        workspace_id=sched.workspace_id,
                    )
                    fired += 1
        return fired

    def heartbeat(self, force: bool = False) -> None:
        import time

        mono = time.monotonic()
        if not force and mono - self._last_beat < HEARTBEAT_SECONDS:
            return
        self._last_beat = mono
        with self.db.transaction() as uow:
            JobRepository(uow).beat(self.worker_id, socket.gethostname(), os.getpid(), clock.now())

    # loop -------------------------------------------------------------------------------------
    def run_forever(self) -> None:
        add_waker(self.wake)
        try:
            while not self.stop_event.is_set():
                try:
                    self.heartbeat()
                    ran = self.run_once()
                except Exception:
                    log.exception("worker pass failed; retrying")
                    ran = 0
                if ran == 0:
                    self.wake.wait(self.poll_seconds)
                    self.wake.clear()
        finally:
            remove_waker(self.wake)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(
            target=self.run_forever, name="promodesk-worker", daemon=True
        )
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


class _LostLease(Exception):
    pass
