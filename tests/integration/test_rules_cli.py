"""``promodesk rules …`` on SQLite and PostgreSQL: create from a JSON file, simulate, enable,
queue the due evaluations, read the log; a bad definition prints one line and exits 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app
from promodesk.kit import clock
from promodesk.kit.db import Database
from tests.api_support import new_workspace
from tests.integration.rules_support import campaigns_with_history, spend_no_results_rule
from tests.integration.test_rules_evaluation import DAY, NOW


@pytest.fixture
def cli(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    previous = clock.set_clock(clock.FrozenClock(NOW))
    yield CliRunner()
    clock.set_clock(previous)
    clikit.reset()


def test_rules_commands(db: Database, cli: CliRunner, tmp_path: Path) -> None:
    ws = new_workspace(db)
    campaigns_with_history(db, ws.id, DAY, [(1000, 600, 0), (1000, 600, 1)])
    w = ["--workspace", ws.slug]
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(spend_no_results_rule()))
    r = cli.invoke(
        app,
        ["rules", "create", "--name", "No results", "-d", f"@{path}", "--every", "1", *w, "--json"],
    )
    assert r.exit_code == 0, r.output
    rule = json.loads(r.stdout)
    assert rule["schedule"]["every_minutes"] == 1

    r = cli.invoke(
        app,
        [
            "rules",
            "simulate",
            str(rule["id"]),
            "--days",
            "1",
            "--until",
            DAY.isoformat(),
            *w,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["actions"] == 1
    r = cli.invoke(app, ["rules", "simulate", str(rule["id"]), "--days", "3", *w])
    assert r.exit_code == 0, r.output
    assert "action(s)" in r.stdout

    r = cli.invoke(app, ["rules", "enable", str(rule["id"]), *w, "--json"])
    assert json.loads(r.stdout)["next_due_at"] == "2026-11-20T04:01:00Z"
    clock.set_clock(clock.FrozenClock(NOW.replace(minute=2)))
    r = cli.invoke(app, ["rules", "run-due", *w])
    assert "1 rule(s) due" in r.stdout
    r = cli.invoke(app, ["rules", "list", *w])
    assert "No results" in r.stdout

    bad = cli.invoke(app, ["rules", "create", "--name", "x", "-d", '{"scope": {}}', *w])
    assert bad.exit_code == 1
    assert "is not a channel" in bad.output
