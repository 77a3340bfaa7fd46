"""The audit log over HTTP, with filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from promodesk.audit import service
from promodesk.kit.pagination import Page, after, fetch, page
from promodesk.models import AuditEvent
from promodesk.web import ApiRoute, Caller, Cursor, Instant, Limit, Text, Uow

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["audit"])


class AuditRead(BaseModel):
    id: int
    created_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


def _event(e: AuditEvent) -> AuditRead:
    return AuditRead(
        id=e.id,
        created_at=e.created_at,
        actor=e.actor,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        before=e.before,
        after=e.after,
        note=e.note,
    )


@router.get("/audit", response_model=Page[AuditRead])
def list_audit(
    uow: Uow,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
    action: Text = None,
    object_type: Text = None,
    object_id: Text = None,
    actor: Text = None,
    since: Instant = None,
    until: Instant = None,
) -> Page[AuditRead]:
    """Newest first. ``action`` matches a prefix (``api_key.`` finds every key event)."""
    rows = service.list_events(
        uow,
        caller.workspace_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        since=since,
        until=until,
        before_id=after(cursor),
        limit=fetch(limit),
    )
    return Page[AuditRead](**page([_event(e) for e in rows], limit))


@router.get("/audit/{event_id}", response_model=AuditRead)
def get_audit_event(event_id: int, uow: Uow, caller: Caller) -> AuditRead:
    return _event(service.get_event(uow, caller.workspace_id, event_id))
