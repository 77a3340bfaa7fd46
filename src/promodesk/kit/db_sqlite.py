"""SQLite under a server (the rules are ``kit.db``'s): its pragmas, the begin hook that starts
every write transaction with ``BEGIN IMMEDIATE`` after this process's write turn, and the same
begin, commit and hand-back for a unit of work's driver path (``UnitOfWork.driver_connection``)."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

READ_ONLY = "promodesk_read_only"
# A connection whose transaction the driver path began: the begin hook sends no second BEGIN.
DRIVER_BEGUN = "promodesk_driver_begun"


def tune_sqlite(engine: Engine, lock_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    turn = _turns[engine] = WriteTurn(timeout=lock_timeout)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.info.pop(DRIVER_BEGUN, False):
            return  # begun on the driver already (``UnitOfWork.driver_connection``)
        if conn.get_execution_options().get(READ_ONLY):
            # WAL lets readers run beside the writer: no write lock, no turn.
            conn.exec_driver_sql("BEGIN")
            return
        turn.take(conn.info)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turn.give(conn.info)
            raise

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Any) -> None:
        turn.give(conn.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        turn.give(conn.info)

    # A connection returned or dropped without commit or rollback must not keep the turn.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        turn.give(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
        turn.give(record.info)


def write_turn_free(engine: Engine) -> bool:
    """Whether no transaction of this process holds the SQLite write turn (True elsewhere)."""
    turn = _turns.get(engine)
    return turn is None or turn.free()


class WriteTurn:
    """One SQLite transaction at a time per process (see the module rules). Each connection
    remembers in its ``info`` whether it holds the turn, so giving back twice is harmless. If
    the turn cannot be had within ``timeout`` the transaction goes ahead and SQLite's own lock
    decides, as without the semaphore.

    A plain ``Lock`` is the semaphore of one: any thread may release it (the pool's check-in
    can run on another thread than the begin), and unlike ``threading.Semaphore``, written in
    Python over a ``Condition``, it takes and gives in C, twice per transaction."""

    def __init__(self, timeout: float) -> None:
        self._sem = threading.Lock()
        self._timeout = timeout

    def take(self, info: dict[str, Any]) -> None:
        if not info.get("write_turn") and self._sem.acquire(timeout=self._timeout):
            info["write_turn"] = True

    def give(self, info: dict[str, Any]) -> None:
        if info.pop("write_turn", False):
            self._sem.release()

    def free(self) -> bool:
        if not self._sem.acquire(blocking=False):
            return False
        self._sem.release()
        return True


_turns: weakref.WeakKeyDictionary[Engine, WriteTurn] = weakref.WeakKeyDictionary()


def mapped_error(engine: Engine, exc: Exception, statement: str) -> Exception:
    """A driver error as SQLAlchemy raises it (``OperationalError`` for a busy database, which
    the web layer answers with a retryable 503)."""
    dialect = engine.dialect
    return DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error, dialect=dialect)


def write_turn_of(engine: Engine) -> WriteTurn | None:
    """The engine's write turn (None: not SQLite), for a caller that begins and gives back
    many times (``begin_on_driver``, ``give_turn``)."""
    return _turns.get(engine)


def begin_on_driver(engine: Engine, raw: Any, turn: WriteTurn | None) -> None:
    """Begin a transaction on a pooled DBAPI connection as the engine's begin hook does: on
    SQLite the write turn, then ``BEGIN IMMEDIATE``; PostgreSQL's driver begins on its own."""
    if engine.dialect.name != "sqlite":
        return
    if turn is not None:
        turn.take(raw.info)
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as exc:
        give_turn(turn, raw)
        raise mapped_error(engine, exc, "BEGIN IMMEDIATE") from exc
    except BaseException:
        give_turn(turn, raw)
        raise


def give_turn(turn: WriteTurn | None, raw: Any) -> None:
    if turn is not None:
        turn.give(raw.info)
