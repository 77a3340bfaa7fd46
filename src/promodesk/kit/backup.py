"""Backups of the whole database, and their restore into an empty one.

- SQLite: SQLite's online backup (``sqlite3.Connection.backup``): a consistent copy taken while
  the server runs, never a file copy that could catch a half-written page.
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot, compressed), restored with
  ``pg_restore``. The PostgreSQL client programs of the server's major version must be on the
  ``PATH``.

A restore goes only into a database with no tables: it never merges a backup into live data,
and it never overwrites. After it, ``promodesk migrate`` brings an older backup up to date and
``promodesk ledger check`` proves the money in it.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from promodesk.kit.errors import Conflict, ServiceUnavailable, ValidationFailed

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    backend: str  # "sqlite" or "postgresql"
    size: int


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ValidationFailed(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL client programs take it (no ``+driver``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValidationFailed("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ServiceUnavailable(
            f"{name} is not installed: install the PostgreSQL client programs of your server's "
            "version (Debian: postgresql-client)"
        )
    return found


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise ServiceUnavailable(f"{Path(args[0]).name} failed: {' '.join(message[-3:])}")


def backup(url: str, target: Path) -> BackupFile:
    """Write a consistent backup of the database at ``url`` to ``target`` (not overwritten)."""
    backend = backend_of(url)
    if target.exists():
        raise Conflict(f"{target} exists: choose a new file name (a backup never overwrites)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if backend == "sqlite":
            source = _sqlite_path(url)
            if not source.exists():
                raise ValidationFailed(f"no SQLite database at {source}")
            _sqlite_copy(source, partial)
        else:
            _run(
                [
                    _program("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={partial}",
                    f"--dbname={libpq_url(url)}",
                ]
            )
        # Renamed only once complete: a backup file that exists is a whole backup.
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupFile(path=target, backend=backend, size=target.stat().st_size)


def backup_kind(path: Path) -> str:
    """Which backend wrote the backup at ``path``, from its first bytes."""
    if not path.is_file():
        raise ValidationFailed(f"no backup file at {path}")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise ValidationFailed(f"{path} is not a promodesk backup (neither SQLite nor pg_dump custom)")


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def restore(url: str, source: Path) -> BackupFile:
    """Restore the backup at ``source`` into the empty database at ``url``."""
    backend = backend_of(url)
    kind = backup_kind(source)
    if kind != backend:
        raise ValidationFailed(
            f"{source} is a {kind} backup: restore it into a {kind} database, not {backend}"
        )
    if backend == "sqlite":
        target = _sqlite_path(url)
        if target.exists() and _tables(url):
            raise Conflict(f"{target} already holds tables: restore into a new, empty database")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    else:
        if _tables(url):
            raise Conflict("the database already holds tables: restore into a new, empty one")
        _run(
            [
                _program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={libpq_url(url)}",
                str(source),
            ]
        )
    return BackupFile(path=source, backend=backend, size=source.stat().st_size)
