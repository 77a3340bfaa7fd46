"""The lessons and action items of a cancellation (audited)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.domain import retrospective as rules
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service.monitor import stops
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.models import CampaignCancellation


def _notes(c: CampaignCancellation) -> dict[str, Any]:
    return {"lessons": c.lessons, "action_items": list(c.action_items or [])}


def update_notes(
    uow: UnitOfWork,
    workspace_id: int,
    cancellation_id: int,
    *,
    lessons: str | None = None,
    action_items: Sequence[dict[str, Any]] | None = None,
    actor: str = "system",
) -> dict[str, Any]:
    """Replace the lessons and/or the action items of a cancellation (audited)."""
    c = stops.get_cancellation(uow, workspace_id, cancellation_id)
    before = _notes(c)
    try:
        new_lessons = rules.clean_lessons(lessons) if lessons is not None else c.lessons
        new_items = (
            rules.clean_action_items(action_items)
            if action_items is not None
            else list(c.action_items or [])
        )
    except rules.NotesError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    after = {"lessons": new_lessons, "action_items": new_items}
    if after != before:
        RetrospectiveRepository(uow).set_notes(
            workspace_id, cancellation_id, new_lessons, new_items, clock.now()
        )
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="campaigns.cancellation_notes",
            object_type="campaign_cancellation",
            object_id=cancellation_id,
            before=before,
            after=after,
        )
    return {"id": cancellation_id, **after}


def add_action_item(
    uow: UnitOfWork,
    workspace_id: int,
    cancellation_id: int,
    item: dict[str, Any],
    *,
    actor: str = "system",
) -> dict[str, Any]:
    """Append one action item (audited)."""
    c = stops.get_cancellation(uow, workspace_id, cancellation_id)
    items = [*list(c.action_items or []), item]
    try:
        if not str(item.get("text") or "").strip():
            raise rules.NotesError("an action item needs a text", "text")
    except rules.NotesError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    return update_notes(uow, workspace_id, cancellation_id, action_items=items, actor=actor)


def notes(uow: UnitOfWork, workspace_id: int, cancellation_id: int) -> dict[str, Any]:
    c = stops.get_cancellation(uow, workspace_id, cancellation_id)
    return {"id": c.id, **_notes(c)}
