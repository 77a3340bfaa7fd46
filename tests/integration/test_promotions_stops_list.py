"""The list of stops everywhere over HTTP and the CLI (newest first, cursor pages, filters,
unknown values refused, other workspaces' stops never listed), and a stop's lessons and action
items (PUT notes, POST action-items once per Idempotency-Key, the CLI; audited)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import AuditEvent
from promodesk.promotions.service import stops
from promodesk.promotions.service.stop import preview_stop
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.promotions_support import make_stop, seed, step

URL = "/api/v1/promotions/stops"


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


def _stops(db: Database, ws: int) -> dict[str, int]:
    """Five stops of every kind, oldest first."""
    coins = [{"what": "refund_to_wallet", "minor": 700, "currency": "COIN"}]
    return {
        "old_rule": make_stop(
            db, ws, created_by="rule:7", days_ago=40, steps=[step(channel="shop")]
        ),
        "failed": make_stop(
            db,
            ws,
            reason="wrong_claim",
            days_ago=10,
            steps=[step(1), step(2, channel="shop", status="failed", verified=None)],
        ),
        "restartable": make_stop(
            db,
            ws,
            reason="plan_change",
            days_ago=5,
            steps=[step(channel="tiktok_ads", reversible=True)],
        ),
        "restarted": make_stop(
            db, ws, days_ago=2, steps=[step(channel="tiktok_ads", reversible=True, restarted=True)]
        ),
        "running": make_stop(db, ws, money=coins, steps=[step(status="running", verified=None)]),
    }


def test_api_lists_pages_and_filters(db: Database, tmp_path: Path) -> None:
    ws = new_workspace(db)
    other = new_workspace(db)
    made = _stops(db, ws.id)
    theirs = make_stop(db, other.id)
    key = bearer(new_key(db, ws, "viewer"))  # viewers see the list
    with TestClient(make_app(db, tmp_path)) as client:
        everything = client.get(URL, headers=key)
        newest_first = sorted(made.values(), reverse=True)
        assert _ids(everything) == newest_first
        assert theirs not in _ids(everything)  # another workspace's stop is never listed
        rows = {r["id"]: r for r in everything.json()["items"]}
        running = rows[made["running"]]
        assert running["status"] == "running"
        assert running["planned_money"] == [
            {"what": "refund_to_wallet", "minor": 700, "currency": "COIN"}
        ]
        assert running["verified"] is None
        assert running["verified_steps"] == 0
        failed = rows[made["failed"]]
        assert failed["status"] == "failed"
        assert failed["can_retry"]
        assert not failed["can_restart"]
        assert [(c["channel"], c["status"]) for c in failed["channels"]] == [
            ("promote", "done"),
            ("shop", "failed"),
        ]
        assert rows[made["restartable"]]["can_restart"] is True
        assert rows[made["restarted"]]["status"] == "restarted"
        assert rows[made["restarted"]]["can_restart"] is False
        assert rows[made["old_rule"]]["verified"] is True

        # pages of two: every stop once, in order, and no empty last page
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get(URL, params=params, headers=key)
            seen += _ids(page)
            pages += 1
            cursor = page.json()["next_cursor"]
            if not cursor:
                break
        assert seen == newest_first
        assert pages == 3

        def only(**params: Any) -> list[int]:
            return _ids(client.get(URL, params=params, headers=key))

        assert only(status="failed") == [made["failed"]]
        assert only(status="restarted,running") == [made["running"], made["restarted"]]
        assert only(channel="shop") == [made["failed"], made["old_rule"]]
        assert only(channel="shop", status="done") == [made["old_rule"]]
        assert only(reason=["wrong_claim", "plan_change"]) == [
            made["restartable"],
            made["failed"],
        ]
        assert only(created_by="rule:7") == [made["old_rule"]]
        assert only(created_by="rule:8") == []
        since = (clock.now() - timedelta(days=7)).date().isoformat()
        assert only(created_since=since) == [
            made["running"],
            made["restarted"],
            made["restartable"],
        ]
        assert only(created_until=since) == [made["failed"], made["old_rule"]]
        # a status filter reading many rows still pages by the last row shown
        first = client.get(URL, params={"channel": "tiktok_ads", "limit": 1}, headers=key)
        assert _ids(first) == [made["restarted"]]
        rest = client.get(
            URL,
            params={"channel": "tiktok_ads", "limit": 1, "cursor": first.json()["next_cursor"]},
            headers=key,
        )
        assert _ids(rest) == [made["restartable"]]
        assert rest.json()["next_cursor"] is None

        for params, field in [
            ({"status": "stopped"}, "status"),
            ({"channel": "tiktok"}, "channel"),
            ({"reason": "bored"}, "reason"),
            ({"created_since": "2026-13-01"}, "created_since"),
            ({"created_since": "2026-02-01", "created_until": "2026-01-01"}, "created_until"),
            ({"cursor": "not-a-cursor"}, "cursor"),
        ]:
            bad = client.get(URL, params=params, headers=key)
            assert bad.status_code == 422, (params, bad.text)
            assert bad.json()["field"] == field, bad.json()
            assert bad.json()["detail"]
        named = client.get(URL, params={"status": "stopped"}, headers=key).json()["detail"]
        assert "running, done, failed, restarted" in named


def test_api_notes_and_action_items(db: Database, tmp_path: Path) -> None:
    ws = new_workspace(db)
    s = seed(db, ws.id)
    body = {"refs": [f"promote_order:{s.order}"], "reason": "sold_out"}
    with db.transaction() as uow:
        plan = preview_stop(uow, ws.id, **body)  # type: ignore[arg-type]
        stop_id = stops.confirm_stop(
            uow, ws.id, **body, fingerprint=plan.fingerprint, actor="user:1", role="owner"
        ).id  # type: ignore[arg-type]
    key = bearer(new_key(db, ws, "operator"))
    viewer = bearer(new_key(db, ws, "viewer"))
    notes_url = f"{URL}/{stop_id}/notes"
    with TestClient(make_app(db, tmp_path)) as client:
        listed = client.get(URL, headers=key).json()["items"]
        assert [(r["id"], r["status"], r["lessons"]) for r in listed] == [(stop_id, "done", False)]
        bad = client.put(
            notes_url, json={"action_items": [{"text": "x", "due": "soon"}]}, headers=key
        )
        assert bad.status_code == 422, bad.text
        empty = client.put(notes_url, json={"action_items": [{"text": ""}]}, headers=key)
        assert empty.status_code == 422
        refused = client.put(notes_url, json={"lessons": "no"}, headers=viewer)
        assert refused.status_code == 403
        saved = client.put(notes_url, json={"lessons": "Check stock daily"}, headers=key)
        assert saved.status_code == 200, saved.text
        once = {**key, "Idempotency-Key": "item-1"}
        item = {"text": "Stock alert at 10 units", "owner": "ops", "due": "2026-12-31"}
        first = client.post(f"{URL}/{stop_id}/action-items", json=item, headers=once)
        assert first.status_code == 201, first.text
        again = client.post(f"{URL}/{stop_id}/action-items", json=item, headers=once)
        assert again.json() == first.json()
        got = client.get(notes_url, headers=viewer).json()
        assert got["lessons"] == "Check stock daily"
        assert got["action_items"] == [{**item, "done": False}]  # added once
        assert client.get(URL, headers=key).json()["items"][0]["action_items"] == 1
        missing = client.get(f"{URL}/{stop_id + 1000}/notes", headers=key)
        assert missing.status_code == 404
    with db.read() as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(
                AuditEvent.workspace_id == ws.id, AuditEvent.action == "promotions.stop_notes"
            )
        ).all()
    assert len(events) == 2  # the lessons, then the one action item


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield CliRunner()
    clikit.reset()


def test_cli_lists_and_writes_notes(db: Database, cli: CliRunner) -> None:
    ws = new_workspace(db)
    made = _stops(db, ws.id)
    listed = cli.invoke(app, ["promotions", "stops", "list", "-w", ws.slug, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["id"] for r in json.loads(listed.stdout)["items"]] == sorted(
        made.values(), reverse=True
    )
    failed = cli.invoke(
        app, ["promotions", "stops", "list", "-w", ws.slug, "--status", "failed", "--json"]
    )
    assert [r["id"] for r in json.loads(failed.stdout)["items"]] == [made["failed"]]
    table = cli.invoke(app, ["promotions", "stops", "list", "-w", ws.slug, "--limit", "2"])
    assert table.exit_code == 0, table.output
    assert str(made["running"]) in table.output
    assert "next page: --cursor" in table.output
    bad = cli.invoke(app, ["promotions", "stops", "list", "-w", ws.slug, "--status", "x"])
    assert bad.exit_code == 1
    assert "status" in bad.output
    stop_id = str(made["failed"])
    noted = cli.invoke(
        app,
        [
            *("promotions", "stops", "notes", stop_id, "-w", ws.slug, "--json"),
            *("--lessons", "Ask the shop first"),
            *("--action-item", "Call the shop|Lin|2026-12-20", "--action-item", "Recheck"),
        ],
    )
    assert noted.exit_code == 0, noted.output
    data = json.loads(noted.stdout)
    assert data["lessons"] == "Ask the shop first"
    assert data["action_items"] == [
        {"text": "Call the shop", "owner": "Lin", "due": "2026-12-20", "done": False},
        {"text": "Recheck", "owner": "", "due": None, "done": False},
    ]
    shown = cli.invoke(app, ["promotions", "stops", "notes", stop_id, "-w", ws.slug])
    assert shown.exit_code == 0
    assert "Call the shop · Lin · 2026-12-20" in shown.output
    wrong = cli.invoke(
        app,
        ["promotions", "stops", "notes", stop_id, "-w", ws.slug, "--action-item", "x||someday"],
    )
    assert wrong.exit_code == 1
    assert "someday" in wrong.output
    with db.read() as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(
                AuditEvent.workspace_id == ws.id, AuditEvent.action == "promotions.stop_notes"
            )
        ).all()
    assert len(events) == 1
