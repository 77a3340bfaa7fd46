"""The ``demo.count`` operation: a job that counts items one by one, to show progress end to end."""

from __future__ import annotations

from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.jobs import JobContext, handler
from promodesk.kit.jobs.service import enqueue
from promodesk.models import Operation
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES

DEMO_JOB = "demo.count"
DEMO_MAX_TOTAL = 10_000


def start_demo_operation(
    uow: UnitOfWork,
    workspace_id: int,
    total: int = 20,
    fail_every: int = 0,
    *,
    delay_ms: int = 250,
    created_by: str = "",
) -> Operation:
    """Start an operation that counts ``total`` items one by one (a job step per item, with
    ``delay_ms`` between steps); every ``fail_every``-th item fails (0: none). It shows the
    progress machinery end to end: the console's live bar, ``promodesk operations show -f``."""
    if not 1 <= total <= DEMO_MAX_TOTAL:
        raise ValidationFailed(f"the total must be between 1 and {DEMO_MAX_TOTAL:,}", field="total")
    if fail_every < 0:
        raise ValidationFailed("the failure interval cannot be negative", field="fail_every")
    if not 0 <= delay_ms <= 60_000:
        raise ValidationFailed(
            "the delay must be between 0 and 60,000 milliseconds", field="delay_ms"
        )
    op = operations.start(
        uow,
        workspace_id,
        DEMO_JOB,
        title=f"Count to {total}" + (f", every {fail_every}th item fails" if fail_every else ""),
        total=total,
        created_by=created_by,
    )
    enqueue(
        uow,
        DEMO_JOB,
        {
            "operation_id": op.id,
            "item": 1,
            "total": total,
            "fail_every": fail_every,
            "delay_ms": delay_ms,
        },
        workspace_id=workspace_id,
        dedupe_key=f"{DEMO_JOB}:{op.id}",
    )
    return op


@handler(DEMO_JOB)
def demo_count(ctx: JobContext) -> None:
    """One item per step; the job reschedules itself until the last item, then finishes the
    operation. A cancelled operation stops the chain."""
    p = ctx.payload
    op = operations.get_unscoped(ctx.uow, int(p["operation_id"]))
    if op.state in FINAL_STATES:
        return
    item, total, fail_every = int(p["item"]), int(p["total"]), int(p.get("fail_every", 0))
    # an item is counted once even if this step ever ran again
    if op.done + op.failed < item:
        if fail_every and item % fail_every == 0:
            error = {"item": item, "error": f"item {item} failed (every {fail_every}th fails)"}
            operations.progress(ctx.uow, op, failed=1, errors=[error])
        else:
            operations.progress(ctx.uow, op, done=1)
    if item >= total:
        operations.finish(ctx.uow, op, result={"counted": total})
        return
    delay = timedelta(milliseconds=int(p.get("delay_ms", 0)))
    ctx.reschedule(clock.now() + delay, {**p, "item": item + 1})
