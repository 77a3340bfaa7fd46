"""Operations: total, done, failed, state, errors. Rendered as a progress bar everywhere.

How a handler reports long work::

    op = operations.start(uow, workspace_id, "campaigns.batch_cancel", title="Cancel 40 ads")
    operations.set_total(uow, op, 40)                      # once the size is known
    operations.progress(uow, op, done=1)                   # per item (or per chunk)
    operations.progress(uow, op, failed=1, errors=[{"item": "ad 7", "error": "..."}])
    operations.finish(uow, op)                             # succeeded / failed / partial

Rules:
- Counters are atomic increments in the database, so several workers can report on one
  operation; ``progress(..., finish_when_complete=True)`` lets whichever reporter brings
  ``done + failed`` to ``total`` finish it, exactly once.
- Report progress at the end of a step, in the step's unit of work: the counts then commit
  with the step's effects, and the operation row is locked only briefly.
- A final state never changes; ``finish`` on a finished operation is a no-op returning False.
  ``cancel`` asks the work to stop; handlers check ``is_cancelled`` between steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import Operation
from promodesk.operations.domain import (
    FINAL_STATES,
    MAX_ERRORS_KEPT,
    OPERATION,
    OperationState,
    bar_percent,
    final_state,
    is_complete,
    parse_final,
    percent,
    total_known,
)
from promodesk.operations.repository import OperationRepository

__all__ = [
    "FINAL_STATES",
    "MAX_ERRORS_KEPT",
    "as_dict",
    "cancel",
    "combined",
    "finish",
    "get",
    "get_unscoped",
    "is_cancelled",
    "list_ops",
    "progress",
    "set_total",
    "start",
]

OpRef = Operation | int


def _id(op: OpRef) -> int:
    return op if isinstance(op, int) else op.id


def start(
    uow: UnitOfWork,
    workspace_id: int,
    kind: str,
    *,
    title: str = "",
    total: int = 0,
    created_by: str = "",
) -> Operation:
    """Create the record (``pending``; ``running`` once a total or progress is reported)."""
    if total < 0:
        raise ValidationFailed("total cannot be negative", field="total")
    now = clock.now()
    return OperationRepository(uow).add(
        Operation(
            workspace_id=workspace_id,
            kind=kind,
            title=title[:300],
            total=total,
            done=0,
            failed=0,
            state=OperationState.PENDING,
            errors=[],
            result={},
            created_by=created_by[:200],
            created_at=now,
            updated_at=now,
        )
    )


def get(uow: UnitOfWork, workspace_id: int, op_id: int) -> Operation:
    op = OperationRepository(uow).get(workspace_id, op_id)
    if op is None:
        raise NotFound(f"operation {op_id} not found")
    return op


def get_unscoped(uow: UnitOfWork, op_id: int) -> Operation:
    """By id in any workspace: for job handlers (the id is in their payload) and the server
    CLI. Never for a client request."""
    op = OperationRepository(uow).get_any(op_id)
    if op is None:
        raise NotFound(f"operation {op_id} not found")
    return op


def list_ops(uow: UnitOfWork, workspace_id: int | None, **kw: Any) -> list[Operation]:
    """Newest first; ``workspace_id=None`` lists every workspace (server CLI only)."""
    return OperationRepository(uow).search(workspace_id, **kw)


def set_total(uow: UnitOfWork, op: OpRef, total: int) -> Operation:
    if total < 0:
        raise ValidationFailed("total cannot be negative", field="total")
    repo = OperationRepository(uow)
    repo.set_total(_id(op), total, clock.now())
    return _reload(repo, op)


def add_total(uow: UnitOfWork, op: OpRef, more: int) -> Operation:
    """Grow the total as work is discovered (e.g. page by page)."""
    repo = OperationRepository(uow)
    repo.add_total(_id(op), more, clock.now())
    return _reload(repo, op)


def progress(
    uow: UnitOfWork,
    op: OpRef,
    *,
    done: int = 0,
    failed: int = 0,
    errors: list[dict[str, Any]] | None = None,
    finish_when_complete: bool = False,
) -> Operation:
    """Count finished and failed items (and keep up to ``MAX_ERRORS_KEPT`` error records)."""
    if done < 0 or failed < 0:
        raise ValidationFailed("progress counts cannot be negative")
    repo = OperationRepository(uow)
    repo.bump(_id(op), done, failed, clock.now(), errors=list(errors or []))
    fresh = _reload(repo, op)
    if finish_when_complete and is_complete(fresh.total, fresh.done, fresh.failed):
        finish(uow, fresh)
    return fresh


def finish(
    uow: UnitOfWork,
    op: OpRef,
    *,
    state: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Move to a final state (derived from the counts unless given). False if it already was
    final (another worker finished or someone cancelled it)."""
    repo = OperationRepository(uow)
    current = repo.get_any(_id(op), lock=True)
    if current is None:
        raise NotFound(f"operation {_id(op)} not found")
    if current.state in FINAL_STATES:
        return False
    target = parse_final(state) if state else final_state(current.done, current.failed)
    OPERATION.transition(current.state, target)
    changed = repo.set_final(current.id, target, clock.now(), result)
    _reload(repo, current)
    return changed


def cancel(uow: UnitOfWork, workspace_id: int, op_id: int) -> Operation:
    """Ask an unfinished operation to stop (409 ``InvalidTransition`` if it already ended)."""
    repo = OperationRepository(uow)
    op = get(uow, workspace_id, op_id)
    OPERATION.transition(op.state, OperationState.CANCELLED)
    repo.set_final(op.id, OperationState.CANCELLED, clock.now())
    return _reload(repo, op)


def is_cancelled(uow: UnitOfWork, op: OpRef) -> bool:
    current = OperationRepository(uow).get_any(_id(op))
    return current is None or current.state == OperationState.CANCELLED


def _reload(repo: OperationRepository, op: OpRef) -> Operation:
    fresh = repo.get_any(_id(op))
    if fresh is None:
        raise NotFound(f"operation {_id(op)} not found")
    return fresh


def as_dict(op: Operation) -> dict[str, Any]:
    """The operation for the API and the console. ``percent`` is the plain ratio of the
    counts; ``total_known`` says whether ``total`` can be shown as the whole work yet (a sync
    may still grow it) and ``bar_percent`` is what a progress bar shows (100 only once final)."""
    known = total_known(op.total, op.done, op.failed, op.state)
    return {
        "id": op.id,
        "workspace_id": op.workspace_id,
        "kind": op.kind,
        "title": op.title,
        "state": op.state,
        "total": op.total,
        "done": op.done,
        "failed": op.failed,
        "percent": percent(op.total, op.done, op.failed, op.state),
        "total_known": known,
        "bar_percent": bar_percent(op.total, op.done, op.failed, op.state, known),
        "errors": list(op.errors or [])[:50],
        "result": op.result or {},
        "created_by": op.created_by,
        "created_at": op.created_at.isoformat(),
        "updated_at": op.updated_at.isoformat(),
        "finished_at": op.finished_at.isoformat() if op.finished_at else None,
    }


def combined(ops: Sequence[Operation]) -> dict[str, Any]:
    """Several operations as one figure (a sync of many ad accounts under one bar): summed
    counts; ``total_known`` once every one's total is; ``final`` once every one is final."""
    return {
        "total": sum(o.total for o in ops),
        "done": sum(o.done for o in ops),
        "failed": sum(o.failed for o in ops),
        "total_known": all(total_known(o.total, o.done, o.failed, o.state) for o in ops),
        "final": all(o.state in FINAL_STATES for o in ops),
    }
