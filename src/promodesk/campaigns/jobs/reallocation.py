"""Reallocation job: settle what a reallocation's request left pending (TikTok did not
answer, or the process stopped), a few minutes later and again until nothing is pending."""

from __future__ import annotations

from datetime import timedelta

from promodesk.campaigns.service.reallocation import settle as realloc_settle
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.jobs.registry import JobContext, PrefetchContext, handler, prefetch


@prefetch(realloc_settle.SETTLE_JOB)
def settle_send(ctx: PrefetchContext) -> list[realloc_settle.Outcome]:
    """The budget updates on TikTok, before the handler's transaction opens (an absolute
    budget: sending it again after a lost answer changes nothing more)."""
    if ctx.workspace_id is None:
        return []
    return realloc_settle.send_pending(
        ctx.db, ctx.workspace_id, int(ctx.payload["reallocation_id"])
    )


@handler(realloc_settle.SETTLE_JOB)
def settle_record(ctx: JobContext) -> None:
    """Record each item's outcome and end the reallocation; run again later while TikTok
    leaves items unanswered, at most ``reallocation_settle_rounds`` times."""
    if ctx.workspace_id is None:
        return
    realloc_id = int(ctx.payload["reallocation_id"])
    actor = str(ctx.payload.get("actor") or "system")
    for outcome in ctx.prefetched or []:
        realloc_settle.record_outcome(ctx.uow, ctx.workspace_id, realloc_id, outcome, actor=actor)
    if realloc_settle.finish(ctx.uow, ctx.workspace_id, realloc_id, actor=actor):
        return
    settings = campaigns_settings()
    rounds = int(ctx.payload.get("round") or 1)
    if rounds < settings.reallocation_settle_rounds:
        ctx.reschedule(
            clock.now() + timedelta(seconds=settings.reallocation_settle_seconds),
            {**ctx.payload, "round": rounds + 1},
        )
