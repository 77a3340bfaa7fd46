"""All SQL of operations.

Several workers may report on one operation at once, so counters move by atomic increments
(``done = done + :n``) and errors are appended in the database, never read-modify-written from a
stale copy. Final states are set by compare-and-set: a finished operation never changes again.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, case, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from promodesk.kit.db import UnitOfWork
from promodesk.models import Operation
from promodesk.operations.domain import FINAL_STATES, MAX_ERRORS_KEPT, OperationState

_FINAL = [str(s) for s in FINAL_STATES]


class OperationRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s: Session = uow.session

    def add(self, op: Operation) -> Operation:
        self.s.add(op)
        self.s.flush()
        return op

    def get(self, workspace_id: int, op_id: int) -> Operation | None:
        return self.s.execute(
            select(Operation)
            .where(Operation.id == op_id, Operation.workspace_id == workspace_id)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def get_any(self, op_id: int, *, lock: bool = False) -> Operation | None:
        """By id across workspaces: for workers (the id came from a job) and the server CLI."""
        q = select(Operation).where(Operation.id == op_id)
        if lock and self.uow.dialect == "postgresql":
            q = q.with_for_update()
        return self.s.execute(q.execution_options(populate_existing=True)).scalar_one_or_none()

    def search(
        self,
        workspace_id: int | None,
        *,
        before_id: int | None = None,
        limit: int = 50,
        state: str | None = None,
        kind: str | None = None,
    ) -> list[Operation]:
        q = select(Operation)
        if workspace_id is not None:
            q = q.where(Operation.workspace_id == workspace_id)
        if before_id is not None:
            q = q.where(Operation.id < before_id)
        if state:
            q = q.where(Operation.state == state)
        if kind:
            q = q.where(Operation.kind == kind)
        return list(self.s.execute(q.order_by(Operation.id.desc()).limit(limit)).scalars())

    def _running_unless_final(self) -> Any:
        return case(
            (Operation.state.in_(_FINAL), Operation.state), else_=literal(OperationState.RUNNING)
        )

    def set_total(self, op_id: int, total: int, now: datetime) -> None:
        self.s.execute(
            update(Operation)
            .where(Operation.id == op_id)
            .values(total=total, state=self._running_unless_final(), updated_at=now)
            .execution_options(synchronize_session=False)
        )

    def add_total(self, op_id: int, more: int, now: datetime) -> None:
        self.s.execute(
            update(Operation)
            .where(Operation.id == op_id)
            .values(total=Operation.total + more, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    def bump(
        self,
        op_id: int,
        done: int,
        failed: int,
        now: datetime,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        """Atomic increments, so that parallel workers can report on one operation."""
        values: dict[str, Any] = {
            "done": Operation.done + done,
            "failed": Operation.failed + failed,
            "state": self._running_unless_final(),
            "updated_at": now,
        }
        if errors and self.uow.dialect == "postgresql":
            appended = cast(
                cast(Operation.errors, JSONB).op("||")(
                    cast(literal(json.dumps(errors), String), JSONB)
                ),
                JSON,
            )
            values["errors"] = case(
                (func.json_array_length(Operation.errors) < MAX_ERRORS_KEPT, appended),
                else_=Operation.errors,
            )
        self.s.execute(
            update(Operation)
            .where(Operation.id == op_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if errors and self.uow.dialect != "postgresql":
            # SQLite transactions hold the write lock from their first statement (BEGIN
            # IMMEDIATE), so this read-modify-write cannot interleave with another writer.
            current = self.s.execute(
                select(Operation.errors).where(Operation.id == op_id)
            ).scalar_one_or_none()
            kept = list(current or [])
            if len(kept) < MAX_ERRORS_KEPT:
                self.s.execute(
                    update(Operation)
                    .where(Operation.id == op_id)
                    .values(errors=kept + errors)
                    .execution_options(synchronize_session=False)
                )

    def set_final(
        self,
        op_id: int,
        state: str,
        now: datetime,
        result: dict[str, Any] | None = None,
    ) -> bool:
        """Compare-and-set into a final state; False when it already was final."""
        values: dict[str, Any] = {"state": state, "finished_at": now, "updated_at": now}
        if result is not None:
            values["result"] = result
        outcome = self.s.execute(
            update(Operation)
            .where(Operation.id == op_id, Operation.state.not_in(_FINAL))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(outcome.rowcount) == 1  # type: ignore[attr-defined]
