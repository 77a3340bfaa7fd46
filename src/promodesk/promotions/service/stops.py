"""Stop everywhere, the confirm: one stop with per-channel steps, each through its channel's own
use case, then watched, retried and (what is reversible) restarted.

- ``confirm_stop`` recomputes the preview and refuses (``PreviewChanged``, 409 with the new
  preview) unless its fingerprint is the one the caller was shown. It then starts one step per
  channel part: TikTok ads by level through the campaigns' cancellation (its job pauses or
  deletes and reads back to verify), each Promote order through its stop (the settlement job
  refunds the rest), the shop enrollments through one cancel batch (stage-aware paths, the
  activity's guardrails, platform writes). Each step runs in a savepoint: a channel that refuses
  at once fails its step only; the others go on. One operation counts the steps.
- ``watch`` (the ``promotions.stop_watch`` job) follows each running step to its channel
  record's end, records its outcome and verification, one audit event per step, and finishes
  the operation once every step is over. A step is verified by its channel's own check: the ads
  cancellation's read-back, the shop batch's verification (the platform read back for a linked
  shop; the failed items' reasons in the step's error). A finished ads or shop step is over
  only once its verification is.
- ``retry`` (``promotions.service.retry``) starts only the failed steps again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.service.cancellations import confirm as ads_confirm
from promodesk.campaigns.service.cancellations import reads as ads_reads
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, PromodeskError, ValidationFailed
from promodesk.kit.jobs import enqueue
from promodesk.models import PromotionStop
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES
from promodesk.promote.service.orders import get_order, stop_order
from promodesk.promotions.domain import stop as rules
from promodesk.promotions.domain.stop import StepStatus
from promodesk.promotions.repository.stops import StopRepository
from promodesk.promotions.schemas import StopPreviewRead
from promodesk.promotions.service.stop import StopPreview, preview_stop
from promodesk.promotions.settings import promotions_settings
from promodesk.shop.service import batches as shop_batches
from promodesk.shop.service import verification as shop_verification

OPERATION_KIND = "promotions.stop"
WATCH_JOB = "promotions.stop_watch"


def watch_every() -> timedelta:
    return timedelta(seconds=promotions_settings().stop_watch_seconds)


class PreviewChanged(Conflict):
    """What would be stopped is no longer what was shown: the body carries the new preview."""


def _steps(plan: StopPreview) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for c in plan.channels:
        if c.channel.value == "tiktok_ads":
            for kind in ("campaign", "adgroup", "ad"):
                items = [i for i in c.items if i.kind.value == kind and not i.refusal]
                if items:
                    steps.append(_new(c.channel.value, kind, plan.ads_action, items))
        elif c.channel.value == "promote":
            for i in c.items:
                if not i.refusal:
                    steps.append(_new(c.channel.value, "promote_order", i.path or "", [i]))
        else:
            # A guardrail refusal is the shop's own to make: those items go to the batch too,
            # so the step shows the refusal and is retried once the situation allows it.
            items = [
                i
                for i in c.items
                if not i.refusal or (i.refusal.startswith("GUARDRAIL_") and i.detail)
            ]
            if items:
                steps.append(_new(c.channel.value, "shop_enrollment", c.path, items))
    for n, s in enumerate(steps, start=1):
        s["n"] = n
    return steps


def _new(channel: str, kind: str, path: str, items: list[Any]) -> dict[str, Any]:
    ids = [int(i.detail.get("enrollment_id") or i.ref.split(":")[1]) for i in items]
    return {
        "channel": channel,
        "kind": kind,
        "path": path,
        "refs": [i.ref for i in items],
        "ids": ids,
        "record": None,
        "status": StepStatus.RUNNING.value,
        "verified": None,
        "error": "",
        "attempts": 0,
        "reversible": rules.reversible(channel, path),
        "restarted": False,
        "restart_error": "",
    }


def confirm_stop(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    refs: list[str] | None = None,
    products: list[int] | None = None,
    reason: str | None,
    reason_text: str | None = None,
    ads_action: str | None = None,
    fingerprint: str | None,
    actor: str,
    role: str,
) -> PromotionStop:
    """Stop what the preview with ``fingerprint`` showed, channel by channel."""
    plan = preview_stop(
        uow,
        workspace_id,
        refs=refs,
        products=products,
        reason=reason,
        reason_text=reason_text,
        ads_action=ads_action,
    )
    if not fingerprint:
        raise ValidationFailed("confirm the preview you were shown", field="fingerprint")
    if fingerprint != plan.fingerprint:
        raise PreviewChanged(
            "the situation changed since the preview: review the new preview",
            field="fingerprint",
            preview=StopPreviewRead.of(plan).model_dump(mode="json"),
        )
    steps = _steps(plan)
    if not steps:
        raise ValidationFailed("nothing in the selection can be stopped", field="refs")
    stop = StopRepository(uow).add(
        PromotionStop(
            workspace_id=workspace_id,
            reason=plan.reason,
            reason_text=plan.reason_text,
            ads_action=plan.ads_action,
            fingerprint=plan.fingerprint,
            refs=sorted({r for s in steps for r in s["refs"]}),
            steps=[],
            created_by=actor[:200],
            summary={
                "planned_money": [
                    {"what": w, "minor": m.minor, "currency": m.currency} for w, m in plan.totals
                ],
                "refused": [{"ref": i.ref, "code": i.refusal} for i in plan.refused][:200],
            },
            lessons="",
            action_items=[],
        )
    )
    op = operations.start(
        uow,
        workspace_id,
        OPERATION_KIND,
        title=f"Stop everywhere: {len(steps)} steps",
        total=len(steps),
        created_by=actor,
    )
    stop.operation_id = op.id
    for s in steps:
        start_step(uow, stop, s, actor=actor, role=role)
    stop.steps = steps
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promotions.stop",
        object_type="promotion_stop",
        object_id=stop.id,
        after={
            "reason": stop.reason,
            "reason_text": stop.reason_text[:300],
            "ads_action": stop.ads_action,
            "refs": stop.refs[:200],
            "steps": len(steps),
        },
    )
    settle(uow, stop, actor)
    enqueue_watch(uow, stop)
    uow.flush()
    return stop


def start_step(
    uow: UnitOfWork, stop: PromotionStop, s: dict[str, Any], *, actor: str, role: str
) -> None:
    """Start (or start again) one step through its channel's own use case, in a savepoint:
    a refusal fails this step only."""
    why = rules.Reason(stop.reason)
    s["attempts"] += 1
    s["status"], s["error"], s["verified"] = StepStatus.RUNNING.value, "", None
    try:
        with uow.savepoint():
            rec = s["record"]
            if s["channel"] == "tiktok_ads":
                if rec and s["attempts"] > 1:
                    ads_confirm.retry(uow, stop.workspace_id, rec["id"], actor=actor)
                else:
                    c = ads_confirm.confirm(
                        uow,
                        stop.workspace_id,
                        s["kind"],
                        s["ids"],
                        stop.ads_action,
                        rules.ADS_REASON[why],
                        stop.reason_text or f"stop everywhere ({stop.reason})",
                        actor=actor,
                    )
                    s["record"] = {"type": "campaign_cancellation", "id": c.id}
            elif s["channel"] == "promote":
                order = stop_order(
                    uow,
                    stop.workspace_id,
                    s["ids"][0],
                    reason=stop.reason_text or stop.reason,
                    actor=actor,
                )
                s["record"] = {"type": "promote_order", "id": order.id}
            elif rec and s["attempts"] > 1:
                shop_batches.retry_failed(uow, stop.workspace_id, rec["id"], actor=actor, role=role)
            else:
                b = shop_batches.start_batch(
                    uow,
                    stop.workspace_id,
                    enrollment_ids=s["ids"],
                    reason=rules.SHOP_REASON[why],
                    reason_text=stop.reason_text,
                    actor=actor,
                    role=role,
                )
                s["record"] = {"type": "shop_batch", "id": b.id}
    except PromodeskError as exc:
        s["status"], s["error"] = StepStatus.FAILED.value, exc.detail[:500]


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
