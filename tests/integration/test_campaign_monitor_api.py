"""Monitoring and the retrospective over HTTP: reads for every role, exports, lessons and
action items for operators only (a viewer is refused), Idempotency-Key on the POST."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promodesk.kit import clock
from promodesk.kit.db import Database
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.test_campaign_monitor import NOW, seed_monitor
from tests.integration.test_campaign_retrospective import seed_retro

V = "/api/v1"


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def test_monitor_and_retrospective_over_http(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    ws = new_workspace(db)
    seeded = seed_monitor(db, ws.id)
    retro = seed_retro(db, ws.id)
    viewer = bearer(new_key(db, ws, "viewer"))
    with TestClient(make_app(db, tmp_path)) as client:
        r = client.get(f"{V}/cancellations/{seeded['cancellation']}/monitor", headers=viewer)
        assert r.status_code == 200, r.text
        acct = r.json()["accounts"][0]
        assert acct["others"]["picked_up_minor"] == 150_00
        assert acct["time_zone"] == "Asia/Singapore"

        r = client.get(f"{V}/retrospective", params={"month": "2026-12"}, headers=viewer)
        assert r.status_code == 200, r.text
        assert r.json()["by_reason"] == {"budget": 2, "poor_performance": 2}
        r = client.get(
            f"{V}/retrospective",
            params={"month": "2026-12", "advertiser": retro["y"]},
            headers=viewer,
        )
        assert r.json()["cancellations"] == 1

        r = client.get(f"{V}/retrospective", params={"format": "csv"}, headers=viewer)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert "retrospective-2026-12-01-2026-12-31.csv" in r.headers["content-disposition"]
        r = client.get(f"{V}/retrospective", params={"format": "xlsx"}, headers=viewer)
        assert r.status_code == 200
        assert r.content[:2] == b"PK"

        r = client.get(f"{V}/retrospective", params={"month": "2026-13"}, headers=viewer)
        assert r.status_code == 422
        assert r.json()["field"] == "month"
        r = client.get(f"{V}/retrospective", params={"advertiser": 999_999}, headers=viewer)
        assert r.status_code == 404
        r = client.get(f"{V}/retrospective", params={"format": "pdf"}, headers=viewer)
        assert r.status_code == 422
        r = client.get(
            f"{V}/retrospective",
            params={"period": "custom", "since": "2026-11-15", "until": "2026-12-02"},
            headers=viewer,
        )
        assert r.json()["cancellations"] == 3


def test_lessons_for_operators_only_and_post_is_idempotent(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    ws = new_workspace(db)
    cid = seed_retro(db, ws.id)["c"][0]
    viewer = bearer(new_key(db, ws, "viewer"))
    operator = bearer(new_key(db, ws, "operator"))
    url = f"{V}/cancellations/{cid}"
    with TestClient(make_app(db, tmp_path)) as client:
        body = {
            "lessons": "Test budgets first.",
            "action_items": [{"text": "Cap tests at 50", "owner": "Lin", "due": "2026-12-20"}],
        }
        r = client.put(f"{url}/lessons", json=body, headers=viewer)
        assert r.status_code == 403
        r = client.put(f"{url}/lessons", json=body, headers=operator)
        assert r.status_code == 200, r.text
        assert r.json()["action_items"] == [
            {"text": "Cap tests at 50", "owner": "Lin", "due": "2026-12-20", "done": False}
        ]
        key = {"Idempotency-Key": uuid.uuid4().hex, **operator}
        for _ in range(2):
            r = client.post(f"{url}/action-items", json={"text": "Review weekly"}, headers=key)
            assert r.status_code == 201, r.text
        r = client.get(f"{url}/lessons", headers=viewer)
        assert [i["text"] for i in r.json()["action_items"]] == ["Cap tests at 50", "Review weekly"]
        assert r.json()["lessons"] == "Test budgets first."
        r = client.post(f"{url}/action-items", json={"text": ""}, headers=operator)
        assert r.status_code == 422
        r = client.post(f"{url}/action-items", json={"text": "x"}, headers=viewer)
        assert r.status_code == 403
        r = client.put(
            f"{url}/lessons",
            json={"action_items": [{"text": "x", "due": "soon"}]},
            headers=operator,
        )
        assert r.status_code == 422
