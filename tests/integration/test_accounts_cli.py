"""``promodesk tiktok import|accounts|sync`` through Typer's runner against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from promodesk.kit.progress import COUNTING, RUNNING_CAP, Snapshot, Tracker
from tests.conftest import make_workspace
from tests.integration.tiktok_sync_support import expected, wired
from tests.sandbox_support import SandboxHandle, running_sandbox

runner = CliRunner()


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=2, campaigns=15, adgroups=25, ads=35, audiences=3, qps=1000, qpm=100000
    ) as handle:
        yield handle


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def test_import_and_sync_with_progress(db: Database, sb: SandboxHandle) -> None:
    workspace = make_workspace(db)
    with wired(sb, page_size=10):
        token = sb.access_token()
        result = runner.invoke(
            cli, ["tiktok", "import", "-w", workspace.slug, "--token", token, "--json"]
        )
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)["added"]) == 2
        result = runner.invoke(
            cli,
            [
                "tiktok",
                "sync",
                "-w",
                workspace.slug,
                "--json",
                "--pages-per-step",
                "2",
                "--workers",
                "2",
            ],
        )
        assert result.exit_code == 0, result.output
        runs = json.loads(result.stdout[result.stdout.index("[") :])
        assert {r["status"] for r in runs} == {"succeeded"}
        seen = {r["ad_account_id"]: r["counts"] for r in runs}
        for counts in seen.values():
            assert counts["campaigns"]["seen"] == expected(sb, 0)["campaigns"][0]
        table = runner.invoke(cli, ["tiktok", "accounts", "-w", workspace.slug, "--json"])
        assert table.exit_code == 0
        assert sb.advertiser_ids[0] in {a["advertiser_id"] for a in json.loads(table.stdout)}
    missing = runner.invoke(cli, ["tiktok", "sync", "-w", "no-such-workspace"])
    assert missing.exit_code == 1


def test_sync_bar_counts_until_every_total_is_known_and_never_goes_back(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[float | None, str]] = []
    original = Tracker.draw

    def spy(self: Tracker, snap: Snapshot) -> float | None:
        figure = original(self, snap)
        drawn.append((figure, str(self.progress.tasks[0].fields["counts"])))
        return figure

    monkeypatch.setattr(Tracker, "draw", spy)
    workspace = make_workspace(db)
    with wired(sb, page_size=10):
        token = sb.access_token()
        runner.invoke(cli, ["tiktok", "import", "-w", workspace.slug, "--token", token, "--json"])
        # One ad account at a time: while the second has not started, its size is unknown.
        result = runner.invoke(
            cli, ["tiktok", "sync", "-w", workspace.slug, "--pages-per-step", "1", "--workers", "1"]
        )
    assert result.exit_code == 0, result.output
    assert drawn[0][0] is None
    assert COUNTING in drawn[0][1]
    assert any(figure is not None for figure, _ in drawn[:-1])  # a real bar before the end
    figures = [f for f, _ in drawn if f is not None]
    assert figures == sorted(figures)
    assert figures[-1] == 100.0
    assert all(f <= RUNNING_CAP for f in figures[:-1])
