"""Recording audit events. Rule: written in the same unit of work as the change it describes."""

from __future__ import annotations

from typing import Any

from promodesk.audit.repository import AuditRepository
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import AuditEvent

SECRET_FIELDS = frozenset(
    {"password", "password_hash", "key_hash", "token", "access_token", "refresh_token", "secret"}
)


def _clean(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: ("***" if k in SECRET_FIELDS else v) for k, v in data.items()}


def record(
    uow: UnitOfWork,
    *,
    workspace_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    event = AuditEvent(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_clean(before),
        after=_clean(after),
        note=note,
        created_at=clock.now(),
    )
    return AuditRepository(uow).add(event)


def list_events(uow: UnitOfWork, workspace_id: int | None, **filters: Any) -> list[AuditEvent]:
    return AuditRepository(uow).search(workspace_id, **filters)
