"""``promodesk tiktok campaign-status|campaign-budget`` through Typer's runner against the
sandbox, on both databases: the change with ``--json`` and as text, refusals as one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle

runner = CliRunner()


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def test_campaign_status_and_budget_commands(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb, modes=("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"))
        campaign = row(db, s.account_id, cid)
        tiktok = ["tiktok", "campaign-status", str(campaign.id)]

        result = runner.invoke(cli, [*tiktok, "DISABLE", "-w", s.slug, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["operation_status"] == "DISABLE"
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"

        result = runner.invoke(cli, [*tiktok, "enable", "-w", s.slug])
        assert result.exit_code == 0, result.output
        assert "ENABLE" in result.stdout
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"

        budget = ["tiktok", "campaign-budget", str(campaign.id)]
        result = runner.invoke(cli, [*budget, "99.90", "-w", s.slug, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["budget_minor"] == 9990
        result = runner.invoke(cli, [*budget, "120", "-w", s.slug])
        assert result.exit_code == 0, result.output
        assert "120.00 USD" in result.stdout

        for args in (
            [*tiktok, "PAUSE"],
            [*budget, "1.001"],
            [*budget, "1"],  # below TikTok's minimum
            ["tiktok", "campaign-status", "424242424242", "ENABLE"],
        ):
            result = runner.invoke(cli, [*args, "-w", s.slug])
            assert result.exit_code == 1, (args, result.output)
            assert "Traceback" not in result.output

        deleted = row(db, s.account_id, pick(sb, deleted=True))
        result = runner.invoke(
            cli, ["tiktok", "campaign-status", str(deleted.id), "ENABLE", "-w", s.slug]
        )
        assert result.exit_code == 1
        assert "deleted" in result.output
