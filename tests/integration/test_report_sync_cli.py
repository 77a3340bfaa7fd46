"""``promodesk tiktok reports-sync`` through Typer's runner against the sandbox, on both
databases: handed to the worker, driven here with ``--wait``, refusals as one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.accounts.service import imports
from promodesk.cli import app as cli
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Workspace
from tests.conftest import make_workspace
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

runner = CliRunner()


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=4,
        adgroups=6,
        ads=9,
        audiences=0,
        epoch=clock.now() - timedelta(days=20),
        rate_limit=False,
    ) as handle:
        yield handle


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def _imported(db: Database, sb: SandboxHandle) -> tuple[Workspace, int]:
    workspace = make_workspace(db)
    with db.transaction() as uow:
        result = imports.import_token(uow, workspace.id, sb.access_token(), sb.advertiser_ids)
        return workspace, result.accounts[0].id


def test_reports_sync_enqueues_then_runs_here(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        workspace, account_id = _imported(db, sb)
        command = ["tiktok", "reports-sync", str(account_id), "-w", workspace.slug]

        queued = runner.invoke(cli, [*command, "--json"])
        assert queued.exit_code == 0, queued.output
        state = json.loads(queued.stdout)
        assert state["operation"]["state"] in ("pending", "running")
        assert state["last_day"] is None

        waited = runner.invoke(cli, [*command, "--wait", "--json"])
        assert waited.exit_code == 0, waited.output
        done = json.loads(waited.stdout)
        assert done["operation"]["id"] == state["operation"]["id"]  # the open sync, driven here
        assert done["operation"]["state"] == "succeeded"
        assert done["rows"]["campaign_day"] > 0
        assert done["rows"]["ad_hour"] > 0

        text = runner.invoke(cli, [*command, "--wait"])
        assert text.exit_code == 0, text.output
        words = " ".join(text.stdout.split())  # the console wraps long lines
        assert "final through" in words
        assert "campaign day rows" in words


def test_reports_sync_refuses_an_unknown_account(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        workspace, _ = _imported(db, sb)
        result = runner.invoke(cli, ["tiktok", "reports-sync", "987654321", "-w", workspace.slug])
        assert result.exit_code == 1
        assert "not found" in result.output
        assert "Traceback" not in result.output
