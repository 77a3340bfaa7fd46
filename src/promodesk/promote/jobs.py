"""Promote job handlers. Each reloads the order by id and is a no-op when already done."""

from __future__ import annotations

from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.jobs import JobContext, handler
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.service.settlement import (
    END_JOB,
    SETTLE_JOB,
    complete_if_due,
    enqueue_settlement,
    settle_order,
)

SWEEP_JOB = "promote.sweep"


@handler(SETTLE_JOB)
def settle(ctx: JobContext) -> None:
    """Refund the unspent rest of an ended order (once, whatever the retries)."""
    settle_order(ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["order_id"]))


@handler(END_JOB)
def end_on_time(ctx: JobContext) -> None:
    """Complete a delivering order when its duration is over."""
    complete_if_due(ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["order_id"]))


@handler(SWEEP_JOB)
def sweep(ctx: JobContext) -> None:
    """Safety net (e.g. on a schedule): complete overdue orders and re-enqueue settlement of
    orders ended more than a minute ago and still unsettled. Everything it does is idempotent."""
    repo = PromoteRepository(ctx.uow)
    at = clock.now()
    for workspace_id, order_id in repo.due_to_end(at):
        complete_if_due(ctx.uow, workspace_id, order_id)
    for workspace_id, order_id in repo.ended_unsettled(at - timedelta(minutes=1)):
        enqueue_settlement(ctx.uow, workspace_id, order_id)
