"""Shop job handlers. Each reloads by id and is a no-op when its work is already done."""

from __future__ import annotations

from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch
from promodesk.shop.service import platform_verification, platform_write_steps, platform_writes
from promodesk.shop.service.alternatives import delist_if_due
from promodesk.shop.service.batch_run import BATCH_JOB, VERIFY_JOB, run_step
from promodesk.shop.service.catalog import START_JOB, start_when_due
from promodesk.shop.service.platform_links import refresh, tokens
from promodesk.shop.service.platform_sync import steps, webhooks
from promodesk.shop.service.product_plan import DELIST_JOB
from promodesk.shop.service.verification import verify_batch


@handler(BATCH_JOB)
def run_batch(ctx: JobContext) -> None:
    """One chunk per run (its own transaction, committed with the job step); the job
    reschedules itself at once while items remain."""
    more = run_step(ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["batch_id"]))
    if more:
        ctx.reschedule(clock.now())


@prefetch(VERIFY_JOB)
def verify_fetch(ctx: PrefetchContext) -> platform_verification.Reads:
    """A linked shop's items read back from the platform, before the transaction."""
    return platform_verification.prefetch(
        ctx.db,
        int(ctx.payload["workspace_id"]),
        int(ctx.payload["batch_id"]),
        waited=int(ctx.payload.get("waited", 0)),
    )


@handler(VERIFY_JOB)
def verify(ctx: JobContext) -> None:
    """The verification waits, a minute at a time, while the batch's removals on the platform
    are still on their way (``platform_verification.WRITE_WAITS`` at most), then checks."""
    reads = ctx.prefetched
    if reads is not None and reads.waiting:
        waited = int(ctx.payload.get("waited", 0)) + 1
        ctx.reschedule(clock.now() + timedelta(minutes=1), {**ctx.payload, "waited": waited})
        return
    verify_batch(ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["batch_id"]), reads)


@handler(DELIST_JOB)
def delist(ctx: JobContext) -> None:
    """The product leaves every activity (jobs written before ``selected`` existed delist with
    their own enrollment as the selected one)."""
    selected = ctx.payload.get("selected")
    delist_if_due(
        ctx.uow,
        int(ctx.payload["workspace_id"]),
        int(ctx.payload["enrollment_id"]),
        [int(i) for i in selected] if isinstance(selected, list) else None,
    )


@handler(START_JOB)
def start_activity(ctx: JobContext) -> None:
    """已审核 → 已开始 when the activity starts; a run before ``starts_at`` (the clock moved)
    waits for it instead of finishing."""
    later = start_when_due(
        ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["activity_id"])
    )
    if later is not None:
        ctx.reschedule(later)


@handler(refresh.REFRESH_SCHEDULE)
def platform_refresh_due(ctx: JobContext) -> None:
    """One refresh job per platform link whose access token expires soon."""
    refresh.enqueue_due_refreshes(ctx.uow)


@prefetch(refresh.REFRESH_JOB)
def platform_refresh_fetch(ctx: PrefetchContext) -> tokens.Refreshed | None:
    return refresh.prefetch_refresh(
        ctx.db, int(ctx.payload["workspace_id"]), int(ctx.payload["link_id"])
    )


@handler(refresh.REFRESH_JOB)
def platform_refresh(ctx: JobContext) -> None:
    """Store the new token pair (or mark the link for re-authorization); a platform failure
    that may pass raises, and the job's backoff tries again."""
    if ctx.prefetched is not None:
        tokens.store_refresh(ctx.uow, ctx.prefetched)


@prefetch(steps.SYNC_JOB)
def platform_sync_fetch(ctx: PrefetchContext) -> steps.Fetched:
    """The step's platform page, read before the step's transaction opens."""
    return steps.prefetch_step(ctx.db, ctx.payload)


@handler(steps.SYNC_JOB)
def platform_sync_step(ctx: JobContext) -> None:
    """One page of a platform sync; the next page (or phase) in a new step. Safe to run
    twice: the cursor commits with the rows of its page, and the mirror is an upsert."""
    following = steps.step(ctx.uow, ctx.payload, ctx.prefetched)
    if following is not None:
        ctx.reschedule(clock.now(), following)


@prefetch(webhooks.ACTIVITY_JOB)
@prefetch(webhooks.PRODUCT_JOB)
def platform_read_back_fetch(ctx: PrefetchContext) -> webhooks.ReadBack:
    return webhooks.prefetch_read_back(ctx.db, ctx.payload)


@handler(webhooks.ACTIVITY_JOB)
@handler(webhooks.PRODUCT_JOB)
def platform_read_back(ctx: JobContext) -> None:
    """A webhook named this activity or product: mirror what the platform now says."""
    webhooks.apply_read_back(ctx.uow, ctx.payload, ctx.prefetched)


@prefetch(platform_writes.WRITE_JOB, ahead=True)
def platform_write_fetch(ctx: PrefetchContext) -> platform_write_steps.Attempt | None:
    """Read back, send what is still to do, read back again: before the step's transaction."""
    return platform_writes.prefetch(ctx.db, ctx.payload, ctx.lease)


@handler(platform_writes.WRITE_JOB)
def platform_write(ctx: JobContext) -> None:
    """Record one chunk's outcome with its verification; the next chunk in a new step."""
    if platform_writes.step(ctx.uow, ctx.payload, ctx.prefetched):
        ctx.reschedule(clock.now())
