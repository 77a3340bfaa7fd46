"""Rules over HTTP: create (validated, the wrong field named), enable, simulate, the
evaluation log, disable, delete; a viewer reads but does not change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from promodesk.rules.service import evaluation
from promodesk.rules.service import rules as rules_service
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.rules_support import campaigns_with_history, spend_no_results_rule
from tests.integration.test_rules_evaluation import DAY, NOW

V = "/api/v1/rules"


def test_rules_over_http(db: Database, tmp_path: Path) -> None:
    ws = new_workspace(db)
    campaigns_with_history(db, ws.id, DAY, [(1000, 600, 0), (1000, 600, 1)])
    admin = bearer(new_key(db, ws, "admin"))
    viewer = bearer(new_key(db, ws, "viewer"))
    with TestClient(make_app(db, tmp_path)) as client:
        bad = {"name": "x", "definition": {**spend_no_results_rule(), "lookback_days": 0}}
        r = client.post(V, json=bad, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "lookback_days"
        body = {
            "name": "No results",
            "definition": spend_no_results_rule(),
            "schedule": {"kind": "every", "every_minutes": 5},
            "notify_webhooks": ["https://open.feishu.cn/open-apis/bot/v2/hook/abc"],
        }
        assert client.post(V, json=body, headers=viewer).status_code == 403
        r = client.post(V, json=body, headers=admin)
        assert r.status_code == 201, r.text
        rule = r.json()
        assert rule["enabled"] is False
        assert rule["next_due_at"] is None
        assert "webhook_secret" not in r.text

        r = client.post(
            f"{V}/{rule['id']}/simulate", json={"days": 3, "until": "2026-11-20"}, headers=viewer
        )
        assert r.status_code == 200, r.text
        sim = r.json()
        assert [d["acted"] for d in sim["days"]] == [1, 0, 0]  # then paused in the simulation
        assert sim["from"] == "2026-11-18"
        r = client.post(
            f"{V}/simulate",
            json={"definition": spend_no_results_rule(), "days": 1, "until": "2026-11-20"},
            headers=viewer,
        )
        assert r.json()["actions"] == 1

        r = client.post(f"{V}/{rule['id']}/enable", headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["next_due_at"] is not None
        with db.transaction() as uow:
            row = rules_service.get_rule(uow, ws.id, rule["id"])
            made = evaluation.run_rule(uow, row, NOW, NOW)
            assert made is not None
        r = client.get(f"{V}/{rule['id']}/evaluations", headers=viewer)
        (listed,) = r.json()["items"]
        assert (listed["in_scope"], listed["acted"]) == (2, 1)
        r = client.get(f"{V}/evaluations/{listed['id']}", headers=viewer)
        (decision,) = r.json()["decisions"]
        assert decision["values"]["spend_no_results"] == "30.00"
        assert decision["status"] == "pending"

        r = client.delete(f"{V}/{rule['id']}", headers=admin)
        assert r.status_code == 409  # enabled: disable it first
        r = client.patch(f"{V}/{rule['id']}", json={"name": "Renamed"}, headers=admin)
        assert r.json()["name"] == "Renamed"
        assert client.post(f"{V}/{rule['id']}/disable", headers=admin).json()["enabled"] is False
        assert client.get(V, headers=viewer).json()["items"][0]["name"] == "Renamed"
        assert client.delete(f"{V}/{rule['id']}", headers=admin).json() == {
            "id": rule["id"],
            "deleted": True,
        }
        assert client.get(f"{V}/{rule['id']}", headers=viewer).status_code == 404
    assert date.fromisoformat(sim["until"]) == DAY
