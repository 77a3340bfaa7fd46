"""``/api/v1/cancellations`` over the app and the sandbox: preview, create with an
Idempotency-Key (a replay cancels nothing twice), viewers read but cannot act, clear refusals,
list with filters and cursor, retry, undo."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.cancel_support import cancel_env, drain, imported, live_campaigns
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

__all__ = ["cancel_env"]


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=10,
        adgroups=12,
        ads=16,
        audiences=0,
        deleted_percent=0,
        rate_limit=False,
        stop_delay_seconds=0,
    ) as handle:
        yield handle


def test_cancellations_over_http(
    db: Database, tmp_path: Path, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace = new_workspace(db)
        workspace_id, accounts = imported(db, sb, workspace)
        operator = bearer(new_key(db, workspace, "operator"))
        viewer = bearer(new_key(db, workspace, "viewer"))
        rows = live_campaigns(db, accounts[0], 3)
        client = TestClient(make_app(db, tmp_path))
        url = "/api/v1/cancellations"
        body = {
            "level": "campaign",
            "tiktok_ids": [r.campaign_id for r in rows],
            "action": "pause",
        }

        shown = client.post(f"{url}/preview", json=body, headers=viewer)
        assert shown.status_code == 200, shown.text
        assert [i["row_id"] for i in shown.json()["items"]] == [r.id for r in rows]
        assert shown.json()["reversible"] is True

        denied = client.post(url, json={**body, "reason_code": "budget"}, headers=viewer)
        assert denied.status_code == 403, denied.text

        no_reason = client.post(url, json=body, headers=operator)
        assert no_reason.status_code == 422, no_reason.text
        assert no_reason.json()["field"] == "reason_code"
        bad = client.post(url, json={**body, "reason_code": "bored"}, headers=operator)
        assert bad.status_code == 422
        assert "reason_code is one of" in bad.json()["detail"]
        other = client.post(url, json={**body, "reason_code": "other"}, headers=operator)
        assert other.json()["field"] == "note"
        unknown = client.post(
            f"{url}/preview", json={**body, "tiktok_ids": ["123"]}, headers=operator
        )
        assert unknown.status_code == 404

        key = {**operator, "Idempotency-Key": uuid.uuid4().hex}
        made = client.post(url, json={**body, "reason_code": "budget"}, headers=key)
        assert made.status_code == 201, made.text
        again = client.post(url, json={**body, "reason_code": "budget"}, headers=key)
        assert again.status_code == 201
        assert again.json()["id"] == made.json()["id"]
        cancellation_id = made.json()["id"]
        assert made.json()["item_count"] == 3
        assert made.json()["operation"]["total"] == 3

        drain(db, workspace_id)
        read = client.get(f"{url}/{cancellation_id}", headers=viewer).json()
        assert read["status"] == "done"
        assert read["verification"] == {"verified": 3}
        listed = client.get(url, params={"limit": 1}, headers=viewer).json()
        assert [c["id"] for c in listed["items"]] == [cancellation_id]
        assert listed["next_cursor"] is None
        filtered = client.get(url, params={"reason_code": "strategy_change"}, headers=viewer)
        assert filtered.json()["items"] == []
        wrong = client.get(url, params={"status": "finished"}, headers=viewer)
        assert wrong.status_code == 422

        nothing = client.post(f"{url}/{cancellation_id}/retry", headers=operator)
        assert nothing.status_code == 409
        item_id = read["items"][0]["id"]
        denied_undo = client.post(f"{url}/{cancellation_id}/items/{item_id}/undo", headers=viewer)
        assert denied_undo.status_code == 403
        undone = client.post(f"{url}/{cancellation_id}/items/{item_id}/undo", headers=operator)
        assert undone.status_code == 200, undone.text
        assert undone.json()["undone_at"]
        twice = client.post(f"{url}/{cancellation_id}/items/{item_id}/undo", headers=operator)
        assert twice.status_code == 409
        assert twice.json()["reason"] == "already_undone"
        recreate = client.post(
            f"{url}/{cancellation_id}/items/{item_id}/recreate", headers=operator
        )
        assert recreate.status_code == 409
        missing = client.post(f"{url}/{cancellation_id}/items/999999999/undo", headers=operator)
        assert missing.status_code == 404
