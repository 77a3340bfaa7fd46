"""The lessons and action items of a stop everywhere (its retrospective, 复盘), by the same
rules as a campaign cancellation's (``campaigns.domain.retrospective``); audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.domain import retrospective as rules
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.promotions.service.stop_watch import get_stop


def update_notes(
    uow: UnitOfWork,
    workspace_id: int,
    stop_id: int,
    *,
    lessons: str | None = None,
    action_items: Sequence[dict[str, Any]] | None = None,
    actor: str,
) -> dict[str, Any]:
    stop = get_stop(uow, workspace_id, stop_id, lock=True)
    before = {"lessons": stop.lessons, "action_items": list(stop.action_items or [])}
    try:
        new_lessons = rules.clean_lessons(lessons) if lessons is not None else stop.lessons
        new_items = (
            rules.clean_action_items(action_items)
            if action_items is not None
            else list(stop.action_items or [])
        )
    except rules.NotesError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    after = {"lessons": new_lessons, "action_items": new_items}
    if after != before:
        stop.lessons, stop.action_items = new_lessons, new_items
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="promotions.stop_notes",
            object_type="promotion_stop",
            object_id=stop.id,
            before=before,
            after=after,
        )
    return {"id": stop.id, **after}


def notes(uow: UnitOfWork, workspace_id: int, stop_id: int) -> dict[str, Any]:
    stop = get_stop(uow, workspace_id, stop_id)
    return {"id": stop.id, "lessons": stop.lessons, "action_items": list(stop.action_items or [])}


def add_action_item(
    uow: UnitOfWork, workspace_id: int, stop_id: int, item: dict[str, Any], *, actor: str
) -> dict[str, Any]:
    """Append one action item (audited)."""
    if not str(item.get("text") or "").strip():
        raise ValidationFailed("an action item needs a text", field="text")
    stop = get_stop(uow, workspace_id, stop_id, lock=True)
    items = [*list(stop.action_items or []), item]
    return update_notes(uow, workspace_id, stop_id, action_items=items, actor=actor)
