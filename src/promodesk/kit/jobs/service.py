"""Enqueueing and managing jobs from use cases (always inside the caller's unit of work).

``enqueue`` writes the job row in the caller's transaction (transactional outbox): if the caller
rolls back, the job never existed; once it commits, workers in this process are woken at once
and workers elsewhere find it on their next poll.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.jobs.domain import (
    CANCELLABLE,
    RETRYABLE,
    JobStatus,
    first_schedule_run,
    validate_cron,
)
from promodesk.kit.jobs.repository import JobRepository
from promodesk.models import Job, Schedule

DEFAULT_MAX_ATTEMPTS = 8
_wakers: list[threading.Event] = []
_wakers_lock = threading.Lock()


def add_waker(event: threading.Event) -> None:
    """A worker in this process registers an event to be set when new work is committed."""
    with _wakers_lock:
        _wakers.append(event)


def remove_waker(event: threading.Event) -> None:
    with _wakers_lock:
        if event in _wakers:
            _wakers.remove(event)


def wake_workers() -> None:
    """Wake every worker of this process (used after a commit that made work due)."""
    with _wakers_lock:
        events = list(_wakers)
    for event in events:
        event.set()


def enqueue(
    uow: UnitOfWork,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    workspace_id: int | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Job:
    """Write a job row in the caller's transaction (outbox). With ``dedupe_key``, enqueueing
    the same key again returns the existing job (whatever its status) and adds nothing."""
    if not name or len(name) > 100:
        raise ValidationFailed("a job name has 1 to 100 characters", field="name")
    if max_attempts < 1:
        raise ValidationFailed("the number of attempts must be at least 1", field="max_attempts")
    repo = JobRepository(uow)
    job = Job(
        name=name,
        payload=payload or {},
        run_at=clock.ensure_utc(run_at) if run_at else clock.now(),
        dedupe_key=dedupe_key,
        workspace_id=workspace_id,
        max_attempts=max_attempts,
        status=JobStatus.QUEUED,
        attempts=0,
    )
    added = repo.add(job)
    if added is None:
        assert dedupe_key is not None
        existing = repo.by_dedupe_key(dedupe_key)
        assert existing is not None
        return existing
    uow.on_commit(wake_workers)
    return added


def enqueue_many(
    uow: UnitOfWork,
    name: str,
    jobs: list[tuple[dict[str, Any], str]],
    *,
    workspace_id: int | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> int:
    """``enqueue`` for many jobs of one name, due now, in one statement: ``jobs`` are
    ``(payload, dedupe_key)`` pairs; a key enqueued before adds nothing. Returns how many
    were added."""
    if not name or len(name) > 100:
        raise ValidationFailed("a job name has 1 to 100 characters", field="name")
    if max_attempts < 1:
        raise ValidationFailed("the number of attempts must be at least 1", field="max_attempts")
    at = clock.now()
    added = JobRepository(uow).add_many(
        [
            {
                "name": name,
                "payload": payload,
                "run_at": at,
                "dedupe_key": key,
                "workspace_id": workspace_id,
                "max_attempts": max_attempts,
                "status": JobStatus.QUEUED.value,
                "attempts": 0,
                "created_at": at,
                "updated_at": at,
            }
            for payload, key in jobs
        ]
    )
    if added:
        uow.on_commit(wake_workers)
    return added


def get(uow: UnitOfWork, job_id: int, workspace_id: int | None = None) -> Job:
    job = JobRepository(uow).get(job_id, workspace_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def retry(uow: UnitOfWork, job_id: int, workspace_id: int | None = None) -> Job:
    """Queue a dead, cancelled or done job again, due now, with a fresh attempt budget."""
    repo = JobRepository(uow)
    job = get(uow, job_id, workspace_id)
    if job.status not in RETRYABLE or not repo.requeue(job, clock.now()):
        raise Conflict(f"job {job_id} is {job.status}; only dead, cancelled or done jobs re-run")
    uow.on_commit(wake_workers)
    return job


def cancel(uow: UnitOfWork, job_id: int, workspace_id: int | None = None) -> Job:
    """Cancel a queued job. A running job cannot be cancelled (its handler is mid-flight)."""
    repo = JobRepository(uow)
    job = get(uow, job_id, workspace_id)
    if job.status not in CANCELLABLE or not repo.mark_cancelled(job, clock.now()):
        raise Conflict(f"job {job_id} is {job.status}; only queued jobs can be cancelled")
    return job


def ensure_schedule(
    uow: UnitOfWork,
    name: str,
    job_name: str,
    *,
    interval_seconds: float | None = None,
    cron: str | None = None,
    payload: dict[str, Any] | None = None,
    workspace_id: int | None = None,
    enabled: bool = True,
) -> Schedule:
    """Create or update a recurring schedule (kept in the database, shared by all workers).

    A new schedule, or one whose timing changed, gets its next due time recomputed: cron
    schedules wait for their next match, interval schedules are due at once."""
    if (interval_seconds is None) == (cron is None):
        raise ValueError("give exactly one of interval_seconds or cron")
    if interval_seconds is not None and interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    if cron is not None:
        validate_cron(cron)
    repo = JobRepository(uow)
    now = clock.now()
    sched = repo.schedule(name)
    if sched is None:
        fresh = Schedule(
            name=name,
            job_name=job_name,
            cron=cron,
            interval_seconds=interval_seconds,
            payload=payload or {},
            workspace_id=workspace_id,
            enabled=enabled,
            next_run_at=first_schedule_run(cron, interval_seconds, now),
        )
        added = repo.add_schedule(fresh)
        if added is not None:
            return added
        sched = repo.schedule(name)
        assert sched is not None
    if sched.cron != cron or sched.interval_seconds != interval_seconds:
        sched.next_run_at = first_schedule_run(cron, interval_seconds, now)
    sched.job_name = job_name
    sched.interval_seconds = interval_seconds
    sched.cron = cron
    sched.payload = payload or {}
    sched.workspace_id = workspace_id
    sched.enabled = enabled
    uow.flush()
    return sched
