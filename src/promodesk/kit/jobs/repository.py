"""All SQL of jobs, schedules and worker heartbeats.

Every state change of a job is a compare-and-set ``UPDATE`` (the expected status, and for a
worker its own lease, in the ``WHERE``): zero rows means someone else changed the job first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from promodesk.kit.clock import ensure_utc
from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.kit.jobs.domain import CANCELLABLE, RETRYABLE, JobStatus
from promodesk.models import Job, Schedule, WorkerHeartbeat


def _rows(result: Any) -> int:
    return int(result.rowcount)


class JobRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s: Session = uow.session

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

    def add_many(self, rows: list[dict[str, Any]]) -> int:
        """Insert job rows (column values) in one statement; a row whose ``dedupe_key`` is
        taken is skipped (the existing job stands). Returns how many were inserted."""
        if not rows:
            return 0
        table = cast(Table, Job.__table__)
        ins = (postgresql.insert if self.uow.dialect == "postgresql" else sqlite.insert)(table)
        # RETURNING counts the inserted rows (a driver's rowcount of a batched insert is not
        # reliable).
        result = self.s.connection().execute(
            ins.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id), rows
        )
        return len(result.all())

    def by_dedupe_key(self, key: str) -> Job | None:
        return self.s.execute(select(Job).where(Job.dedupe_key == key)).scalar_one_or_none()

    def get(self, job_id: int, workspace_id: int | None = None) -> Job | None:
        q = select(Job).where(Job.id == job_id)
        if workspace_id is not None:
            q = q.where(Job.workspace_id == workspace_id)
        return self.s.execute(q).scalar_one_or_none()

    def names(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = self.s.execute(select(Job.id, Job.name).where(Job.id.in_(ids))).all()
        return {int(r.id): str(r.name) for r in rows}

    def lock_for_run(self, job_id: int) -> Job | None:
        """Load a job for running it and, on PostgreSQL, hold its row lock until the handler's
        transaction ends: other workers' ``SKIP LOCKED`` claims pass it by even if the lease
        runs out meanwhile, so a live worker's job is never run twice at the same time."""
        q = select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
        if self.uow.dialect == "postgresql":
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    @staticmethod
    def _claimable(now: datetime) -> Any:
        return or_(
            and_(Job.status == JobStatus.QUEUED, Job.run_at <= now),
            and_(Job.status == JobStatus.RUNNING, Job.locked_until < now),
        )

    def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        workspace_id: int | None = None,
    ) -> list[int]:
        """Claim up to ``limit`` due jobs for ``worker_id``; returns their ids in run order.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint rows.
        SQLite: the transaction holds the write lock (``BEGIN IMMEDIATE``) and the ``UPDATE``
        repeats the claimable condition (compare-and-set). A job whose lease ran out on its
        last allowed attempt goes ``dead`` here instead of being claimed again."""
        q = (
            select(Job.id, Job.status, Job.attempts, Job.max_attempts)
            .where(self._claimable(now))
            .order_by(Job.run_at, Job.id)
            .limit(limit)
        )
        if workspace_id is not None:
            q = q.where(Job.workspace_id == workspace_id)
        if self.uow.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = self.s.execute(q).all()
        exhausted = [
            r.id for r in rows if r.status == JobStatus.RUNNING and r.attempts >= r.max_attempts
        ]
        wanted = [r.id for r in rows if r.id not in exhausted]
        if exhausted:
            self.s.execute(
                update(Job)
                .where(Job.id.in_(exhausted), self._claimable(now))
                .values(
                    status=JobStatus.DEAD,
                    last_error=literal("lease expired on its last attempt (worker ")
                    + func.coalesce(Job.locked_by, "?")
                    + literal(" died or hung)"),
                    locked_by=None,
                    locked_until=None,
                    finished_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        if not wanted:
            return []
        claimed = set(
            self.s.execute(
                update(Job)
                .where(Job.id.in_(wanted), self._claimable(now))
                .values(
                    status=JobStatus.RUNNING,
                    last_error=case(
                        (
                            Job.status == JobStatus.RUNNING,
                            literal("lease expired on worker ") + func.coalesce(Job.locked_by, "?"),
                        ),
                        else_=Job.last_error,
                    ),
                    locked_by=worker_id,
                    locked_until=now + lease,
                    attempts=Job.attempts + 1,
                    updated_at=now,
                )
                .returning(Job.id)
                .execution_options(synchronize_session=False)
            ).scalars()
        )
        return [job_id for job_id in wanted if job_id in claimed]

    def _held(self, job_id: int, worker_id: str) -> Any:
        return and_(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)

    def renew(self, job_id: int, worker_id: str, now: datetime, lease: timedelta) -> bool:
        """Extend the lease of a job this worker still runs; False means it was taken from us
        (or finished by someone else)."""
        result = self.s.execute(
            update(Job)
            .where(self._held(job_id, worker_id))
            .values(locked_until=now + lease, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return _rows(result) == 1

    def finish(self, job_id: int, worker_id: str, now: datetime) -> bool:
        """Mark done if we still hold the lease; False means it was taken from us."""
        result = self.s.execute(
            update(Job)
            .where(self._held(job_id, worker_id))
            .values(
                status=JobStatus.DONE,
                locked_until=None,
                finished_at=now,
                updated_at=now,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        return _rows(result) == 1

    def reschedule(
        self,
        job_id: int,
        worker_id: str,
        now: datetime,
        run_at: datetime,
        payload: dict[str, Any] | None,
    ) -> bool:
        """A step finished and the job runs again at ``run_at``; False if the lease was lost."""
        values: dict[str, Any] = {
            "status": JobStatus.QUEUED,
            "run_at": run_at,
            "attempts": 0,
            "locked_by": None,
            "locked_until": None,
            "last_error": None,
            "updated_at": now,
        }
        if payload is not None:
            values["payload"] = payload
        result = self.s.execute(
            update(Job)
            .where(self._held(job_id, worker_id))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return _rows(result) == 1

    def fail(
        self, job_id: int, worker_id: str, now: datetime, error: str, retry_at: datetime | None
    ) -> bool:
        """Record a failed attempt: queued again at ``retry_at``, or dead when it is None."""
        values: dict[str, Any] = {"last_error": error, "locked_until": None, "updated_at": now}
        if retry_at is None:
            values.update(status=JobStatus.DEAD, finished_at=now)
        else:
            values.update(status=JobStatus.QUEUED, run_at=retry_at)
        result = self.s.execute(
            update(Job)
            .where(self._held(job_id, worker_id))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return _rows(result) == 1

    def release(self, ids: list[int], worker_id: str, now: datetime) -> int:
        """Give back claimed jobs that were never started; the claim does not count as an
        attempt."""
        if not ids:
            return 0
        result = self.s.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.QUEUED,
                attempts=Job.attempts - 1,
                locked_by=None,
                locked_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return _rows(result)

    def requeue(self, job: Job, now: datetime) -> bool:
        """Compare-and-set a finished (dead, cancelled, done) job back to queued, due now."""
        result = self.s.execute(
            update(Job)
            .where(Job.id == job.id, Job.status.in_(list(RETRYABLE)))
            .values(
                status=JobStatus.QUEUED,
                run_at=now,
                attempts=0,
                locked_by=None,
                locked_until=None,
                finished_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        self.s.refresh(job)
        return _rows(result) == 1

    def mark_cancelled(self, job: Job, now: datetime) -> bool:
        """Compare-and-set a queued job to cancelled (a worker may have claimed it first)."""
        result = self.s.execute(
            update(Job)
            .where(Job.id == job.id, Job.status.in_(list(CANCELLABLE)))
            .values(status=JobStatus.CANCELLED, finished_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        self.s.refresh(job)
        return _rows(result) == 1

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

    def next_wakeup(self) -> datetime | None:
        """The earliest moment something becomes claimable or a schedule falls due."""
        queued = select(func.min(Job.run_at)).where(Job.status == JobStatus.QUEUED)
        leases = select(func.min(Job.locked_until)).where(Job.status == JobStatus.RUNNING)
        sched = select(func.min(Schedule.next_run_at)).where(Schedule.enabled.is_(True))
        row = self.s.execute(
            select(queued.scalar_subquery(), leases.scalar_subquery(), sched.scalar_subquery())
        ).one()
        times = [t for t in row if t is not None]
        if not times:
            return None
        return min(ensure_utc(t) for t in times)

    def purge_finished(self, older_than: datetime) -> int:
        result = self.s.execute(
            delete(Job).where(Job.status == JobStatus.DONE, Job.finished_at < older_than)
        )
        return _rows(result)

    # schedules --------------------------------------------------------------------------------
    def schedules(self) -> list[Schedule]:
        return list(self.s.execute(select(Schedule).order_by(Schedule.name)).scalars())

    def schedule(self, name: str) -> Schedule | None:
        return self.s.execute(select(Schedule).where(Schedule.name == name)).scalar_one_or_none()

    def add_schedule(self, sched: Schedule) -> Schedule | None:
        """Insert; None when another process created the same name first."""
        try:
            with self.uow.savepoint():
                self.s.add(sched)
                self.s.flush()
        except IntegrityViolation:
            return None
        return sched

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
            .execution_options(synchronize_session=False)
        )
        return _rows(result) == 1

    # heartbeats -------------------------------------------------------------------------------
    def beat(self, worker_id: str, host: str, pid: int, now: datetime) -> None:
        result = self.s.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.worker_id == worker_id)
            .values(seen_at=now)
            .execution_options(synchronize_session=False)
        )
        if _rows(result) == 0:
            self.s.add(
                WorkerHeartbeat(
                    worker_id=worker_id, host=host, pid=pid, started_at=now, seen_at=now
                )
            )
            self.s.flush()

    def last_heartbeat(self) -> datetime | None:
        return self.s.execute(select(func.max(WorkerHeartbeat.seen_at))).scalar()

    def forget_worker(self, worker_id: str) -> None:
        self.s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))

    def forget_workers(self, older_than: datetime) -> None:
        self.s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < older_than))
