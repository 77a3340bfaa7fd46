"""Report sync job handlers: one report sync in steps, and its start after an entity sync."""

from __future__ import annotations

from promodesk.campaigns.service.report_sync import fetch as sync_fetch
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.campaigns.service.report_sync import write as sync_write
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch


@prefetch(sync_start.JOB)
def report_sync_fetch(ctx: PrefetchContext) -> sync_fetch.Fetched | None:
    """The step's TikTok calls, made before the step's transaction opens."""
    return sync_fetch.prefetch(ctx.db, int(ctx.payload["operation_id"]))


@handler(sync_start.JOB)
def report_sync_step(ctx: JobContext) -> None:
    """Write one step's pages; continue in a new step until the sync is final. Safe to run
    twice: the cursor commits with the rows it covers, and rows are upserted."""
    final = sync_write.step(
        ctx.uow,
        int(ctx.payload["operation_id"]),
        ctx.prefetched,
        last_attempt=ctx.attempt >= campaigns_settings().report_sync_max_attempts,
    )
    if not final:
        ctx.reschedule(clock.now(), ctx.payload)


@handler(sync_start.START_JOB)
def report_sync_start(ctx: JobContext) -> None:
    """An entity sync of the ad account succeeded: sync its reports too."""
    sync_start.start_after_entity_sync(
        ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["ad_account_id"])
    )
