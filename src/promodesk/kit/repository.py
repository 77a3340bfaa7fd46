"""The pieces every repository writes the same way: a scoped get by id, an add, and a
compare-and-set update.

Rules:
- Every read is scoped to the caller's workspace: an object of another workspace is "not found",
  exactly like a missing one.
- A status change is a compare-and-set: ``UPDATE … WHERE id = ? AND workspace_id = ? AND status
  IN (sources)``; it returns whether this caller won (one winner per race, on both databases).
- ``lock=True`` reads ``FOR UPDATE`` on PostgreSQL; SQLite serialises writers by itself.
- Exactly-once inserts keyed by a unique constraint use ``dialect_insert(…)
  .on_conflict_do_nothing(…)``: no savepoint, and the same outcome on both databases (on
  PostgreSQL a concurrent insert of the same key waits for the other transaction, then adds
  nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from promodesk.kit.db import UnitOfWork

M = TypeVar("M")


def dialect_insert(uow: UnitOfWork, table: Table) -> Any:
    """The database's own ``INSERT`` of ``table`` (it has ``on_conflict_do_nothing``)."""
    return (postgresql.insert if uow.dialect == "postgresql" else sqlite.insert)(table)


class Repository(Generic[M]):
    """Subclass with ``model = SomeTable`` (a mapped class with ``id`` and ``workspace_id``)."""

    model: ClassVar[type[Any]]

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session
        self.pg = uow.dialect == "postgresql"

    def add(self, obj: M) -> M:
        self.s.add(obj)
        self.s.flush()
        return obj

    def get(self, workspace_id: int, object_id: int, *, lock: bool = False) -> M | None:
        """The workspace's object with this id, or None (also for another workspace's)."""
        m = self.model
        q = select(m).where(m.id == object_id, m.workspace_id == workspace_id)
        if lock and self.pg:
            q = q.with_for_update()
        row: M | None = self.s.execute(
            q.execution_options(populate_existing=True)
        ).scalar_one_or_none()
        return row

    def compare_and_set(
        self,
        workspace_id: int,
        object_id: int,
        sources: Iterable[str],
        *,
        column: str = "status",
        **values: Any,
    ) -> bool:
        """Set ``values`` only while ``column`` is one of ``sources``; True if this call won."""
        m = self.model
        result = self.s.execute(
            update(m)
            .where(
                m.id == object_id,
                m.workspace_id == workspace_id,
                getattr(m, column).in_([str(s) for s in sources]),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1
