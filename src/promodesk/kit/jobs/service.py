"""Enqueueing and managing jobs from use cases (always inside the caller's unit of work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound
from promodesk.kit.jobs.domain import JobStatus
from promodesk.kit.jobs.repository import JobRepository
from promodesk.models import Job, Schedule

DEFAULT_MAX_ATTEMPTS = 8
_wakers: list[Any] = []


def add_waker(event: Any) -> None:
    """A worker in this process registers an event to be set when new work is committed."""
    _wakers.append(event)


def remove_waker(event: Any) -> None:
    if event in _wakers:
        _wakers.remove(event)


def _wake() -> None:
    for event in list(_wakers):
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
    the same key again returns the existing job."""
    repo = JobRepository(uow)
    job = Job(
        name=name,
        payload=payload or {},
        run_at=run_at or clock.now(),
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
    uow.on_commit(_wake)
    return added


def retry(uow: UnitOfWork, job_id: int, workspace_id: int | None = None) -> Job:
    repo = JobRepository(uow)
    job = repo.get(job_id, workspace_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if job.status not in (JobStatus.DEAD, JobStatus.CANCELLED, JobStatus.DONE):
        raise Conflict(f"job {job_id} is {job.status}; only dead, cancelled or done jobs re-run")
    retried = repo.retry(job_id, clock.now(), workspace_id)
    assert retried is not None
    uow.on_commit(_wake)
    return retried


def cancel(uow: UnitOfWork, job_id: int, workspace_id: int | None = None) -> Job:
    repo = JobRepository(uow)
    job = repo.get(job_id, workspace_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if job.status != JobStatus.QUEUED:
        raise Conflict(f"job {job_id} is {job.status}; only queued jobs can be cancelled")
    job.status = JobStatus.CANCELLED
    job.finished_at = clock.now()
    uow.flush()
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
) -> Schedule:
    """Create or update a recurring schedule (kept in the database)."""
    if (interval_seconds is None) == (cron is None):
        raise ValueError("give exactly one of interval_seconds or cron")
    repo = JobRepository(uow)
    sched = repo.schedule(name)
    if sched is None:
        sched = Schedule(name=name, job_name=job_name, next_run_at=clock.now(), enabled=True)
        uow.session.add(sched)
    sched.job_name = job_name
    sched.interval_seconds = interval_seconds
    sched.cron = cron
    sched.payload = payload or {}
    sched.workspace_id = workspace_id
    uow.flush()
    return sched
