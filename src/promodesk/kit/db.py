"""Database access: engine, sessions and the unit of work.

Rules:
- The entrypoint (API request, console action, CLI command, job handler) owns the transaction:
  it opens one ``UnitOfWork`` and commits once. Services and repositories flush at most.
- SQLite is tuned for a server: WAL, foreign keys on, a busy timeout, ``synchronous=NORMAL``, and
  every transaction starts with ``BEGIN IMMEDIATE`` so that a read that later writes can never
  fail with "database is locked" half-way (writers queue on the busy timeout instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from promodesk.kit.errors import Conflict


class IntegrityViolation(Conflict):
    """A unique or foreign-key constraint refused a write inside a savepoint."""


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=20,
        )
        _tune_sqlite(engine)
        return engine
    # No pre-ping (a round trip per transaction); stale connections are recycled instead.
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=20, pool_recycle=1800)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class UnitOfWork:
    """One transaction. Created by an entrypoint; passed down to services and repositories."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_commit: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        bind = self.session.get_bind()
        return bind.dialect.name

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction; a constraint violation inside it becomes ``IntegrityViolation``
        and rolls back only the savepoint."""
        try:
            with self.session.begin_nested():
                yield
        except IntegrityError as exc:
            raise IntegrityViolation("the change conflicts with existing data") from exc

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after the transaction commits (e.g. wake the worker)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Open a unit of work; commit on normal exit, roll back on any exception."""
        session = self._sessions()
        uow = UnitOfWork(session)
        try:
            yield uow
            if session.in_transaction():
                uow.commit()
        except BaseException:
            uow.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
