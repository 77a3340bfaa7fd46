"""The list of stops everywhere: newest first, in cursor pages, with filters
(``promotions.domain.stop_list``).

A stop's status and channels are read from its steps as the watch last recorded them (the
watch looks again every few seconds while a step runs; the stop's own page reads the running
steps live). The reason, author and created range narrow the rows in SQL; the status and
channel filters are applied to the rows read, in batches, so a page is always full when more
rows match and the cursor stays the id of the page's last row.
"""

from __future__ import annotations

from typing import Any

from promodesk.kit import pagination
from promodesk.kit.db import UnitOfWork
from promodesk.models import PromotionStop
from promodesk.promotions.domain import stop_list as rules
from promodesk.promotions.repository.stops import StopRepository
from promodesk.tenancy import service as tenancy

BATCH = 200  # rows read at a time when the status or channel filters the steps


def summary(stop: PromotionStop) -> dict[str, Any]:
    """One row of the list."""
    steps = list(stop.steps or [])
    made = stop.summary or {}
    return {
        "id": stop.id,
        "reason": stop.reason,
        "reason_text": stop.reason_text,
        "ads_action": stop.ads_action,
        "created_by": stop.created_by,
        "created_at": stop.created_at.isoformat(),
        "ended_at": made.get("ended_at"),
        "status": rules.status_of(steps).value,
        "channels": rules.channels(steps),
        "planned_money": list(made.get("planned_money") or []),
        "refused": len(made.get("refused") or []),
        "steps": len(steps),
        "verified_steps": sum(1 for s in steps if s.get("verified") is True),
        "verified": rules.verified(steps),
        "can_retry": rules.can_retry(steps),
        "can_restart": rules.can_restart(steps),
        "lessons": bool(stop.lessons),
        "action_items": len(stop.action_items or []),
    }


def list_stops(
    uow: UnitOfWork,
    workspace_id: int,
    chosen: rules.StopFilters,
    cursor: str | None,
    *,
    limit: int = 50,
) -> dict[str, Any]:
    """``{"items": [summary…], "next_cursor"}``, newest first. The author may be given as
    recorded (``user:3``, ``rule:7``) or as a member's email."""
    author = tenancy.actor_of(uow, workspace_id, chosen.created_by) if chosen.created_by else None
    before = pagination.after(cursor)
    repo = StopRepository(uow)
    want = pagination.fetch(limit)
    batch = max(want, BATCH) if chosen.by_steps else want
    found: list[PromotionStop] = []
    while len(found) < want:
        rows = repo.page(
            workspace_id,
            before=before,
            limit=batch,
            reasons={r.value for r in chosen.reasons},
            created_by=author,
            created_after=chosen.created_after(),
            created_before=chosen.created_before(),
        )
        found += [r for r in rows if chosen.keeps(r.steps or [])]
        if len(rows) < batch:
            break
        before = rows[-1].id
    page = pagination.page(found[:want], limit)
    return {"items": [summary(s) for s in page["items"]], "next_cursor": page["next_cursor"]}
