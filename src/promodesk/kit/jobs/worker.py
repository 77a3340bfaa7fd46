"""The worker: claims due jobs, runs each handler in its own unit of work, records outcomes.

Rules:
- A handler's effects and the job's ``done`` mark (or its next step, see
  ``JobContext.reschedule``) commit in one transaction, and only while the worker still holds
  the job's lease: if the lease was taken over, everything the handler did rolls back.
- On PostgreSQL the running job's row stays locked until that commit, so a live worker's job is
  never run by a second worker at the same time; a killed worker's connection drops, its
  transaction rolls back and the job is claimed again when its lease runs out.
- While a job's ``prefetch`` makes its remote calls, a keeper renews the job's lease (see
  ``kit.jobs.lease``); a lease lost meanwhile ends the attempt before the handler, with
  nothing committed.
- The jobs of a claimed batch whose prefetch may run ahead have it run in a helper thread,
  one at a time in claim order, each under its own job's lease, while the worker runs the
  handlers (``kit.jobs.ahead``): one step's calls overlap the database work of the ones
  before; a job with nothing to fetch runs while the next one's calls are in flight.
- A handler's exception fails the attempt: the job is queued again after an exponential
  backoff, or ``dead`` after ``max_attempts``. No job can stop the loop: every failure is
  recorded on the job and the loop goes on.
- A worker sleeps until the next due time (at most ``poll_seconds``) and is woken at once by a
  commit in its own process that enqueued work.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from datetime import datetime, timedelta
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs import registry
from promodesk.kit.jobs.ahead import AheadChain, Attempt, Started
from promodesk.kit.jobs.domain import JobStatus, error_text, next_schedule_run, retry_at
from promodesk.kit.jobs.lease import LeaseKeeper, LeaseLost
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.service import add_waker, enqueue, remove_waker
from promodesk.kit.metrics import JOB_FAILURES, JOBS_RUN

log = logging.getLogger("promodesk.worker")
SQLITE_STEP_PAUSE_SECONDS = 0.1
HEARTBEAT_SECONDS = 5.0


class HandlerCommitted(RuntimeError):
    """A handler tried to commit its unit of work; only the worker commits a job's effects."""


class _JobUnitOfWork(UnitOfWork):
    def commit(self) -> None:
        raise HandlerCommitted(
            "a job handler must not commit: the worker commits its effects with the job's "
            "done mark while it holds the lease"
        )

    def commit_for_worker(self) -> None:
        UnitOfWork.commit(self)


class _LostLease(Exception):
    pass


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
        workspace_id: int | None = None,
        max_run_seconds: float = 3600.0,
    ) -> None:
        self.db = db
        # A job's prefetch keeps its lease at most this long (a call hung for good lets go).
        self.max_run_seconds = max_run_seconds
        # Only this workspace's jobs (a tenant-dedicated worker; tests on a shared database).
        self.workspace_id = workspace_id
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.wake = threading.Event()
        self.stop_event = threading.Event()
        self._last_beat = 0.0
        self._next_wakeup: datetime | None = None
        self._thread: threading.Thread | None = None

    # one pass ---------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Fire due schedules, then claim and run one batch. Returns how many jobs it claimed.

        The claimed jobs whose prefetch may run ahead (``registry.prefetch(..., ahead=True)``)
        have it run in a helper thread from the start (``kit.jobs.ahead``): their remote calls
        overlap the handlers' transactions of the jobs before them."""
        now = clock.now()
        ahead: list[int] = []
        light: set[int] = set()
        with self.db.transaction() as uow:
            repo = JobRepository(uow)
            self._fire(uow, now)
            ids = repo.claim(self.worker_id, now, self.lease, self.batch, self.workspace_id)
            self._next_wakeup = None if ids else repo.next_wakeup()
            names = registry.ahead_names()
            if names and len(ids) > 1:
                named = repo.names(ids)
                ahead = [i for i in ids if named.get(i) in names]
                light = {i for i in ids if registry.prefetcher(named.get(i, "")) is None}
        if not ahead:
            for index, job_id in enumerate(ids):
                if self.stop_event.is_set():
                    self._release(ids[index:])
                    break
                self._after(self.run_job(job_id))
            return len(ids)
        with AheadChain(ahead, self._prefetch, self.stop_event) as chain:
            self._run_claimed(ids, chain, light)
        return len(ids)

    def _run_claimed(self, ids: list[int], chain: AheadChain, light: set[int]) -> None:
        """Run the claimed jobs in claim order, except that while the next one's prefetch is
        still calling, a job with nothing to fetch runs first."""
        pending = list(ids)
        while pending:
            job_id = pending[0]
            if not chain.ready(job_id):
                job_id = next((i for i in pending if i in light), job_id)
            if self.stop_event.is_set():
                # Stopping: a job whose prefetch started is handled (its calls are recorded),
                # the others are handed back at once.
                back = [i for i in pending if i not in chain or chain.hand_back(i)]
                self._release(back)
                for started in (i for i in pending if i not in back):
                    self._after(self.run_job(started, chain.take(started)))
                return
            pending.remove(job_id)
            self._after(self.run_job(job_id, chain.take(job_id)))

    def _after(self, outcome: str) -> None:
        if outcome == "rescheduled" and self.db.dialect == "sqlite":
            # A job that continues in steps would otherwise take SQLite's single write lock
            # again at once, and requests waiting in the busy handler would starve.
            self.stop_event.wait(SQLITE_STEP_PAUSE_SECONDS)

    def run_until_idle(self, max_passes: int = 1000) -> int:
        """Run passes until nothing is due (tests and one-shot commands). Returns jobs claimed."""
        total = 0
        for _ in range(max_passes):
            ran = self.run_once()
            total += ran
            if ran == 0:
                break
        return total

    def run_job(self, job_id: int, begun: Started | None = None) -> str:
        """Run one claimed job (``begun``: its prefetch started already). Returns the outcome:
        done, rescheduled, retry, dead, skipped (not ours any more) or lost (the lease was
        taken while the job ran)."""
        attempt = begun[0] if begun is not None else Attempt()
        try:
            outcome = self._run_handler(job_id, attempt, begun)
        except (_LostLease, LeaseLost) as exc:
            log.warning("%s", exc)
            JOBS_RUN.labels(name=attempt.name, outcome="lost").inc()
            return "lost"
        except (Exception, SystemExit) as exc:  # a poison job must not end the worker
            error = _describe(exc)
            log.warning(
                "job %s (%s) failed on attempt %s: %s",
                job_id,
                attempt.name,
                attempt.attempts,
                error.split("\n", 1)[0],
            )
        else:
            if outcome != "skipped":
                JOBS_RUN.labels(name=attempt.name, outcome=outcome).inc()
            return outcome
        now = clock.now()
        when = retry_at(
            attempt.attempts,
            attempt.max_attempts,
            now,
            self.backoff_base,
            self.backoff_cap,
            job_id,
        )
        with self.db.transaction() as uow:
            recorded = JobRepository(uow).fail(job_id, self.worker_id, now, error, when)
        if not recorded:
            log.warning("job %s failed after its lease was lost; not recorded", job_id)
            return "lost"
        outcome = "dead" if when is None else "retry"
        JOB_FAILURES.labels(name=attempt.name).inc()
        JOBS_RUN.labels(name=attempt.name, outcome=outcome).inc()
        return outcome

    def _prefetch(self, job_id: int, attempt: Attempt) -> tuple[bool, Any]:
        """Run the job's prefetch function, if it has one, before its transaction opens, with
        a keeper renewing the job's lease meanwhile. Returns (still ours, result); raises
        ``LeaseLost`` when the lease was lost while it ran."""
        with self.db.read() as uow:
            job = JobRepository(uow).get(job_id)
            if job is None or job.locked_by != self.worker_id or job.status != JobStatus.RUNNING:
                return False, None
            attempt.name, attempt.attempts = job.name, job.attempts
            attempt.max_attempts = job.max_attempts
            fn = registry.prefetcher(job.name)
            ctx = registry.PrefetchContext(
                self.db, job.id, job.name, dict(job.payload), job.attempts, job.workspace_id
            )
            locked_until = job.locked_until
        if fn is None:
            return True, None
        left = self.lease.total_seconds()
        if locked_until is not None:
            left = (clock.ensure_utc(locked_until) - clock.now()).total_seconds()
        keeper = LeaseKeeper(
            self.db,
            job_id,
            self.worker_id,
            self.lease,
            valid_for=left,
            max_seconds=self.max_run_seconds,
        )
        # A job that waited in its claimed batch renews first: its calls start on a full lease.
        if left < self.lease.total_seconds() * 2 / 3 and not keeper.renew():
            return False, None
        ctx.lease = keeper
        with keeper:
            result = fn(ctx)
        keeper.check()
        return True, result

    def _run_handler(self, job_id: int, attempt: Attempt, begun: Started | None) -> str:
        prefetched = None
        if begun is not None:
            ours, prefetched = begun[1].result()
        elif registry.has_prefetchers():
            ours, prefetched = self._prefetch(job_id, attempt)
        else:
            ours = True
        if not ours:
            return "skipped"
        session = self.db.session()
        uow = _JobUnitOfWork(session)
        try:
            repo = JobRepository(uow)
            job = repo.lock_for_run(job_id)
            if job is None or job.locked_by != self.worker_id or job.status != JobStatus.RUNNING:
                uow.rollback()
                return "skipped"
            attempt.name, attempt.attempts = job.name, job.attempts
            attempt.max_attempts = job.max_attempts
            fn = registry.require(job.name)
            ctx = registry.JobContext(
                uow, job.id, job.name, dict(job.payload), job.attempts, job.workspace_id
            )
            ctx.prefetched = prefetched
            fn(ctx)
            now = clock.now()
            if ctx.continue_at is not None:
                outcome = "rescheduled"
                held = repo.reschedule(
                    job_id, self.worker_id, now, ctx.continue_at, ctx.continue_payload
                )
            else:
                outcome = "done"
                held = repo.finish(job_id, self.worker_id, now)
            if not held:
                raise _LostLease(f"lease of job {job_id} was lost; its effects rolled back")
            uow.commit_for_worker()
            return outcome
        except BaseException:
            uow.rollback()
            raise
        finally:
            session.close()

    def _release(self, ids: list[int]) -> None:
        """Hand back claimed jobs we will not start (shutting down), so nobody waits a lease."""
        try:
            with self.db.transaction() as uow:
                JobRepository(uow).release(ids, self.worker_id, clock.now())
        except Exception:
            log.exception("could not release claimed jobs; they run after their lease")

    def fire_schedules(self) -> int:
        """Enqueue a job for every due schedule; returns how many fired."""
        with self.db.transaction() as uow:
            return self._fire(uow, clock.now())

    def _fire(self, uow: UnitOfWork, now: datetime) -> int:
        fired = 0
        repo = JobRepository(uow)
        for sched in repo.due_schedules(now):
            due = sched.next_run_at
            try:
                nxt = next_schedule_run(sched.cron, sched.interval_seconds, due, now)
            except Exception as exc:
                log.error("schedule %s is broken (%s); disabling it", sched.name, exc)
                sched.enabled = False
                uow.flush()
                continue
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
        mono = time.monotonic()
        if not force and mono - self._last_beat < HEARTBEAT_SECONDS:
            return
        self._last_beat = mono
        with self.db.transaction() as uow:
            JobRepository(uow).beat(self.worker_id, socket.gethostname(), os.getpid(), clock.now())

    def _idle_timeout(self) -> float:
        """Sleep until the next due time, at most ``poll_seconds``; not at all when that time
        has passed already (it came due during the pass that found it: a busy machine)."""
        nxt = self._next_wakeup
        if nxt is None:
            return self.poll_seconds
        gap = (nxt - clock.now()).total_seconds()
        return max(0.0, min(self.poll_seconds, gap))

    # loop -------------------------------------------------------------------------------------
    def run_forever(self) -> None:
        add_waker(self.wake)
        failures = 0
        try:
            while not self.stop_event.is_set():
                # cleared before the pass: a wake-up during the pass makes the next wait return
                self.wake.clear()
                try:
                    self.heartbeat()
                    ran = self.run_once()
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("worker pass failed; retrying")
                    self.stop_event.wait(min(5.0, self.poll_seconds * 2**failures))
                    continue
                if ran == 0:
                    self.wake.wait(self._idle_timeout())
        finally:
            remove_waker(self.wake)
            self._goodbye()

    def _goodbye(self) -> None:
        try:
            with self.db.transaction() as uow:
                JobRepository(uow).forget_worker(self.worker_id)
        except Exception:
            log.warning("could not remove the heartbeat of %s", self.worker_id)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(
            target=self.run_forever, name=f"promodesk-worker-{self.worker_id}", daemon=True
        )
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


def _describe(exc: BaseException) -> str:
    """The error text stored on the job; robust to exceptions whose ``str()`` fails."""
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable error>"
    try:
        trace = "".join(traceback.format_exception(exc, limit=8))
    except Exception:
        trace = ""
    return error_text(type(exc).__name__, message, trace)
