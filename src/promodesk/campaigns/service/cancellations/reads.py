"""Cancel TikTok campaigns, ad groups or ads: the reads of the cancellation log (one
cancellation with its items, progress and verification; the list with filters)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from promodesk.campaigns.domain.cancellations import (
    CancelStatus,
    ItemStatus,
)
from promodesk.campaigns.domain.cancellations import (
    action as parse_action,
)
from promodesk.campaigns.domain.cancellations import (
    reason as parse_reason,
)
from promodesk.campaigns.repository.cancellations.reads import CancellationsRepository
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import CampaignCancellation, CampaignCancellationItem
from promodesk.operations import service as operations


def get_row(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int, lock: bool = False
) -> CampaignCancellation:
    found: CampaignCancellation | None = CancellationsRepository(uow).get(
        workspace_id, cancellation_id, lock=lock
    )
    if found is None:
        raise NotFound(f"cancellation {cancellation_id} not found")
    return found


def item_view(i: CampaignCancellationItem) -> dict[str, Any]:
    return {
        "id": i.id,
        "cancellation_id": i.cancellation_id,
        "ad_account_id": i.ad_account_id,
        "level": i.level,
        "object_id": i.object_id,
        "row_id": i.row_id,
        "campaign_id": i.campaign_id,
        "name": i.name,
        "client_account_id": i.client_account_id,
        "advertiser_id": i.advertiser_id,
        "currency": i.currency,
        "budget_mode": i.budget_mode,
        "budget_minor": i.budget_minor,
        "spent_to_date_minor": i.spent_to_date_minor,
        "spent_today_minor": i.spent_today_minor,
        "last_7_days_minor": i.last_7_days_minor,
        "freed_minor": i.freed_minor,
        "status_before": i.status_before,
        "status": i.status,
        "error": i.error,
        "stopped_at": i.stopped_at.isoformat() if i.stopped_at else None,
        "verify_status": i.verify_status,
        "verify_detail": i.verify_detail or {},
        "verified_at": i.verified_at.isoformat() if i.verified_at else None,
        "spend_after_minor": i.spend_after_minor,
        "undone_at": i.undone_at.isoformat() if i.undone_at else None,
        "recreated_object_id": i.recreated_object_id,
        "recreated_at": i.recreated_at.isoformat() if i.recreated_at else None,
    }


def _freed_totals(items: list[CampaignCancellationItem]) -> list[dict[str, Any]]:
    per: dict[str, int] = defaultdict(int)
    for i in items:
        if i.status == ItemStatus.DONE.value:
            per[i.currency] += i.freed_minor
    return [{"currency": c, "freed_minor": per[c]} for c in sorted(per)]


def view(
    uow: UnitOfWork, c: CampaignCancellation, items: list[CampaignCancellationItem] | None = None
) -> dict[str, Any]:
    rows = items if items is not None else CancellationsRepository(uow).items(c.id)
    counts: dict[str, int] = defaultdict(int)
    verify: dict[str, int] = defaultdict(int)
    for i in rows:
        counts[i.status] += 1
        verify[i.verify_status] += 1
    op = None
    if c.operation_id:
        try:
            op = operations.as_dict(operations.get(uow, c.workspace_id, c.operation_id))
        except NotFound:
            op = None
    return {
        "id": c.id,
        "action": c.action,
        "reason_code": c.reason_code,
        "note": c.note,
        "status": c.status,
        "created_by": c.created_by,
        "created_at": c.created_at.isoformat(),
        "finished_at": c.finished_at.isoformat() if c.finished_at else None,
        "level": rows[0].level if rows else "",
        "item_count": len(rows),
        "counts": dict(counts),
        "verification": dict(verify),
        "freed": _freed_totals(rows),
        "operation": op,
        "items": [item_view(i) for i in rows] if items is None else [],
    }


def get(uow: UnitOfWork, workspace_id: int, cancellation_id: int) -> dict[str, Any]:
    """One cancellation with its items, progress and verification."""
    return view(uow, get_row(uow, workspace_id, cancellation_id))


def list_cancellations(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    before_id: int | None,
    limit: int,
    status: str | None = None,
    reason_code: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """Newest first, without items (``item_count``, counts and freed per currency)."""
    if status is not None:
        status = CancelStatus(_word(status, [s.value for s in CancelStatus], "status")).value
    if reason_code is not None:
        reason_code = parse_reason(reason_code, "filter")[0].value
    if action is not None:
        action = parse_action(action).value
    repo = CancellationsRepository(uow)
    rows = repo.search(
        workspace_id,
        before_id=before_id,
        limit=limit,
        status=status,
        reason_code=reason_code,
        action=action,
    )
    by: dict[int, list[CampaignCancellationItem]] = defaultdict(list)
    for i in repo.items_of([c.id for c in rows]):
        by[i.cancellation_id].append(i)
    out = []
    for c in rows:
        v = view(uow, c, by.get(c.id, []))
        v.pop("items")
        out.append(v)
    return out


def _word(value: str, allowed: list[str], name: str) -> str:
    text = value.strip().lower()
    if text not in allowed:
        raise ValidationFailed(f"{name} is one of {', '.join(allowed)}", field=name)
    return text


def check_item(uow: UnitOfWork, workspace_id: int, cancellation_id: int, item_id: int) -> None:
    """The item belongs to the cancellation (404 otherwise)."""
    item = CancellationsRepository(uow).item(workspace_id, item_id)
    if item is None or item.cancellation_id != cancellation_id:
        raise NotFound(f"item {item_id} of cancellation {cancellation_id} not found")
