"""All SQL of the audit log (insert and filtered reads only: no update, no delete)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from promodesk.kit.db import UnitOfWork
from promodesk.models import AuditEvent

#: the order of a row's values for ``add_many``
ROW_COLUMNS = (
    "workspace_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "note",
    "created_at",
)


def _identity(value: Any) -> Any:
    return value


class AuditRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Session:
        # Taken on use: ``add_many`` runs on the driver path and needs no ``Session``.
        return self.uow.session

    def add(self, event: AuditEvent) -> AuditEvent:
        self.s.add(event)
        return event

    def encoders(self) -> tuple[Callable[[Any], Any], Callable[[datetime], Any]]:
        """(JSON, time) encoders giving the values exactly as the ORM stores them in
        ``before``/``after`` and ``created_at``, so that ``add_many``'s rows read back like
        ``add``'s: JSON text as the column's serializer writes it (``None`` is SQL NULL on
        PostgreSQL, the text ``null`` on SQLite), a time as the column's type binds it."""
        dialect = self.uow.engine.dialect
        table: Table = AuditEvent.__table__  # type: ignore[assignment]
        stamp = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
        if dialect.name == "postgresql":
            # psycopg's own Json adapter writes ``json.dumps``; the text is sent as is.
            return (lambda value: None if value is None else json.dumps(value)), (
                stamp or _identity
            )
        encode = table.c.before.type.dialect_impl(dialect).bind_processor(dialect)
        return (encode or _identity), (stamp or _identity)

    def add_many(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows (tuples in ``ROW_COLUMNS`` order, values from ``encoders``) on the
        driver cursor of the unit of work's transaction: SQLAlchemy's per-row parameter
        processing cost more than the database's work. PostgreSQL by ``COPY`` (psycopg writes
        the rows in its C adapters, a third of ``executemany``'s time), SQLite by
        ``executemany``."""
        if not rows:
            return
        raw = self.uow.driver_connection()
        columns = ", ".join(ROW_COLUMNS)
        cursor = raw.cursor()
        try:
            if self.uow.dialect == "postgresql":
                with cursor.copy(f"COPY audit_events ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join("?" * len(ROW_COLUMNS))
            cursor.executemany(
                f"INSERT INTO audit_events ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )
        finally:
            cursor.close()

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
