"""Durable jobs (transactional outbox), recurring schedules and worker heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


class Job(IdMixin, CreatedMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Schedule(IdMixin, CreatedMixin, Base):
    """A recurring job kept in the database, so every worker process shares one timetable."""

    __tablename__ = "schedules"
    name: Mapped[str] = mapped_column(String(100), unique=True)
    job_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    cron: Mapped[str | None] = mapped_column(String(100), nullable=True)
    interval_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
