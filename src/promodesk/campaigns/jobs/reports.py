"""Report sync job handlers: one report sync in steps, and its start after an entity sync."""

from __future__ import annotations

from promodesk.campaigns.service import report_sync
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch


@prefetch(report_sync.JOB)
def report_sync_fetch(ctx: PrefetchContext) -> report_sync.Fetched | None:
    """The step's TikTok calls, made before the step's transaction opens."""
    return report_sync.prefetch(ctx.db, int(ctx.payload["operation_id"]))


@handler(report_sync.JOB)
def report_sync_step(ctx: JobContext) -> None:
    """Write one step's pages; continue in a new step until the sync is final. Safe to run
    twice: the cursor commits with the rows it covers, and rows are upserted."""
    final = report_sync.step(
        ctx.uow,
        int(ctx.payload["operation_id"]),
        ctx.prefetched,
        last_attempt=ctx.attempt >= campaigns_settings().report_sync_max_attempts,
    )
    if not final:
        ctx.reschedule(clock.now(), ctx.payload)


@handler(report_sync.START_JOB)
def report_sync_start(ctx: JobContext) -> None:
    """An entity sync of the ad account succeeded: sync its reports too."""
    report_sync.start_after_entity_sync(
        ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["ad_account_id"])
    )
