"""Stop everywhere, the confirm: one stop with per-channel steps, each through its channel's own
use case, then watched, retried and (what is reversible) restarted.

- ``confirm_stop`` recomputes the preview and refuses (``PreviewChanged``, 409 with the new
  preview) unless its fingerprint is the one the caller was shown. It then starts one step per
  channel part: TikTok ads by level through the campaigns' cancellation (its job pauses or
  deletes and reads back to verify), each Promote order through its stop (the settlement job
  refunds the rest), the shop enrollments through one cancel batch (stage-aware paths, the
  activity's guardrails, platform writes). Each step runs in a savepoint: a channel that refuses
  at once fails its step only; the others go on. One operation counts the steps.
- ``watch`` (the ``promotions.stop_watch`` job, ``promotions.service.stop_watch``) follows each
  running step to its channel record's end and records its outcome and verification.
- ``retry`` (``promotions.service.retry``) starts only the failed steps again.
"""

from __future__ import annotations

from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.service.cancellations import confirm as ads_confirm
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, PromodeskError, ValidationFailed
from promodesk.models import PromotionStop
from promodesk.operations import service as operations
from promodesk.promote.service.orders import stop_order
from promodesk.promotions.domain import stop as rules
from promodesk.promotions.domain.stop import StepStatus
from promodesk.promotions.repository.stops import StopRepository
from promodesk.promotions.schemas import StopPreviewRead
from promodesk.promotions.service.stop import StopPreview, preview_stop
from promodesk.promotions.service.stop_watch import enqueue_watch, settle
from promodesk.shop.service import batches as shop_batches

OPERATION_KIND = "promotions.stop"


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
