"""Business Center transfer job: send again the legs a failure left, with backoff, under the
same ``request_id`` (TikTok moves the money once however often a leg is sent)."""

from __future__ import annotations

from promodesk.campaigns.service import transfers
from promodesk.kit.jobs.registry import JobContext, PrefetchContext, handler, prefetch


@prefetch(transfers.RETRY_JOB)
def retry_send(ctx: PrefetchContext) -> list[transfers.LegOutcome]:
    """The legs left, sent before the handler's transaction opens."""
    if ctx.workspace_id is None:
        return []
    return transfers.send(ctx.db, ctx.workspace_id, int(ctx.payload["transfer_id"]))


@handler(transfers.RETRY_JOB)
def retry_record(ctx: JobContext) -> None:
    """Record what TikTok said; while the transfer is not through, run again after the next
    round's delay, at most ``transfer_retry_rounds`` rounds (then Retry by hand)."""
    if ctx.workspace_id is None:
        return
    transfer_id = int(ctx.payload["transfer_id"])
    actor = str(ctx.payload.get("actor") or "system")
    for outcome in ctx.prefetched or []:
        transfers.record_outcome(ctx.uow, ctx.workspace_id, transfer_id, outcome, actor=actor)
    done_round = int(ctx.payload.get("round") or 1)
    due = transfers.next_retry(ctx.uow, ctx.workspace_id, transfer_id, done_round)
    if due is not None:
        ctx.reschedule(due, {**ctx.payload, "round": done_round + 1})
