"""A unit of work builds its ``Session`` only when used; work on the driver alone
(``UnitOfWork.driver_connection``, the ledger's posting path) shares one transaction with a
``Session`` asked for later, commits and rolls back as one, and keeps SQLite's write turn and
busy errors as the ``Session`` path does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from promodesk.kit.db import Database, write_turn_free
from tests.conftest import own_database


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A database of this module's own: its scratch tables stay out of the shared one."""
    folder = tmp_path_factory.mktemp("driver")
    with own_database(request.param, "pd_driver", folder=folder) as database:
        yield database


def _table(db: Database) -> str:
    name = f"t_{uuid.uuid4().hex[:8]}"
    with db.transaction() as uow:
        uow.session.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v INTEGER)"))
    return name


def _mark(db: Database) -> str:
    return "?" if db.dialect == "sqlite" else "%s"


def _values(db: Database, table: str) -> list[int]:
    with db.read() as reader:
        return list(reader.session.execute(text(f"SELECT v FROM {table} ORDER BY id")).scalars())


def test_an_untouched_unit_of_work_takes_no_connection(db: Database) -> None:
    before = db.engine.pool.checkedout()
    with db.transaction() as uow:
        assert db.engine.pool.checkedout() == before
        assert uow.dialect == db.dialect
    assert db.engine.pool.checkedout() == before


def test_driver_work_and_a_later_session_share_one_transaction(db: Database) -> None:
    table, q = _table(db), _mark(db)
    with db.transaction() as uow:
        cursor = uow.driver_connection().cursor()
        cursor.execute(f"INSERT INTO {table} (id, v) VALUES ({q}, {q})", (1, 10))
        # the Session joins the driver's transaction: it sees the uncommitted row
        seen = uow.session.execute(text(f"SELECT v FROM {table}")).scalar_one()
        assert seen == 10
        uow.session.execute(text(f"INSERT INTO {table} (id, v) VALUES (2, 20)"))
        cursor.execute(f"UPDATE {table} SET v = v + 1")
    assert _values(db, table) == [11, 21]
    if db.dialect == "sqlite":
        assert write_turn_free(db.engine)


def _refused(db: Database, table: str, *, with_session: bool) -> None:
    q = _mark(db)
    with db.transaction() as uow:
        uow.driver_connection().cursor().execute(
            f"INSERT INTO {table} (id, v) VALUES ({q}, {q})", (1, 1)
        )
        if with_session:
            uow.session.execute(text(f"INSERT INTO {table} (id, v) VALUES (2, 2)"))
        raise RuntimeError("refused")


def test_a_failure_rolls_back_driver_and_session_work_alike(db: Database) -> None:
    table = _table(db)
    with pytest.raises(RuntimeError):
        _refused(db, table, with_session=True)
    with pytest.raises(RuntimeError):
        _refused(db, table, with_session=False)
    assert _values(db, table) == []
    if db.dialect == "sqlite":
        assert write_turn_free(db.engine)


def test_driver_work_commits_without_a_session_and_begins_again_after(db: Database) -> None:
    table, q = _table(db), _mark(db)
    with db.transaction() as uow:
        uow.driver_connection().cursor().execute(
            f"INSERT INTO {table} (id, v) VALUES ({q}, {q})", (1, 1)
        )
        uow.commit()
        uow.driver_connection().cursor().execute(
            f"INSERT INTO {table} (id, v) VALUES ({q}, {q})", (2, 2)
        )
        uow.rollback()
        uow.driver_connection().cursor().execute(
            f"INSERT INTO {table} (id, v) VALUES ({q}, {q})", (3, 3)
        )
    assert _values(db, table) == [1, 3]


def _take(db: Database) -> None:
    with db.transaction() as uow:
        uow.driver_connection()


def test_a_busy_sqlite_file_is_the_retryable_operational_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    holder, waiter = Database(url), Database(url, lock_timeout=0.2)
    table = _table(holder)
    try:
        with holder.transaction() as uow:
            uow.session.execute(text(f"INSERT INTO {table} (id, v) VALUES (1, 1)"))
            # another process's engine (no shared write turn) finds the file locked
            with pytest.raises(OperationalError):
                _take(waiter)
        assert write_turn_free(waiter.engine)
        assert waiter.engine.pool.checkedout() == 0
    finally:
        holder.dispose()
        waiter.dispose()
