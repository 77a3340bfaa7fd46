"""All SQL of the notification outbox. Every read is scoped to a workspace."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select, update

from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.models import OutboxEmail, OutboxWebhook

Row = TypeVar("Row", OutboxEmail, OutboxWebhook)


class NotifyRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    # writes -----------------------------------------------------------------------------------
    def add(self, row: Row) -> Row | None:
        """Insert ``row``; None when its idempotency key already exists (nothing written)."""
        try:
            with self.uow.savepoint():
                self.s.add(row)
                self.s.flush()
        except IntegrityViolation:
            return None
        return row

    def set_status(
        self,
        model: type[OutboxEmail] | type[OutboxWebhook],
        row_id: int,
        expected: str,
        values: dict[str, Any],
    ) -> bool:
        """Compare-and-set: change the row only while it still has status ``expected``."""
        result = self.s.execute(
            update(model)
            .where(model.id == row_id, model.status == expected)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        changed = getattr(result, "rowcount", 0) == 1
        if changed:
            row = self.s.get(model, row_id)
            if row is not None:
                self.s.refresh(row)
        return changed

    # reads ------------------------------------------------------------------------------------
    def email_by_key(self, workspace_id: int, kind: str, ref: str) -> OutboxEmail | None:
        return self.s.scalars(
            select(OutboxEmail).where(
                OutboxEmail.workspace_id == workspace_id,
                OutboxEmail.kind == kind,
                OutboxEmail.ref == ref,
            )
        ).first()

    def webhook_by_key(
        self, workspace_id: int, event: str, ref: str, url_hash: str
    ) -> OutboxWebhook | None:
        return self.s.scalars(
            select(OutboxWebhook).where(
                OutboxWebhook.workspace_id == workspace_id,
                OutboxWebhook.event == event,
                OutboxWebhook.ref == ref,
                OutboxWebhook.url_hash == url_hash,
            )
        ).first()

    def get(self, model: type[Row], row_id: int, workspace_id: int | None) -> Row | None:
        """One row by id; with ``workspace_id`` None only for the worker (ids come from jobs)."""
        row = self.s.get(model, row_id)
        if row is None or (workspace_id is not None and row.workspace_id != workspace_id):
            return None
        return row

    def emails(
        self,
        workspace_id: int,
        *,
        kind: str | None = None,
        ref: str | None = None,
        status: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[OutboxEmail]:
        stmt = select(OutboxEmail).where(OutboxEmail.workspace_id == workspace_id)
        if kind:
            stmt = stmt.where(OutboxEmail.kind == kind)
        if ref:
            stmt = stmt.where(OutboxEmail.ref == ref)
        if status:
            stmt = stmt.where(OutboxEmail.status == status)
        if before_id is not None:
            stmt = stmt.where(OutboxEmail.id < before_id)
        return list(self.s.scalars(stmt.order_by(OutboxEmail.id.desc()).limit(limit)))

    def webhooks(
        self,
        workspace_id: int,
        *,
        event: str | None = None,
        ref: str | None = None,
        status: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[OutboxWebhook]:
        stmt = select(OutboxWebhook).where(OutboxWebhook.workspace_id == workspace_id)
        if event:
            stmt = stmt.where(OutboxWebhook.event == event)
        if ref:
            stmt = stmt.where(OutboxWebhook.ref == ref)
        if status:
            stmt = stmt.where(OutboxWebhook.status == status)
        if before_id is not None:
            stmt = stmt.where(OutboxWebhook.id < before_id)
        return list(self.s.scalars(stmt.order_by(OutboxWebhook.id.desc()).limit(limit)))
