"""All SQL of the audit log (insert and filtered reads only: no update, no delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from promodesk.kit.db import UnitOfWork
from promodesk.models import AuditEvent


class AuditRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def add(self, event: AuditEvent) -> AuditEvent:
        self.s.add(event)
        return event

    def add_many(self, rows: list[dict[str, Any]]) -> None:
        """One executemany on the session's connection (the ORM bulk path costs ~5x)."""
        if rows:
            self.s.connection().execute(insert(AuditEvent), rows)

    def get(self, workspace_id: int, event_id: int) -> AuditEvent | None:
        return self.s.execute(
            select(AuditEvent).where(
                AuditEvent.id == event_id, AuditEvent.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def search(
        self,
        workspace_id: int | None,
        *,
        action: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[AuditEvent]:
        q = select(AuditEvent)
        if workspace_id is not None:
            q = q.where(AuditEvent.workspace_id == workspace_id)
        if action:
            q = q.where(AuditEvent.action.startswith(action, autoescape=True))
        if object_type:
            q = q.where(AuditEvent.object_type == object_type)
        if object_id:
            q = q.where(AuditEvent.object_id == object_id)
        if actor:
            q = q.where(AuditEvent.actor == actor)
        if since:
            q = q.where(AuditEvent.created_at >= since)
        if until:
            q = q.where(AuditEvent.created_at < until)
        if before_id is not None:
            q = q.where(AuditEvent.id < before_id)
        if after_id is not None:
            q = q.where(AuditEvent.id > after_id).order_by(AuditEvent.id.asc())
            return list(self.s.execute(q.limit(limit)).scalars())
        return list(self.s.execute(q.order_by(AuditEvent.id.desc()).limit(limit)).scalars())
