"""What the batch repository's parts share: the unit of work and its dialect, and plain SQL
over an id list on the driver cursor of the unit of work's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.shop.repository.catalog import IN_CHUNK


def changed_rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class Base:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session
        self.pg = uow.dialect == "postgresql"


@lru_cache(maxsize=64)
def _marks(n: int) -> str:
    return f"IN ({', '.join('?' * n)})"


class Driver:
    """Statements over an id list on the driver cursor: SQLAlchemy's rendering of a long
    ``IN`` list per statement costs more than the database's work on it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.pg = uow.dialect == "postgresql"
        self.mark = "%s" if self.pg else "?"
        self.cursor = uow.driver_connection().cursor()

    def close(self) -> None:
        self.cursor.close()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order, values as their columns store them;
        a JSON value as its text): PostgreSQL by ``COPY``, whose rows psycopg writes in its C
        adapters (a third of ``executemany``'s time for a chunk's rows), SQLite by
        ``executemany``. An iterator is consumed row by row."""
        if self.pg:
            with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )

    def each(
        self, template: str, ids: Sequence[int], head: Sequence[Any] = (), tail: Sequence[Any] = ()
    ) -> Iterator[Any]:
        """Run ``template`` (``{ids}`` for the id list, ``{p}`` per parameter) over ``ids``:
        PostgreSQL takes the whole list as one array, SQLite parts under its variable limit.
        Yields the cursor after each statement."""
        if self.pg:
            self.cursor.execute(template.format(ids="= ANY(%s)", p="%s"), (*head, list(ids), *tail))
            yield self.cursor
            return
        for start in range(0, len(ids), IN_CHUNK):
            part = ids[start : start + IN_CHUNK]
            self.cursor.execute(
                template.format(ids=_marks(len(part)), p="?"), (*head, *part, *tail)
            )
            yield self.cursor

    def changed(
        self, template: str, ids: Sequence[int], head: Sequence[Any] = (), tail: Sequence[Any] = ()
    ) -> int:
        """Run a write over ``ids``; the rows it changed."""
        return sum(int(c.rowcount) for c in self.each(template, ids, head, tail))

    def rows(
        self, template: str, ids: Sequence[int], head: Sequence[Any] = (), tail: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run a read over ``ids``; its rows (plain tuples)."""
        return [r for c in self.each(template, ids, head, tail) for r in c.fetchall()]
