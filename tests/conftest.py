"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), workspaces, clock.

Each backend database is created once per test session and migrated with Alembic. Tests
isolate themselves by creating their own workspace (every query is workspace-scoped), and the
whole session ends with a ledger check over everything the tests posted.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.migrate import upgrade
from promodesk.models import Workspace

PG_ADMIN_URL = os.environ.get(
    "PROMODESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("PROMODESK_REQUIRE_POSTGRES") == "1"


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:
        return False


def create_pg_database(prefix: str = "pd_test") -> str:
    """Create a fresh PostgreSQL database and return its SQLAlchemy URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("db") / "promodesk.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    yield db
    assert_ledger_clean(db)
    db.dispose()


def assert_ledger_clean(db: Database) -> None:
    """After every test has moved money in this database, the ledger's invariants hold."""
    from promodesk.ledger.check import check_ledger

    with db.transaction() as uow:
        report = check_ledger(uow)
    assert report.ok, "ledger check failed after the tests:\n" + "\n".join(report.problems())


@pytest.fixture(scope="session")
def pg_db() -> Iterator[Database]:
    if not _pg_available():
        if REQUIRE_PG:
            pytest.fail("PostgreSQL is required (PROMODESK_REQUIRE_POSTGRES=1) but unreachable")
        pytest.skip("PostgreSQL not reachable at " + PG_ADMIN_URL)
    url = create_pg_database()
    upgrade(url)
    db = Database(url)
    yield db
    try:
        assert_ledger_clean(db)
    finally:
        db.dispose()
        drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_db" if request.param == "sqlite" else "pg_db"
    database: Database = request.getfixturevalue(name)
    return database


def make_workspace(db: Database, slug: str | None = None) -> Workspace:
    with db.transaction() as uow:
        ws = Workspace(slug=slug or f"ws-{uuid.uuid4().hex[:10]}", name="Test workspace")
        uow.session.add(ws)
        uow.flush()
        return ws


@pytest.fixture
def workspace(db: Database) -> Workspace:
    return make_workspace(db)


@pytest.fixture
def uow(db: Database) -> Iterator[UnitOfWork]:
    with db.transaction() as unit:
        yield unit
