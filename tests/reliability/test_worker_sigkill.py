"""A ``promodesk worker`` process is SIGKILLed while it holds jobs mid-batch; after the lease
another worker process finishes them, and every job's effect happened exactly once.

The handler (tests/reliability/job_handlers.py) records each start in a file, so the test can
show that some jobs really started twice (the killed attempt rolled back) and still have one
effect: one ledger entry and one audit event each, and ``promodesk ledger check`` passes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs.repository import JobRepository
from promodesk.ledger import service as ledger
from promodesk.models import AuditEvent, LedgerEntry
from tests.conftest import make_workspace, own_database
from tests.reliability.job_handlers import CRASH_JOB

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
JOBS = 200
HANG_AT = 30  # this job's first attempt blocks until the kill: the worker surely holds it
WAIT_LIMIT = 300.0  # a bound so a broken build fails instead of hanging; not a speed check


@pytest.fixture
def crash_db() -> Iterator[Database]:
    with own_database("postgres", "pd_crash") as db:
        yield db


def _env(db: Database, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PROMODESK_DATABASE_URL": db.url,
        "PROMODESK_DATA_DIR": str(tmp_path),
        "PROMODESK_JOB_LEASE_SECONDS": "2",
        "PROMODESK_JOB_POLL_SECONDS": "0.1",
        "PROMODESK_JOB_MODULES": '["tests.reliability.job_handlers"]',
        "PROMODESK_LOG_LEVEL": "WARNING",
    }


def _worker(db: Database, tmp_path: Path, threads: int, log: str) -> subprocess.Popen[bytes]:
    with open(tmp_path / log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "promodesk.cli", "worker", "--threads", str(threads)],
            cwd=ROOT,
            env=_env(db, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _starts(path: Path) -> Counter[int]:
    if not path.exists():
        return Counter()
    return Counter(int(line.split()[0]) for line in path.read_text().splitlines() if line)


def _wait(condition: object) -> bool:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_sigkilled_worker_loses_no_job_and_doubles_no_effect(
    crash_db: Database, tmp_path: Path
) -> None:
    db = crash_db
    starts_file = tmp_path / "starts.txt"
    ws = make_workspace(db)
    with db.transaction() as uow:
        source = ledger.open_account(uow, ws.id, "crash:source", kind="system", currency="COIN")
        target = ledger.open_account(uow, ws.id, "crash:wallet", kind="wallet", currency="COIN")
        ids = [
            enqueue(
                uow,
                CRASH_JOB,
                {
                    "n": n,
                    "workspace_id": ws.id,
                    "source": source.id,
                    "target": target.id,
                    "starts_file": str(starts_file),
                    "hang": n == HANG_AT,
                },
                workspace_id=ws.id,
            ).id
            for n in range(JOBS)
        ]
    hang_id = ids[HANG_AT]

    def status_counts() -> dict[str, int]:
        with db.transaction() as uow:
            return JobRepository(uow).depth()

    first = _worker(db, tmp_path, 4, "first.log")
    try:
        held = _wait(lambda: hang_id in _starts(starts_file) and len(_starts(starts_file)) > 60)
        assert held, (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = status_counts()
    assert at_kill.get("running", 0) >= 1  # it died holding jobs (at least the hanging one)
    assert at_kill.get("done", 0) < JOBS

    second = _worker(db, tmp_path, 2, "second.log")
    try:
        finished = _wait(lambda: status_counts().get("done", 0) == JOBS)
        assert finished, (status_counts(), (tmp_path / "second.log").read_text())
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    starts = _starts(starts_file)
    assert set(starts) == set(ids)
    assert starts[hang_id] == 2
    ran_twice = [job_id for job_id, n in starts.items() if n > 1]
    assert hang_id in ran_twice
    with db.transaction() as uow:
        entries = uow.session.execute(
            select(LedgerEntry.ref, func.count())
            .where(LedgerEntry.kind == CRASH_JOB, LedgerEntry.workspace_id == ws.id)
            .group_by(LedgerEntry.ref)
        ).all()
        events = uow.session.execute(
            select(AuditEvent.object_id, func.count())
            .where(AuditEvent.action == "crash.effect", AuditEvent.workspace_id == ws.id)
            .group_by(AuditEvent.object_id)
        ).all()
        wallet = ledger.get_account(uow, ws.id, target.id)
        attempts = {j.id: j.attempts for j in JobRepository(uow).search(limit=JOBS + 10)}
    assert sorted(int(ref) for ref, _ in entries) == list(range(JOBS))
    assert {count for _, count in entries} == {1}
    assert sorted(int(obj) for obj, _ in events) == list(range(JOBS))
    assert {count for _, count in events} == {1}  # not idempotent: exactly-once by commit
    assert wallet.balance == JOBS
    assert attempts[hang_id] == 2

    check = subprocess.run(
        [sys.executable, "-m", "promodesk.cli", "ledger", "check"],
        cwd=ROOT,
        env=_env(db, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    print(
        f"\nSIGKILL test: {JOBS} jobs, {len(ran_twice)} started twice, "
        f"{at_kill.get('running', 0)} held by the killed worker, every effect once"
    )
