"""Housekeeping job handlers and their recurring schedules."""

from __future__ import annotations

from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.idempotency import purge_expired
from promodesk.kit.jobs import JobContext, handler
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.service import ensure_schedule
from promodesk.rules.service.evaluation import TICK_JOB
from promodesk.rules.settings import rules_settings
from promodesk.tenancy.repository import TenancyRepository

FINISHED_JOBS_KEPT_DAYS = 30


@handler("idempotency.purge")
def purge_idempotency_keys(ctx: JobContext) -> None:
    purge_expired(ctx.uow)


@handler("housekeeping")
def housekeeping(ctx: JobContext) -> None:
    now = clock.now()
    tenancy = TenancyRepository(ctx.uow)
    tenancy.purge_console_sessions(now)
    tenancy.purge_failures(now - timedelta(days=1))
    jobs = JobRepository(ctx.uow)
    jobs.purge_finished(now - timedelta(days=FINISHED_JOBS_KEPT_DAYS))
    jobs.forget_workers(now - timedelta(days=1))


def ensure_schedules(uow: UnitOfWork) -> None:
    ensure_schedule(uow, "idempotency.purge", "idempotency.purge", interval_seconds=3600)
    ensure_schedule(uow, "housekeeping", "housekeeping", cron="17 3 * * *")
    # cancelled objects still spending after the stop (the report store; campaigns.jobs.monitor)
    ensure_schedule(
        uow, "campaigns.monitor_watch", "campaigns.monitor_watch", interval_seconds=3600
    )
    # automated rules: due evaluations are enqueued within one tick of their due time
    ensure_schedule(uow, TICK_JOB, TICK_JOB, interval_seconds=rules_settings().tick_seconds)
