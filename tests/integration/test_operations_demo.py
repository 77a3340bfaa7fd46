"""The ``demo.count`` operation run by a real worker, and ``promodesk operations`` (CLI in a
subprocess), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.jobs.worker import Worker
from promodesk.operations import service as operations
from promodesk.operations.jobs import DEMO_JOB, start_demo_operation
from tests.conftest import make_workspace
from tests.integration.jobs_handlers import own_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def jdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from own_database(request.param, tmp_path_factory)


def cli(db: Database, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PROMODESK_DATABASE_URL": db.url,
        "PROMODESK_DATA_DIR": str(tmp_path),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "promodesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_counts_step_by_step_in_one_job(jdb: Database) -> None:
    ws = make_workspace(jdb)
    with jdb.transaction() as uow:
        op_id = start_demo_operation(uow, ws.id, total=7, fail_every=3, delay_ms=0).id
    Worker(jdb).run_until_idle()
    with jdb.transaction() as uow:
        op = operations.get(uow, ws.id, op_id)
        assert (op.state, op.total, op.done, op.failed) == ("partial", 7, 5, 2)
        assert [e["item"] for e in op.errors] == [3, 6]
        assert op.result == {"counted": 7}
        steps = JobRepository(uow).search(name=DEMO_JOB, workspace_id=ws.id)
        assert [(j.status, j.payload["item"]) for j in steps] == [("done", 7)]


def test_cancelled_demo_stops(jdb: Database) -> None:
    ws = make_workspace(jdb)
    with jdb.transaction() as uow:
        op_id = start_demo_operation(uow, ws.id, total=50, delay_ms=0).id
    worker = Worker(jdb)
    worker.run_once()
    worker.run_once()
    with jdb.transaction() as uow:
        operations.cancel(uow, ws.id, op_id)
    worker.run_until_idle()
    with jdb.transaction() as uow:
        op = operations.get(uow, ws.id, op_id)
    assert op.state == "cancelled"
    assert 1 <= op.done < 50


def test_demo_refuses_bad_sizes(jdb: Database) -> None:
    ws = make_workspace(jdb)
    with jdb.transaction() as uow, pytest.raises(ValidationFailed):
        start_demo_operation(uow, ws.id, total=0)


def test_cli_follows_a_live_operation_to_its_end(jdb: Database, tmp_path: Path) -> None:
    ws = make_workspace(jdb)
    with jdb.transaction() as uow:
        op_id = start_demo_operation(uow, ws.id, total=12, fail_every=4, delay_ms=50).id
    worker = Worker(jdb, poll_seconds=0.05)
    worker.start()
    try:
        followed = cli(jdb, tmp_path, "operations", "show", str(op_id), "--follow")
    finally:
        worker.stop()
    assert followed.returncode == 1, followed.stderr  # partial: not everything succeeded
    assert "12/12" in followed.stdout
    assert "3 failed" in followed.stdout
    assert "partial" in followed.stdout

    shown = cli(jdb, tmp_path, "operations", "show", str(op_id), "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["state"], data["done"], data["failed"], data["percent"]) == (
        "partial",
        9,
        3,
        100.0,
    )
    listed = cli(jdb, tmp_path, "operations", "list", "--workspace", ws.slug, "--json")
    assert [o["id"] for o in json.loads(listed.stdout)] == [op_id]
    missing = cli(jdb, tmp_path, "operations", "show", "987654")
    assert missing.returncode == 1
    assert "NotFound" in missing.stderr


def test_cli_jobs_list_retry_and_demo(jdb: Database, tmp_path: Path) -> None:
    ws = make_workspace(jdb)
    started = cli(
        jdb,
        tmp_path,
        "operations",
        "demo",
        "-w",
        ws.slug,
        "--total",
        "3",
        "--delay-ms",
        "0",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    op_id = json.loads(started.stdout)["id"]
    Worker(jdb).run_until_idle()
    with jdb.transaction() as uow:
        assert operations.get(uow, ws.id, op_id).state == "succeeded"
        job = JobRepository(uow).search(name=DEMO_JOB, workspace_id=ws.id)[0]
    listed = cli(jdb, tmp_path, "jobs", "list", "-w", ws.slug, "--status", "done", "--json")
    assert [j["id"] for j in json.loads(listed.stdout)] == [job.id]
    retried = cli(jdb, tmp_path, "jobs", "retry", str(job.id))
    assert retried.returncode == 0
    assert "queued again" in retried.stdout
    again = cli(jdb, tmp_path, "jobs", "retry", str(job.id))
    assert again.returncode == 1
    assert "Conflict" in again.stderr
    cancelled = cli(jdb, tmp_path, "jobs", "cancel", str(job.id))
    assert cancelled.returncode == 0, cancelled.stderr
