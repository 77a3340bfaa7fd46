"""TikTok sync job handlers: one sync run in steps, and the periodic "who is due" sweep."""

from __future__ import annotations

from datetime import timedelta

from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.accounts.service import sync
from promodesk.accounts.service.imports import SCHEDULE
from promodesk.accounts.settings import accounts_settings
from promodesk.accounts.tiktok.fetch import Fetched
from promodesk.kit import clock
from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch


@prefetch(sync.JOB)
def sync_fetch(ctx: PrefetchContext) -> Fetched | None:
    """The step's TikTok calls, made before the step's transaction opens."""
    return sync.prefetch(ctx.db, int(ctx.payload["run_id"]))


@handler(sync.JOB)
def sync_step(ctx: JobContext) -> None:
    """Advance a sync run by one step; continue in a new step until it is final. Safe to run
    twice: the run's cursor commits with the rows it covers."""
    settings = accounts_settings()
    final = sync.step(
        ctx.uow,
        int(ctx.payload["run_id"]),
        last_attempt=ctx.attempt >= settings.sync_max_attempts,
        fetched=ctx.prefetched,
    )
    if not final:
        ctx.reschedule(clock.now(), ctx.payload)


@handler(SCHEDULE)
def sync_due(ctx: JobContext) -> None:
    """Start a sync of every ad account whose last sync is older than the interval."""
    settings = accounts_settings()
    if settings.sync_interval_minutes <= 0:
        return
    before = clock.now() - timedelta(minutes=settings.sync_interval_minutes)
    for workspace_id, ad_account_id in AccountsRepository(ctx.uow).due_for_sync(before):
        sync.start(ctx.uow, workspace_id, ad_account_id, actor="schedule")
