"""All SQL of jobs, schedules and worker heartbeats."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.kit.jobs.domain import JobStatus
from promodesk.models import Job, Schedule, WorkerHeartbeat


class JobRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def add(self, job: Job) -> Job | None:
        """Insert; None when ``dedupe_key`` is taken (the existing job stands)."""
        if job.dedupe_key is None:
            self.s.add(job)
            self.s.flush()
            return job
        try:
            with self.uow.savepoint():
                self.s.add(job)
                self.s.flush()
        except IntegrityViolation:
            return None
        return job

    def by_dedupe_key(self, key: str) -> Job | None:
        return self.s.execute(select(Job).where(Job.dedupe_key == key)).scalar_one_or_none()

    def get(self, job_id: int, workspace_id: int | None = None) -> Job | None:
        q = select(Job).where(Job.id == job_id)
        if workspace_id is not None:
            q = q.where(Job.workspace_id == workspace_id)
        return self.s.execute(q).scalar_one_or_none()

    def _claimable(self, now: datetime) -> Any:
        return or_(
            and_(Job.status == JobStatus.QUEUED, Job.run_at <= now),
            and_(Job.status == JobStatus.RUNNING, Job.locked_until < now),
        )

    def claim(self, worker_id: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """Claim up to ``limit`` due jobs for ``worker_id``; returns their ids."""
        q = select(Job.id).where(self._claimable(now)).order_by(Job.run_at, Job.id).limit(limit)
        if self.uow.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = list(self.s.execute(q).scalars())
        claimed: list[int] = []
        for job_id in ids:
            # compare-and-set: only if still claimable (another worker may have won on SQLite)
            result = self.s.execute(
                update(Job)
                .where(Job.id == job_id, self._claimable(now))
                .values(
                    status=JobStatus.RUNNING,
                    locked_by=worker_id,
                    locked_until=now + lease,
                    attempts=Job.attempts + 1,
                    updated_at=now,
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(job_id)
        return claimed

    def finish(self, job_id: int, worker_id: str, now: datetime) -> bool:
        """Mark done if we still hold the lease; False means it was taken from us."""
        result = self.s.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.DONE,
                locked_until=None,
                finished_at=now,
                updated_at=now,
                last_error=None,
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def fail(
        self, job_id: int, worker_id: str, now: datetime, error: str, retry_at: datetime | None
    ) -> bool:
        values: dict[str, Any] = {
            "last_error": error[:4000],
            "locked_until": None,
            "updated_at": now,
        }
        if retry_at is None:
            values.update(status=JobStatus.DEAD, finished_at=now)
        else:
            values.update(status=JobStatus.QUEUED, run_at=retry_at)
        result = self.s.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def retry(self, job_id: int, now: datetime, workspace_id: int | None = None) -> Job | None:
        job = self.get(job_id, workspace_id)
        if job is None:
            return None
        job.status = JobStatus.QUEUED
        job.run_at = now
        job.attempts = 0
        job.locked_by = None
        job.locked_until = None
        job.finished_at = None
        self.s.flush()
        return job

    def search(
        self,
        *,
        status: str | None = None,
        name: str | None = None,
        workspace_id: int | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[Job]:
        q = select(Job)
        if status:
            q = q.where(Job.status == status)
        if name:
            q = q.where(Job.name == name)
        if workspace_id is not None:
            q = q.where(Job.workspace_id == workspace_id)
        if before_id is not None:
            q = q.where(Job.id < before_id)
        return list(self.s.execute(q.order_by(Job.id.desc()).limit(limit)).scalars())

    def depth(self) -> dict[str, int]:
        rows = self.s.execute(select(Job.status, func.count()).group_by(Job.status)).all()
        return {r[0]: int(r[1]) for r in rows}

    def due_count(self, now: datetime) -> int:
        return int(
            self.s.execute(
                select(func.count()).select_from(Job).where(self._claimable(now))
            ).scalar_one()
        )

    def next_due_at(self) -> datetime | None:
        return self.s.execute(
            select(func.min(Job.run_at)).where(Job.status == JobStatus.QUEUED)
        ).scalar()

    def purge_finished(self, older_than: datetime) -> int:
        result = self.s.execute(
            delete(Job).where(Job.status == JobStatus.DONE, Job.finished_at < older_than)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # schedules --------------------------------------------------------------------------------
    def schedules(self) -> list[Schedule]:
        return list(self.s.execute(select(Schedule).order_by(Schedule.name)).scalars())

    def schedule(self, name: str) -> Schedule | None:
        return self.s.execute(select(Schedule).where(Schedule.name == name)).scalar_one_or_none()

    def due_schedules(self, now: datetime) -> list[Schedule]:
        return list(
            self.s.execute(
                select(Schedule).where(Schedule.enabled.is_(True), Schedule.next_run_at <= now)
            ).scalars()
        )

    def advance_schedule(
        self, schedule_id: int, expected: datetime, nxt: datetime, now: datetime
    ) -> bool:
        """Compare-and-set: only one worker fires a given due time."""
        result = self.s.execute(
            update(Schedule)
            .where(Schedule.id == schedule_id, Schedule.next_run_at == expected)
            .values(next_run_at=nxt, last_run_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    # heartbeats -------------------------------------------------------------------------------
    def beat(self, worker_id: str, host: str, pid: int, now: datetime) -> None:
        result = self.s.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.worker_id == worker_id)
            .values(seen_at=now)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            self.s.add(
                WorkerHeartbeat(
                    worker_id=worker_id, host=host, pid=pid, started_at=now, seen_at=now
                )
            )
            self.s.flush()

    def last_heartbeat(self) -> datetime | None:
        return self.s.execute(select(func.max(WorkerHeartbeat.seen_at))).scalar()

    def forget_workers(self, older_than: datetime) -> None:
        self.s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < older_than))
