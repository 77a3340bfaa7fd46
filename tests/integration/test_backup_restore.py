"""``promodesk backup`` and ``promodesk restore`` as the production guide runs them, on SQLite and
PostgreSQL: a database with money in it is backed up, restored into a fresh database, migrated,
and its ledger checks clean with the same entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import own_database_url

ROOT = Path(__file__).resolve().parents[2]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def cli(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PROMODESK_DATABASE_URL": url,
        "PROMODESK_DATA_DIR": str(data_dir),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "promodesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def ledger(url: str, data_dir: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads(ok(cli(url, data_dir, "ledger", "check", "--json")))
    return report


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_backup_restores_into_a_fresh_database_with_its_money(kind: str, tmp_path: Path) -> None:
    with (
        own_database_url(kind, "pd_backup_src", folder=tmp_path) as source,
        own_database_url(kind, "pd_backup_dst", folder=tmp_path, migrate=False) as target,
    ):
        ok(cli(source, tmp_path, "demo"))
        before = ledger(source, tmp_path)
        assert before["ok"] is True
        assert isinstance(before["entries"], int)
        assert before["entries"] > 0

        file = tmp_path / "backups" / "promodesk.backup"
        assert "backup written" in ok(cli(source, tmp_path, "backup", str(file)))
        again = cli(source, tmp_path, "backup", str(file))
        assert again.returncode == 1
        assert "never overwrites" in again.stderr
        assert not list(file.parent.glob("*.partial"))

        assert "restored" in ok(cli(target, tmp_path, "restore", str(file)))
        assert "up to date" in ok(cli(target, tmp_path, "migrate"))
        after = ledger(target, tmp_path)
        assert after == before

        # A restore never merges into a database that holds data.
        twice = cli(target, tmp_path, "restore", str(file))
        assert twice.returncode == 1
        assert "already holds tables" in twice.stderr


def test_a_file_that_is_not_a_backup_is_refused_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = cli(url, tmp_path, "restore", str(junk))
    assert done.returncode == 1
    assert "is not a promodesk backup" in done.stderr
    missing = cli(url, tmp_path, "restore", str(tmp_path / "missing.backup"))
    assert missing.returncode == 1
    assert "no backup file" in missing.stderr
    assert not (tmp_path / "fresh.db").exists()


@pytest.mark.postgres
def test_a_sqlite_backup_is_not_restored_into_postgresql(tmp_path: Path) -> None:
    with (
        own_database_url("sqlite", "pd_backup_lite", folder=tmp_path) as source,
        own_database_url("postgres", "pd_backup_pg", migrate=False) as target,
    ):
        file = tmp_path / "lite.backup"
        ok(cli(source, tmp_path, "backup", str(file)))
        done = cli(target, tmp_path, "restore", str(file))
        assert done.returncode == 1
        assert "is a sqlite backup" in done.stderr
