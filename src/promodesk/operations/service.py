"""Operations: total, done, failed, state, errors. Rendered as a progress bar everywhere.

States: pending → running → succeeded | failed | partial (some items failed) | cancelled.
"""

from __future__ import annotations

from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import Operation
from promodesk.operations.repository import OperationRepository

MAX_ERRORS_KEPT = 500
FINAL_STATES = frozenset({"succeeded", "failed", "partial", "cancelled"})


def start(
    uow: UnitOfWork,
    workspace_id: int,
    kind: str,
    *,
    title: str = "",
    total: int = 0,
    created_by: str = "",
) -> Operation:
    now = clock.now()
    return OperationRepository(uow).add(
        Operation(
            workspace_id=workspace_id,
            kind=kind,
            title=title,
            total=total,
            done=0,
            failed=0,
            state="pending",
            errors=[],
            result={},
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    )


def get(uow: UnitOfWork, workspace_id: int, op_id: int) -> Operation:
    op = OperationRepository(uow).get(workspace_id, op_id)
    if op is None:
        raise NotFound(f"operation {op_id} not found")
    return op


def list_ops(uow: UnitOfWork, workspace_id: int, **kw: Any) -> list[Operation]:
    return OperationRepository(uow).search(workspace_id, **kw)


def set_total(uow: UnitOfWork, op: Operation, total: int) -> None:
    op.total = total
    op.state = "running"
    op.updated_at = clock.now()
    uow.flush()


def progress(
    uow: UnitOfWork,
    op: Operation,
    *,
    done: int = 0,
    failed: int = 0,
    errors: list[dict[str, Any]] | None = None,
) -> None:
    op.done += done
    op.failed += failed
    if errors:
        op.errors = (list(op.errors) + errors)[:MAX_ERRORS_KEPT]
    op.state = "running"
    op.updated_at = clock.now()
    uow.flush()


def finish(
    uow: UnitOfWork,
    op: Operation,
    *,
    state: str | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    if state is None:
        state = "succeeded" if op.failed == 0 else ("failed" if op.done == 0 else "partial")
    op.state = state
    if result is not None:
        op.result = result
    op.finished_at = op.updated_at = clock.now()
    uow.flush()


def as_dict(op: Operation) -> dict[str, Any]:
    pct = (
        100.0
        if op.total == 0 and op.state in FINAL_STATES
        else (0.0 if op.total == 0 else round(100.0 * (op.done + op.failed) / op.total, 1))
    )
    return {
        "id": op.id,
        "kind": op.kind,
        "title": op.title,
        "state": op.state,
        "total": op.total,
        "done": op.done,
        "failed": op.failed,
        "percent": min(pct, 100.0),
        "errors": list(op.errors)[:50],
        "result": op.result,
        "created_at": op.created_at.isoformat(),
        "updated_at": op.updated_at.isoformat(),
        "finished_at": op.finished_at.isoformat() if op.finished_at else None,
    }
