"""Cancellation job handlers: run the chunks, verify later.

Both jobs make their TikTok calls in a ``prefetch`` (no transaction open) and write the
results in the handler; both reload by id and are no-ops for work already written. The worker
keeps the job's lease while the calls run; the run's chunks are each sent only while it holds
it (``kit.jobs.lease``)."""

from __future__ import annotations

from typing import Any

from promodesk.campaigns.service.cancellations import readback as cancel_readback
from promodesk.campaigns.service.cancellations import run as cancel_run
from promodesk.campaigns.service.cancellations import verification as cancel_verification
from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch


@prefetch(cancel_run.JOB)
def run_fetch(ctx: PrefetchContext) -> Any:
    return cancel_run.prefetch_step(ctx.db, int(ctx.payload["cancellation_id"]), ctx.lease)


@handler(cancel_run.JOB)
def run(ctx: JobContext) -> None:
    """One step of status updates; continues in a new step while items are pending."""
    later = cancel_run.run_step(ctx.uow, int(ctx.payload["cancellation_id"]), ctx.prefetched)
    if later is not None:
        ctx.reschedule(later, ctx.payload)


@prefetch(cancel_run.VERIFY_JOB)
def verify_fetch(ctx: PrefetchContext) -> Any:
    return cancel_readback.prefetch(ctx.db, int(ctx.payload["cancellation_id"]))


@handler(cancel_run.VERIFY_JOB)
def verify(ctx: JobContext) -> None:
    """Round 1 after the settle delay; it reschedules itself as round 2."""
    round_no = int(ctx.payload.get("round") or 1)
    later = cancel_verification.verify_step(
        ctx.uow, int(ctx.payload["cancellation_id"]), round_no, ctx.prefetched
    )
    if later is not None:
        ctx.reschedule(later, {**ctx.payload, "round": round_no + 1})
