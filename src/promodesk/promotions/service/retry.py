"""Stop everywhere, the retry: only the failed steps start again, each through its channel's
own retry where it has one (the ads cancellation's failed items, the shop batch's failed
items) or its use case again (a refusal at the start, a Promote stop); the stopped steps are
not touched. A new operation counts the retried steps."""

from __future__ import annotations

from promodesk.audit.service import record
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict
from promodesk.models import PromotionStop
from promodesk.operations import service as operations
from promodesk.promotions.domain.stop import StepStatus
from promodesk.promotions.service.stop_watch import enqueue_watch, get_stop, settle
from promodesk.promotions.service.stops import OPERATION_KIND, start_step


def retry(
    uow: UnitOfWork, workspace_id: int, stop_id: int, *, actor: str, role: str
) -> PromotionStop:
    """Start the failed steps again (the stopped ones are not touched), under a new
    operation."""
    stop = get_stop(uow, workspace_id, stop_id, lock=True)
    settle(uow, stop, actor)
    steps = [dict(s) for s in stop.steps]
    failed = [s for s in steps if s["status"] == StepStatus.FAILED.value]
    if not failed:
        raise Conflict("no step of this stop failed", field="stop")
    op = operations.start(
        uow,
        workspace_id,
        OPERATION_KIND,
        title=f"Retry {len(failed)} failed steps",
        total=len(failed),
        created_by=actor,
    )
    stop.operation_id = op.id
    for s in failed:
        s["counted"] = False
        start_step(uow, stop, s, actor=actor, role=role)
    stop.steps = steps
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promotions.stop.retry",
        object_type="promotion_stop",
        object_id=stop.id,
        after={"steps": [s["n"] for s in failed]},
    )
    settle(uow, stop, actor)
    enqueue_watch(uow, stop)
    uow.flush()
    return stop
