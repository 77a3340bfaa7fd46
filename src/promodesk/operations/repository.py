"""All SQL of operations."""

from __future__ import annotations

from sqlalchemy import select, update

from promodesk.kit.db import UnitOfWork
from promodesk.models import Operation


class OperationRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def add(self, op: Operation) -> Operation:
        self.s.add(op)
        self.s.flush()
        return op

    def get(self, workspace_id: int, op_id: int) -> Operation | None:
        return self.s.execute(
            select(Operation).where(Operation.id == op_id, Operation.workspace_id == workspace_id)
        ).scalar_one_or_none()

    def search(
        self, workspace_id: int, *, before_id: int | None = None, limit: int = 50
    ) -> list[Operation]:
        q = select(Operation).where(Operation.workspace_id == workspace_id)
        if before_id is not None:
            q = q.where(Operation.id < before_id)
        return list(self.s.execute(q.order_by(Operation.id.desc()).limit(limit)).scalars())

    def bump(self, op_id: int, done: int, failed: int) -> None:
        """Atomic increments, so that parallel workers can report on one operation."""
        self.s.execute(
            update(Operation)
            .where(Operation.id == op_id)
            .values(done=Operation.done + done, failed=Operation.failed + failed, state="running")
        )
