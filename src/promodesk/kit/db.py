"""Database access: engine, sessions and the unit of work.

Rules:
- The entrypoint (API request, console action, CLI command, job handler) owns the transaction:
  it opens one ``UnitOfWork`` and commits once. Services and repositories flush at most.
- SQLite is tuned for a server: WAL, foreign keys on, a busy timeout, ``synchronous=NORMAL``, and
  every transaction starts with ``BEGIN IMMEDIATE`` so that a read that later writes can never
  fail with "database is locked" half-way (writers queue on the busy timeout instead).
- Within one process, SQLite transactions also take turns on a semaphore: SQLite's busy
  handler polls with growing sleeps (up to 100 ms), so a freed lock could sit idle while every
  waiter sleeps; the semaphore hands it to the next thread the moment a transaction ends.
  Other processes still queue on the busy timeout.
- No wait is unbounded: PostgreSQL sessions carry ``lock_timeout`` and ``statement_timeout``,
  SQLite waits at most ``lock_timeout`` for the write turn and for the file lock. A wait that
  runs out raises ``sqlalchemy.exc.OperationalError``; the web layer answers it with a
  retryable 503 and ``Retry-After`` (``DatabaseBusy``), a job handler retries with backoff.
- No database call runs on an event loop's thread: an ``async def`` route or middleware that
  reaches the database would block every other request of the process (and can deadlock
  against a transaction that needs the loop to commit). Every connection checkout, statement
  and commit checks this and raises ``BlockingOnEventLoop`` instead of blocking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from promodesk.kit.db_sqlite import (
    DRIVER_BEGUN,
    READ_ONLY,
    WriteTurn,
    begin_on_driver,
    give_turn,
    mapped_error,
    tune_sqlite,
    write_turn_of,
)
from promodesk.kit.db_sqlite import (
    write_turn_free as write_turn_free,  # part of kit.db's interface
)
from promodesk.kit.errors import Conflict
from promodesk.kit.loopguard import forbid_on_event_loop

if TYPE_CHECKING:
    from promodesk.settings import Settings


# What a bounded wait that ran out (or an unreachable database) raises: nothing was written,
# the same request or job can run again.
BUSY_ERRORS: tuple[type[Exception], ...] = (OperationalError, PoolTimeout)


class IntegrityViolation(Conflict):
    """A unique or foreign-key constraint refused a write inside a savepoint."""


DEFAULT_LOCK_TIMEOUT = 10.0
DEFAULT_STATEMENT_TIMEOUT = 60.0


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> Engine:
    """An engine with bounded waits (seconds; ``statement_timeout`` 0 means none; SQLite has
    no statement timeout, its statements are local)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": lock_timeout},
            pool_size=pool_size,
            max_overflow=20,
            pool_timeout=lock_timeout,
        )
        tune_sqlite(engine, lock_timeout)
        _guard_event_loop(engine)
        return engine
    options = f"-c lock_timeout={int(lock_timeout * 1000)}"
    options += f" -c statement_timeout={int(statement_timeout * 1000)}"
    # No pre-ping (a round trip per transaction); stale connections are recycled instead.
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=20,
        pool_recycle=1800,
        pool_timeout=lock_timeout,
        connect_args={"options": options, "connect_timeout": max(1, int(lock_timeout))},
    )
    _guard_event_loop(engine)
    return engine


def _guard_event_loop(engine: Engine) -> None:
    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        forbid_on_event_loop("a database connection")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(*_: Any) -> None:
        forbid_on_event_loop("a database statement")

    @event.listens_for(engine, "commit")
    def _on_commit(_conn: Any) -> None:
        forbid_on_event_loop("a database commit")


class UnitOfWork:
    """One transaction. Created by an entrypoint; passed down to services and repositories.

    Rules: the ``Session`` is built on first use of ``session``. Work done on the driver alone
    (``driver_connection``, the ledger's posting path) takes a pooled connection and begins the
    transaction on it without building a ``Session``: a ``Session`` asked for later joins that
    same connection and transaction, so both paths always share one transaction."""

    def __init__(self, session: Session | None = None, *, database: Database | None = None) -> None:
        if session is None and database is None:
            raise TypeError("a unit of work needs a session or a database")
        self._session = session
        self._database = database
        self._raw: Any = None  # the pooled DBAPI connection of the driver path
        self._raw_open = False  # a transaction is open on it
        self._bound: Connection | None = None  # the Session's connection over ``_raw``
        self._cursor: Any = None  # ``driver_cursor``'s, and the DBAPI connection it belongs to
        self._cursor_of: Any = None
        self._after_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            db = self._database
            assert db is not None
            if self._raw is None:
                self._session = db.session()
            else:
                # Join the driver path's connection; its transaction is already open, so the
                # begin hook must not send another BEGIN.
                if self._raw_open:
                    self._raw.info[DRIVER_BEGUN] = True
                self._bound = Connection(db.engine, connection=self._raw)
                self._session = db.bound_session(self._bound)
        return self._session

    @property
    def engine(self) -> Engine:
        if self._database is not None:
            return self._database.engine
        bind = self.session.get_bind()
        return bind if isinstance(bind, Engine) else bind.engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def driver_connection(self) -> Any:
        """The DBAPI connection of this transaction, for hot paths that run their statements on
        the driver: the ``Session``'s if one was built, else a pooled connection with the
        transaction begun on it (no ``Session`` built)."""
        if self._session is not None:
            return self._session.connection().connection
        db = self._database
        assert db is not None
        if self._raw is None:
            self._raw = db.engine.raw_connection()
        if not self._raw_open:
            try:
                begin_on_driver(db.engine, self._raw, db.write_turn)
            except BaseException:
                self._close_raw()
                raise
            self._raw_open = True
        return self._raw

    def driver_cursor(self) -> Any:
        """One DBAPI cursor of this transaction's ``driver_connection``, kept for the whole unit
        of work: a posting runs several statements, and a cursor per statement costs more
        than SQLite takes to run a small one."""
        raw = self.driver_connection()
        if raw is not self._cursor_of:
            self._cursor, self._cursor_of = raw.cursor(), raw
        return self._cursor

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()
        elif self._raw_open:
            try:
                self._raw.commit()
            except self.engine.dialect.loaded_dbapi.Error as exc:
                raise mapped_error(self.engine, exc, "COMMIT") from exc
            finally:
                self._raw_open = False
                give_turn(self._turn(), self._raw)
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        elif self._raw_open:
            self._raw_open = False
            try:
                self._raw.rollback()
            finally:
                give_turn(self._turn(), self._raw)
        self._after_commit.clear()

    def _turn(self) -> WriteTurn | None:
        return None if self._database is None else self._database.write_turn

    @property
    def in_transaction(self) -> bool:
        if self._session is not None:
            return self._session.in_transaction()
        return self._raw_open

    def close(self) -> None:
        """Give the connection back (a transaction still open is rolled back)."""
        self._cursor = self._cursor_of = None
        if self._session is not None:
            self._session.close()
        if self._bound is not None:
            # The Session's connection owns the pooled one now: closing it gives that back.
            self._bound.close()
            self._bound = None
            self._raw, self._raw_open = None, False
        self._close_raw()

    def _close_raw(self) -> None:
        raw, self._raw = self._raw, None
        self._raw_open = False
        if raw is not None:
            raw.info.pop(DRIVER_BEGUN, None)
            raw.close()  # back to the pool: reset (rolled back) and the write turn given back

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
    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            lock_timeout=lock_timeout,
            statement_timeout=statement_timeout,
        )
        self.write_turn = write_turn_of(self.engine)  # SQLite's; looked up once, used per commit
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}),
            expire_on_commit=False,
            autoflush=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.database_url,
            lock_timeout=settings.db_lock_timeout_seconds,
            statement_timeout=settings.db_statement_timeout_seconds,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def read(self) -> Iterator[UnitOfWork]:
        """A unit of work that only reads: on SQLite a deferred ``BEGIN`` (no write lock, so it
        does not wait for writers); always rolled back at the end."""
        session = self._readers()
        try:
            yield UnitOfWork(session)
        finally:
            session.rollback()
            session.close()

    def bound_session(self, connection: Connection) -> Session:
        """A ``Session`` on ``connection`` (a unit of work's driver path, see ``UnitOfWork``)."""
        return self._sessions(bind=connection)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Open a unit of work; commit on normal exit, roll back on any exception. Nothing is
        taken from the pool until the work first touches the database."""
        uow = UnitOfWork(database=self)
        try:
            yield uow
            if uow.in_transaction:
                uow.commit()
        except BaseException:
            uow.rollback()
            raise
        finally:
            uow.close()

    def dispose(self) -> None:
        self.engine.dispose()
