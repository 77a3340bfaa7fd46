"""Following a stop everywhere after its confirm (``stops``): its steps as they stand, read from
each channel's own record, and its view.

- ``watch`` (the ``promotions.stop_watch`` job) follows each running step to its channel
  record's end, records its outcome and verification, one audit event per step, and finishes
  the operation once every step is over. A step is verified by its channel's own check: the ads
  cancellation's read-back, the shop batch's verification (the platform read back for a linked
  shop; the failed items' reasons in the step's error). A finished ads or shop step is over
  only once its verification is.
- When every step is over, the stop's one retrospective entry (复盘) is written (again after a
  retry).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.service.cancellations import reads as ads_reads
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.kit.jobs import enqueue
from promodesk.models import PromotionStop
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES
from promodesk.promote.service.orders import get_order
from promodesk.promotions.domain import stop as rules
from promodesk.promotions.domain.stop import StepStatus
from promodesk.promotions.repository.stops import StopRepository
from promodesk.promotions.settings import promotions_settings
from promodesk.shop.service import batches as shop_batches
from promodesk.shop.service import verification as shop_verification

WATCH_JOB = "promotions.stop_watch"


def watch_every() -> timedelta:
    return timedelta(seconds=promotions_settings().stop_watch_seconds)


def _live(uow: UnitOfWork, workspace_id: int, s: dict[str, Any]) -> tuple[StepStatus, Any, str]:
    """A running step's status, verification and error from its channel's own record."""
    rec = s["record"]
    if rec is None:
        return StepStatus(s["status"]), s["verified"], s["error"]
    if rec["type"] == "campaign_cancellation":
        v = ads_reads.get(uow, workspace_id, rec["id"])
        status = rules.step_status(rules.ADS_STEP, v["status"])
        checks = v["verification"]
        open_checks = sum(checks.get(k, 0) for k in ("pending", "unverifiable"))
        verified = None if open_checks else not checks.get("failed", 0)
        errors = [i["error"] for i in v["items"] if i["status"] == "failed" and i["error"]]
        return status, verified, "; ".join(errors)[:500]
    if rec["type"] == "promote_order":
        order = get_order(uow, workspace_id, rec["id"])
        status = rules.step_status(rules.ORDER_STEP, order.status)
        return status, order.status == "stopped", ""
    batch = shop_batches.get_batch(uow, workspace_id, rec["id"])
    status = rules.step_status(rules.SHOP_STEP, batch.status)
    errors = [
        f"{i.error_code}: {i.error_detail or ''}"
        for i in shop_batches.batch_items(uow, workspace_id, batch.id, status="failed")
    ]
    if status is StepStatus.RUNNING:
        return status, None, "; ".join(errors)[:500]
    # Verified by the shop's own verification of the batch (read back from the platform for
    # a linked shop): None until every cancelled item has its result.
    checks = shop_verification.outcome(uow, workspace_id, batch.id)
    verified = checks.passed
    if status is not StepStatus.DONE and checks.over:
        verified = False  # some items were not cancelled: not every item is verified
    if checks.failed:
        errors.append(f"verification failed for {checks.failed} of {checks.done}")
        errors.extend(checks.reasons)
    return status, verified, "; ".join(e for e in errors if e)[:500]


def steps_now(uow: UnitOfWork, stop: PromotionStop) -> list[dict[str, Any]]:
    """The steps as they stand (running steps read from their channel records); no writes."""
    out = []
    for s in stop.steps:
        s = {"restart_error": "", **s}
        if s["status"] == StepStatus.RUNNING.value:
            status, verified, error = _live(uow, stop.workspace_id, s)
            s["status"], s["verified"], s["error"] = status.value, verified, error
        out.append(s)
    return out


def settle(uow: UnitOfWork, stop: PromotionStop, actor: str) -> bool:
    """Record the steps that ended (outcome, verification, one audit event each) and count
    them on the operation; finish it once every step is over. True once all are over."""
    now = steps_now(uow, stop)
    for s in now:
        if s["status"] != StepStatus.RUNNING.value and not s.get("counted"):
            # A finished ads or shop step is over only once its verification is (read back).
            if s["verified"] is None and s["status"] == "done" and s["channel"] != "promote":
                s["status"] = StepStatus.RUNNING.value
                continue
            s["counted"] = True
            failed = s["status"] == StepStatus.FAILED.value
            if stop.operation_id:
                op = operations.get(uow, stop.workspace_id, stop.operation_id)
                if op.state not in FINAL_STATES:
                    operations.progress(
                        uow,
                        op,
                        done=0 if failed else 1,
                        failed=1 if failed else 0,
                        errors=[{"item": f"step {s['n']}", "error": s["error"]}] if failed else [],
                        finish_when_complete=True,
                    )
            record(
                uow,
                workspace_id=stop.workspace_id,
                actor=actor,
                action="promotions.stop.step",
                object_type="promotion_stop",
                object_id=stop.id,
                after={
                    "step": s["n"],
                    "channel": s["channel"],
                    "status": s["status"],
                    "verified": s["verified"],
                    "record": s["record"],
                    "error": s["error"][:300],
                },
            )
    stop.steps = now
    stop.updated_at = clock.now()
    over = all(s["status"] != StepStatus.RUNNING.value for s in now)
    if over:
        _retrospective(stop, now)
    return over


def _retrospective(stop: PromotionStop, steps: list[dict[str, Any]]) -> None:
    """The stop's one retrospective entry (复盘), written when its steps are over (again after
    a retry): per channel what was stopped, verified or failed."""
    per: dict[str, dict[str, int]] = {}
    for s in steps:
        seen = per.setdefault(s["channel"], {"stopped": 0, "failed": 0, "verified": 0})
        key = "failed" if s["status"] == StepStatus.FAILED.value else "stopped"
        seen[key] += len(s["refs"])
        seen["verified"] += len(s["refs"]) if s["verified"] else 0
    stop.summary = {
        **(stop.summary or {}),
        "ended_at": clock.now().isoformat(),
        "channels": per,
        "failed_steps": [s["n"] for s in steps if s["status"] == StepStatus.FAILED.value],
    }


def enqueue_watch(uow: UnitOfWork, stop: PromotionStop) -> None:
    enqueue(
        uow,
        WATCH_JOB,
        {"workspace_id": stop.workspace_id, "stop_id": stop.id},
        workspace_id=stop.workspace_id,
        dedupe_key=f"{WATCH_JOB}:{stop.id}:{stop.operation_id}",
        run_at=clock.now() + watch_every(),
    )


def watch(uow: UnitOfWork, workspace_id: int, stop_id: int) -> bool:
    """One look at a stop's running steps (the watch job); True once every step is over."""
    stop = get_stop(uow, workspace_id, stop_id, lock=True)
    return settle(uow, stop, "system")


def get_stop(
    uow: UnitOfWork, workspace_id: int, stop_id: int, *, lock: bool = False
) -> PromotionStop:
    stop = StopRepository(uow).get(workspace_id, stop_id, lock=lock)
    if stop is None:
        raise NotFound(f"stop {stop_id} not found")
    return stop


def view(uow: UnitOfWork, stop: PromotionStop) -> dict[str, Any]:
    op = None
    if stop.operation_id:
        op = operations.as_dict(operations.get(uow, stop.workspace_id, stop.operation_id))
    steps = steps_now(uow, stop)
    return {
        "id": stop.id,
        "reason": stop.reason,
        "reason_text": stop.reason_text,
        "ads_action": stop.ads_action,
        "fingerprint": stop.fingerprint,
        "refs": list(stop.refs),
        "created_by": stop.created_by,
        "created_at": stop.created_at.isoformat(),
        "steps": [{k: v for k, v in s.items() if k != "counted"} for s in steps],
        "failed": sum(1 for s in steps if s["status"] == StepStatus.FAILED.value),
        "retrospective": {
            **(stop.summary or {}),
            "lessons": stop.lessons,
            "action_items": list(stop.action_items or []),
        },
        "running": sum(1 for s in steps if s["status"] == StepStatus.RUNNING.value),
        "operation": op,
    }
