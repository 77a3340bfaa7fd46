"""``promodesk tiktok budget|reallocate|reallocation|bc-transfer`` through Typer's runner
against the sandbox, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.campaigns.service import freed
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from tests.integration.budget_support import sandbox_budget, setup
from tests.integration.campaign_changes_support import fresh_sandbox, row
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


def test_budget_reallocate_and_transfer_commands(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = setup(db, sb, pool_minor=100_00)
        key = freed.key_of(s.pool)
        before = row(db, s.account_id, s.tiktok_ids[0]).budget_minor

        result = runner.invoke(cli, ["tiktok", "budget", "-w", s.slug, "--json"])
        assert result.exit_code == 0, result.output
        view = json.loads(result.stdout)
        assert view["pools"][0]["key"] == key
        assert view["pools"][0]["balance_minor"] == 100_00
        result = runner.invoke(cli, ["tiktok", "budget", "-w", s.slug, "--no-balances"])
        assert result.exit_code == 0, result.output
        assert key in result.stdout

        result = runner.invoke(cli, ["tiktok", "budget", "-w", s.slug, "--client", "999999"])
        assert result.exit_code == 1
        assert "client account 999999 not found" in result.output

        realloc = ["tiktok", "reallocate", "-w", s.slug, "--pool", key]
        # without --yes and without a terminal answer, nothing changes
        result = runner.invoke(cli, [*realloc, "--to", f"{s.campaigns[0]}=40"], input="n\n")
        assert result.exit_code == 1
        assert "Pool: 100.00 USD → 60.00 USD" in result.stdout
        assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before

        result = runner.invoke(cli, [*realloc, "--to", f"{s.campaigns[0]}=40", "--yes", "--json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert out["status"] == "done"
        assert out["items"][0]["verified"] is True
        assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before + 40_00

        result = runner.invoke(cli, [*realloc, "--to", f"{s.campaigns[1]}=60.01", "--yes"])
        assert result.exit_code == 1
        assert "only 60.00 USD left in the pool" in result.output

        result = runner.invoke(cli, [*realloc, "--to", "oops", "--yes"])
        assert result.exit_code == 1
        assert "CAMPAIGN_ID=AMOUNT" in result.output

        result = runner.invoke(cli, ["tiktok", "reallocation", str(out["id"]), "-w", s.slug])
        assert result.exit_code == 0, result.output
        assert f"Reallocation {out['id']}: done" in result.stdout

        result = runner.invoke(
            cli,
            [
                "tiktok",
                "bc-transfer",
                "-w",
                s.slug,
                "--from",
                str(s.account_id),
                "--to",
                str(s.account_id),
                "--amount",
                "1",
                "--yes",
            ],
        )
        assert result.exit_code == 1
        assert "NoBusinessCenter" in result.output
