"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), workspaces, clock.

Each backend database is created once per test session (once per pytest-xdist worker) and
migrated with Alembic. Tests isolate themselves by creating their own workspace (every query is
workspace-scoped), and the whole session ends with a ledger check over everything the tests
posted. A test that needs a database of its own (a crash, a race, a subprocess) takes one from
``own_database`` or ``own_database_url``: PostgreSQL names are unique, SQLite files live in the
test's temporary folder, so parallel workers never share one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.migrate import upgrade
from promodesk.models import Workspace

TESTS = Path(__file__).resolve().parent

# Markers by folder, so that a selection needs no marker on each test: ``-m "not e2e"`` leaves
# out the browser, ``-m "not slow"`` the reliability suite (hypothesis state machines,
# schemathesis, races, killed workers). ``postgres`` comes with the ``db`` parameter.
FOLDER_MARKERS = {"e2e": ("e2e",), "reliability": ("slow",)}
# Tests elsewhere (node id prefixes) that take more than a few seconds on a two-core machine:
# each starts ``promodesk`` in a subprocess, and so imports the whole product again.
SLOW_TESTS = (
    "tests/integration/test_ledger_check_cli.py::",
    "tests/integration/test_operations_demo.py::test_cli_",
    "tests/integration/test_sandbox_updates.py::test_cli_",
)
# Under pytest-xdist (``--dist loadfile``, see the Makefile) a test module runs whole on one
# worker, in order, and its module-scoped fixtures (servers, databases) start once per module
# as in a serial run. The browser tests and the reliability suite are the longest modules, so
# they are handed out first (``--no-loadscope-reorder`` keeps this order) and the short ones
# fill in at the end. (``xdist_group`` would need ``--dist loadgroup``, which pytest 9.2 breaks:
# xdist 3.8 tags the node id through an attribute pytest no longer reads.)
FIRST_FOLDERS = ("tests/e2e/", "tests/reliability/")


def pytest_itemcollected(item: pytest.Item) -> None:
    """Markers as each test is collected, before ``-m`` selects."""
    path = item.path.resolve()
    if not path.is_relative_to(TESTS):
        return
    for name in FOLDER_MARKERS.get(path.relative_to(TESTS).parts[0], ()):
        item.add_marker(name)
    if item.nodeid.startswith(SLOW_TESTS):
        item.add_marker("slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("dist", "no") != "no":  # stable sort: the rest keep their order
        items.sort(key=lambda item: not item.nodeid.startswith(FIRST_FOLDERS))


PG_ADMIN_URL = os.environ.get(
    "PROMODESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("PROMODESK_REQUIRE_POSTGRES") == "1"


@cache
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


def require_postgres() -> None:
    """Skip the test when PostgreSQL is unreachable; fail it when it is required."""
    if not _pg_available():
        if REQUIRE_PG:
            pytest.fail("PostgreSQL is required (PROMODESK_REQUIRE_POSTGRES=1) but unreachable")
        pytest.skip("PostgreSQL not reachable at " + PG_ADMIN_URL)


@contextmanager
def own_database_url(
    kind: str, prefix: str = "pd_test", *, folder: Path | None = None, migrate: bool = True
) -> Iterator[str]:
    """A database no other test uses: ``kind`` "sqlite" is the file ``{prefix}.db`` in
    ``folder`` (a test's temporary folder), "postgres" a new database named ``{prefix}_…``
    (skipped or failed like ``pg_db`` when the server is away), dropped at the end. Migrated
    with Alembic unless ``migrate`` is false."""
    if kind == "sqlite":
        assert folder is not None, "a SQLite database needs a folder"
        url = f"sqlite:///{folder / (prefix + '.db')}"
    else:
        require_postgres()
        url = create_pg_database(prefix)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        if kind != "sqlite":
            drop_pg_database(url)


@contextmanager
def own_database(
    kind: str, prefix: str = "pd_test", *, folder: Path | None = None, **engine: Any
) -> Iterator[Database]:
    """``own_database_url``, migrated and opened; ``engine`` goes to ``Database`` (pool_size)."""
    with own_database_url(kind, prefix, folder=folder) as url:
        db = Database(url, **engine)
        try:
            yield db
        finally:
            db.dispose()


@pytest.fixture(scope="session", autouse=True)
def _data_dir_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A test that reads the settings without a data folder of its own keeps what the product
    writes there (the generated secret key) in this run's temporary folder, one per xdist
    worker, instead of ``./var`` of the checkout shared by every run and worker."""
    if "PROMODESK_DATA_DIR" in os.environ:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROMODESK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with own_database("sqlite", "promodesk", folder=tmp_path_factory.mktemp("db")) as db:
        yield db
        assert_ledger_clean(db)


def assert_ledger_clean(db: Database) -> None:
    """After every test has moved money in this database, the ledger's invariants hold."""
    from promodesk.ledger.check import check_ledger

    with db.transaction() as uow:
        report = check_ledger(uow)
    assert report.ok, "ledger check failed after the tests:\n" + "\n".join(report.problems())


@pytest.fixture(scope="session")
def pg_db() -> Iterator[Database]:
    with own_database("postgres") as db:
        yield db
        assert_ledger_clean(db)


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
