"""``POST /api/v1/campaigns/{id}/status`` and ``/budget`` over a live server and the sandbox:
the change, the roles, error bodies for invalid input, refusals and a revoked token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from promodesk.kit.db import Database
from tests.api_support import bearer, live_server, make_app, new_key, new_workspace
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def test_change_status_and_budget_over_http(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    with wired(sb):
        workspace = new_workspace(db)
        s = imported(db, sb, workspace=workspace)
        operator = bearer(new_key(db, workspace, "operator"))
        viewer = bearer(new_key(db, workspace, "viewer"))
        cid = pick(sb, modes=("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"))
        campaign = row(db, s.account_id, cid)
        unlimited = row(db, s.account_id, pick(sb, modes=("BUDGET_MODE_INFINITE",)))
        deleted = row(db, s.account_id, pick(sb, deleted=True))
        with live_server(make_app(db, tmp_path)) as base:
            url = f"{base}/api/v1/campaigns"

            denied = httpx.post(
                f"{url}/{campaign.id}/status", json={"status": "DISABLE"}, headers=viewer
            )
            assert denied.status_code == 403, denied.text
            assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"

            done = httpx.post(
                f"{url}/{campaign.id}/status", json={"status": "DISABLE"}, headers=operator
            )
            assert done.status_code == 200, done.text
            assert done.json()["operation_status"] == "DISABLE"
            assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"
            read = httpx.get(f"{url}/{campaign.id}", headers=viewer).json()
            assert read["secondary_status"] == "CAMPAIGN_STATUS_DISABLE"

            budget = httpx.post(
                f"{url}/{campaign.id}/budget", json={"budget": "75.25"}, headers=operator
            )
            assert budget.status_code == 200, budget.text
            assert budget.json()["budget_minor"] == 7525

            for body, field in (
                ({"status": "PAUSE"}, "status"),
                ({"budget": "1.234"}, "budget"),
                ({"budget": 12.5}, "budget"),
            ):
                kind = "status" if "status" in body else "budget"
                bad = httpx.post(f"{url}/{campaign.id}/{kind}", json=body, headers=operator)
                assert bad.status_code == 422, (body, bad.text)
                assert field in bad.text

            refused = httpx.post(
                f"{url}/{unlimited.id}/budget", json={"budget": "100"}, headers=operator
            )
            assert refused.status_code == 409
            assert refused.json()["reason"] == "budget_unlimited"
            gone = httpx.post(
                f"{url}/{deleted.id}/status", json={"status": "ENABLE"}, headers=operator
            )
            assert gone.status_code == 409
            assert gone.json()["reason"] == "campaign_deleted"
            tiktok = httpx.post(
                f"{url}/{campaign.id}/budget", json={"budget": "1"}, headers=operator
            )
            assert tiktok.status_code == 409
            assert tiktok.json()["error"] == "TikTokRefused"
            assert tiktok.json()["tiktok_code"] == 40002
            missing = httpx.post(
                f"{url}/424242424242/status", json={"status": "ENABLE"}, headers=operator
            )
            assert missing.status_code == 404


def test_revoked_token_answers_409_and_asks_to_reauthorize(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    with wired(sb):
        token = sb.access_token()
        workspace = new_workspace(db)
        s = imported(db, sb, token, workspace=workspace)
        key = bearer(new_key(db, workspace, "operator"))
        campaign = row(db, s.account_id, pick(sb))
        httpx.post(
            sb.api("oauth2/revoke_token/"),
            json={"app_id": sb.app_id, "secret": sb.secret, "access_token": token},
        )
        with live_server(make_app(db, tmp_path)) as base:
            url = f"{base}/api/v1/campaigns/{campaign.id}/status"
            answer = httpx.post(url, json={"status": "DISABLE"}, headers=key)
            assert answer.status_code == 409, answer.text
            assert answer.json()["error"] == "AuthorizationRevoked"
            assert answer.json()["reason"] == "authorization_revoked"
            grants = httpx.get(f"{base}/api/v1/tiktok/authorizations", headers=key).json()
            assert [g["status"] for g in grants] == ["revoked"]
