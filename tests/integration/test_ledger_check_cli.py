"""``promodesk ledger check`` as a user runs it (a subprocess with PROMODESK_DATABASE_URL), on a
fresh database of each kind: exit 0 when clean, exit 1 with a report once deliberately broken.
The corruption happens only in these private databases, never in the shared test databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from promodesk.kit.db import Database
from promodesk.ledger import service as ledger
from tests.conftest import make_workspace, own_database

PROMODESK = [sys.executable, "-c", "from promodesk.cli import main; main()"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    prefix = "check" if request.param == "sqlite" else "pd_ledger_check"
    with own_database(request.param, prefix, folder=tmp_path) as db:
        yield db


def run_check(db: Database, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROMODESK_DATABASE_URL": db.url, "PROMODESK_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [*PROMODESK, "ledger", "check", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def seed(db: Database) -> tuple[int, int, int]:
    ws = make_workspace(db)
    with db.transaction() as uow:
        src = ledger.open_account(uow, ws.id, "src", kind="system", currency="COIN")
        wallet = ledger.open_account(uow, ws.id, "wallet", kind="wallet", currency="COIN")
        escrow = ledger.open_escrow(uow, ws.id, "escrow", "COIN")
        ledger.move(uow, ws.id, "fund", "f", src.id, wallet.id, 100)
        hold = ledger.hold(uow, ws.id, "o", escrow.id, [(wallet.id, 40)])
    return wallet.id, escrow.id, hold.entry_id


def test_clean_ledger_exits_zero(fresh: Database, tmp_path: Path) -> None:
    seed(fresh)
    result = run_check(fresh, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ledger ok" in result.stdout
    data = json.loads(run_check(fresh, tmp_path, "--json").stdout)
    assert data == {"ok": True, "accounts": 3, "entries": 2, "lines": 4, "problems": []}


def test_corrupted_ledger_exits_one_with_a_report(fresh: Database, tmp_path: Path) -> None:
    wallet, escrow, hold_entry = seed(fresh)
    with fresh.engine.begin() as conn:
        # A cached balance that no longer matches its lines, below its floor too...
        conn.execute(text("UPDATE ledger_accounts SET balance = -7 WHERE id = :id"), {"id": wallet})
        # ...and an entry whose lines no longer sum to zero.
        conn.execute(
            text("UPDATE ledger_lines SET amount = 41 WHERE entry_id = :e AND account_id = :a"),
            {"e": hold_entry, "a": escrow},
        )
    result = run_check(fresh, tmp_path)
    assert result.returncode == 1
    report = result.stderr
    assert "ledger check failed" in report
    assert f"entry {hold_entry} does not balance in COIN: off by 1" in report
    assert f"account {wallet} (wallet) caches -7 but its lines sum to 60" in report
    assert f"account {escrow} (escrow) caches 40 but its lines sum to 41" in report
    assert f"account {wallet} (wallet) holds -7, below its floor 0" in report
    data = json.loads(run_check(fresh, tmp_path, "--json").stdout)
    assert data["ok"] is False
    assert len(data["problems"]) == 4
