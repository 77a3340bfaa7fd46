"""``promodesk tiktok cancel-monitor``, ``retrospective`` (with ``--export``) and
``cancel-lessons`` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.audit import service as audit
from promodesk.cli import app
from promodesk.kit import clock
from promodesk.kit.db import Database
from tests.api_support import new_workspace
from tests.integration.test_campaign_monitor import NOW, seed_monitor
from tests.integration.test_campaign_retrospective import seed_retro


@pytest.fixture
def cli(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield CliRunner()
    clock.set_clock(previous)
    clikit.reset()


def test_monitor_and_retrospective_commands(db: Database, cli: CliRunner, tmp_path: Path) -> None:
    ws = new_workspace(db)
    cid = seed_monitor(db, ws.id)["cancellation"]
    seed_retro(db, ws.id)
    w = ["--workspace", ws.slug]
    r = cli.invoke(app, ["tiktok", "cancel-monitor", str(cid), *w, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["accounts"][0]["others"]["picked_up_minor"] == 150_00
    r = cli.invoke(app, ["tiktok", "cancel-monitor", str(cid), *w])
    assert r.exit_code == 0, r.output
    assert "Asia/Singapore" in r.stdout
    assert "other campaigns" in r.stdout
    r = cli.invoke(app, ["tiktok", "retrospective", *w, "--month", "2026-12", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["by_reason"] == {"budget": 2, "poor_performance": 2}
    r = cli.invoke(app, ["tiktok", "retrospective", *w])
    assert r.exit_code == 0, r.output
    assert "budget 2" in r.stdout
    out = tmp_path / "retro.xlsx"
    r = cli.invoke(app, ["tiktok", "retrospective", *w, "--export", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:2] == b"PK"
    csv_out = tmp_path / "retro.csv"
    r = cli.invoke(
        app,
        [
            "tiktok",
            "retrospective",
            *w,
            "--since",
            "2026-12-01",
            "--until",
            "2026-12-02",
            "--export",
            str(csv_out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert len(csv_out.read_text(encoding="utf-8").strip().splitlines()) == 3  # header + 2
    r = cli.invoke(app, ["tiktok", "retrospective", *w, "--month", "2026-13"])
    assert r.exit_code != 0
    assert "month" in r.output
    r = cli.invoke(app, ["tiktok", "retrospective", *w, "--export", str(tmp_path / "x.pdf")])
    assert r.exit_code != 0


def test_cancel_lessons_command(db: Database, cli: CliRunner) -> None:
    ws = new_workspace(db)
    cid = seed_retro(db, ws.id)["c"][0]
    base = ["tiktok", "cancel-lessons", str(cid), "--workspace", ws.slug]
    r = cli.invoke(
        app,
        [
            *base,
            "--lessons",
            "Test first.",
            "--action-item",
            "Cap tests|Lin|2026-12-20",
            "--action-item",
            "Weekly review",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["lessons"] == "Test first."
    assert body["action_items"][0] == {
        "text": "Cap tests",
        "owner": "Lin",
        "due": "2026-12-20",
        "done": False,
    }
    r = cli.invoke(app, [*base, "--done", "2"])
    assert r.exit_code == 0, r.output
    assert "2. [x] Weekly review" in r.stdout
    r = cli.invoke(app, [*base, "--done", "5"])
    assert r.exit_code != 0
    r = cli.invoke(app, [*base, "--action-item", "x|Lin|soon"])
    assert r.exit_code != 0
    with db.read() as uow:
        events = audit.list_events(uow, ws.id, action="campaigns.cancellation_notes")
        assert {e.actor for e in events} == {"cli"}
        assert len(events) == 2
