"""Cancel TikTok campaigns, ad groups or ads: the operator's confirm, and the retry of the
items that failed.

``confirm`` stores the operator's intent: one item per object (checked and refused as the
preview is), an operation with a progress bar and a durable job (``run.JOB``), all in the
caller's transaction, audited. The job's steps take each item's snapshot and money figures
before its object is changed. ``retry`` puts the failed items back to pending under a new
operation and runs them again.
"""

from __future__ import annotations

from typing import Any

from promodesk.accounts.domain import Refusal
from promodesk.audit.service import record
from promodesk.campaigns.domain.cancellations import (
    CANCELLATION,
    ITEM,
    CancelStatus,
    ItemStatus,
    already_as_asked,
)
from promodesk.campaigns.domain.cancellations import (
    action as parse_action,
)
from promodesk.campaigns.domain.cancellations import (
    level as parse_level,
)
from promodesk.campaigns.domain.cancellations import (
    reason as parse_reason,
)
from promodesk.campaigns.domain.cancellations import (
    row_ids as parse_row_ids,
)
from promodesk.campaigns.repository.cancellations.confirm import ConfirmRepository
from promodesk.campaigns.repository.cancellations.objects import ID_COLUMN
from promodesk.campaigns.service.cancellations import preview, reads, run
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.jobs import enqueue
from promodesk.models import CampaignCancellation
from promodesk.operations import service as operations


def confirm(
    uow: UnitOfWork,
    workspace_id: int,
    level: str,
    row_ids: list[int] | list[str] | list[int | str],
    action: str,
    reason_code: str | None,
    note: str | None,
    *,
    actor: str = "system",
) -> CampaignCancellation:
    """Create the cancellation, its items, its operation and job: the operator's intent. The
    job's steps take each item's snapshot and money figures (``_take_snapshots``), stored
    before its object is changed; an item skipped (already as asked) has them at once."""
    code, clean_note = parse_reason(reason_code, note)
    lvl, act = parse_level(level), parse_action(action)
    objects = preview.objects(uow, workspace_id, lvl, parse_row_ids(row_ids))
    repo = ConfirmRepository(uow)
    accounts = repo.accounts(workspace_id, {r.ad_account_id for r in objects})
    skipped = [r.id for r in objects if already_as_asked(act, r.operation_status, r.deleted)]
    planned = preview.plan(uow, workspace_id, lvl, skipped, act) if skipped else []
    plans = {p.row_id: p for p in planned}
    snapshots = preview.snapshots(uow, workspace_id, lvl, skipped) if skipped else {}
    cancellation = CampaignCancellation(
        workspace_id=workspace_id,
        action=act.value,
        reason_code=code.value,
        note=clean_note,
        status=CancelStatus.RUNNING.value,
        created_by=actor[:200],
        action_items=[],
    )
    repo.add(cancellation)
    rows: list[dict[str, Any]] = []
    for r in objects:
        p = plans.get(r.id)
        row: dict[str, Any] = {
            "cancellation_id": cancellation.id,
            "workspace_id": workspace_id,
            "ad_account_id": r.ad_account_id,
            "level": lvl.value,
            "object_id": getattr(r, ID_COLUMN[lvl.value]),
            "row_id": r.id,
            "campaign_id": r.campaign_id,
            "name": (r.name or "")[:512],
            "currency": accounts[r.ad_account_id].currency,
            "budget_mode": getattr(r, "budget_mode", "") or "",
            "budget_minor": int(getattr(r, "budget_minor", 0) or 0),
            "status_before": (r.operation_status or "")[:16],
            "status": ItemStatus.PENDING.value,
            "error": "",
            "snapshot": {},
            "verify_status": "pending",
            "verify_detail": {},
            "spend_after_minor": 0,
            "recreated_object_id": "",
        }
        if p is not None:
            row.update(preview.item_columns(p))
            row["status"] = ItemStatus.SKIPPED.value
            row["error"] = "already paused on TikTok"
            row["snapshot"] = snapshots.get(r.id, {})
            row["verify_status"] = "skipped"
        rows.append(row)
    pending = len(rows) - len(skipped)
    repo.insert_items(rows)
    title = f"{act.value.capitalize()} {len(rows)} {lvl.value}(s)"
    op = operations.start(
        uow, workspace_id, run.OPERATION_KIND, title=title, total=len(rows), created_by=actor
    )
    cancellation.operation_id = op.id
    if skipped:
        operations.progress(uow, op, done=len(skipped))
    if pending:
        enqueue(
            uow,
            run.JOB,
            {"cancellation_id": cancellation.id},
            dedupe_key=f"{run.JOB}:{cancellation.id}:{op.id}",
            workspace_id=workspace_id,
        )
    else:
        cancellation.status = CANCELLATION.transition(cancellation.status, CancelStatus.DONE).value
        cancellation.finished_at = clock.now()
        operations.finish(uow, op)
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.cancellation",
        object_type="campaign_cancellation",
        object_id=cancellation.id,
        after={
            "level": lvl.value,
            "action": act.value,
            "reason_code": code.value,
            "note": clean_note[:300],
            "objects": [row["object_id"] for row in rows][:200],
        },
    )
    return cancellation


def retry(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int, *, actor: str = "system"
) -> CampaignCancellation:
    """Run the failed items again (the done ones are not touched), under a new operation."""
    repo = ConfirmRepository(uow)
    c = reads.get_row(uow, workspace_id, cancellation_id, lock=True)
    CANCELLATION.transition(c.status, CancelStatus.RUNNING)
    failed = repo.items(c.id, [ItemStatus.FAILED.value], lock=True)
    if not failed:
        raise Refusal("nothing_to_retry", "no item of this cancellation failed")
    if not repo.set_status(c.id, [c.status], CancelStatus.RUNNING.value):
        raise Refusal("changed_meanwhile", "the cancellation changed meanwhile: reload it")
    uow.session.refresh(c)
    for item in failed:
        item.status = ITEM.transition(item.status, ItemStatus.PENDING).value
    op = operations.start(
        uow,
        workspace_id,
        run.OPERATION_KIND,
        title=f"Retry {len(failed)} failed {failed[0].level}(s)",
        total=len(failed),
        created_by=actor,
    )
    c.operation_id = op.id
    c.finished_at = None
    enqueue(
        uow,
        run.JOB,
        {"cancellation_id": c.id},
        dedupe_key=f"{run.JOB}:{c.id}:{op.id}",
        workspace_id=workspace_id,
    )
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.cancellation.retry",
        object_type="campaign_cancellation",
        object_id=c.id,
        after={"items": [i.id for i in failed][:200]},
    )
    return c
