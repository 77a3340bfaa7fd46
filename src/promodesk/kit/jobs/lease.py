"""Keeping a running job's lease while it makes slow calls outside any transaction.

Rules:
- While a job's ``prefetch`` runs (its remote calls: rate-limit waits, retries with backoff,
  slow answers can outlast the lease), a keeper thread renews the lease every quarter of it,
  each renewal a short transaction of its own: a compare-and-set on the job still being this
  worker's and running. Another worker can then take the job over only if this one died.
- A renewal that finds the job no longer ours marks the lease lost. A renewal that fails (the
  database busy or away) is tried again at the next tick.
- ``check()`` is what a step calls before each remote write: it raises ``LeaseLost`` when the
  lease was lost, or when no renewal succeeded for two thirds of a lease (the lease may run out
  before the call is answered). The worker checks it again before the handler's transaction;
  a lost lease ends the attempt with nothing committed (the job's new owner reads back first,
  so what was sent is not sent twice).
- During the handler's transaction no renewal is needed: on PostgreSQL the job's row is locked
  (other workers' ``SKIP LOCKED`` claims pass it by), on SQLite the transaction holds the write
  lock; and the handler commits only if the job is still this worker's.
- A keeper stops renewing after ``max_seconds`` (a call that hangs for good must not hold its
  job forever): the lease then runs out and the job is claimed again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.repository import JobRepository

log = logging.getLogger("promodesk.worker")


class LeaseLost(RuntimeError):
    """The job's lease was taken over (or could not be renewed in time): stop, commit nothing."""


class LeaseKeeper:
    def __init__(
        self,
        db: Database,
        job_id: int,
        worker_id: str,
        lease: timedelta,
        *,
        valid_for: float,
        max_seconds: float = 3600.0,
    ) -> None:
        self.db = db
        self.job_id = job_id
        self.worker_id = worker_id
        self.lease = lease
        seconds = lease.total_seconds()
        self.interval = seconds / 4
        self.margin = seconds / 3
        started = time.monotonic()
        # Trusted until then: the lease as read at the claim, less the margin.
        self._deadline = started + valid_for - self.margin
        self._until = started + max_seconds
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.renewals = 0

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def check(self) -> None:
        """Raise ``LeaseLost`` unless the lease is still surely this worker's."""
        if self._lost.is_set():
            raise LeaseLost(f"job {self.job_id}: another worker took its lease over")
        if time.monotonic() > self._deadline:
            raise LeaseLost(f"job {self.job_id}: its lease could not be renewed in time")

    def renew(self) -> bool:
        """One renewal now; False when the job is no longer ours (the lease is lost)."""
        started = time.monotonic()
        with self.db.transaction() as uow:
            now = clock.now()
            held = JobRepository(uow).renew(self.job_id, self.worker_id, now, self.lease)
        if not held:
            self._lost.set()
            return False
        self.renewals += 1
        self._deadline = started + self.lease.total_seconds() - self.margin
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if time.monotonic() > self._until:
                log.warning("job %s: ran past its keeper's limit; lease not renewed", self.job_id)
                return
            try:
                if not self.renew():
                    log.warning("job %s: lease lost while it ran", self.job_id)
                    return
            except Exception as exc:  # busy or away: try again at the next tick
                log.warning("job %s: could not renew its lease: %s", self.job_id, exc)

    def __enter__(self) -> LeaseKeeper:
        self._thread = threading.Thread(
            target=self._run, name=f"promodesk-lease-{self.job_id}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
