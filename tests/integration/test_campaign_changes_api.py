"""``POST /api/v1/campaigns/{id}/status`` and ``/budget`` over a live server and the sandbox:
the change, the roles, error bodies for invalid input, refusals and a revoked token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from tests.api_support import (
    JSON,
    RAW,
    bearer,
    json_text,
    live_server,
    make_app,
    new_key,
    new_workspace,
)
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle

# A loaded machine can take seconds for a fresh server's first answer: a generous bound, not a
# speed check (httpx's default is 5 s).
http = httpx.Client(timeout=60)


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

            denied = http.post(
                f"{url}/{campaign.id}/status", json={"status": "DISABLE"}, headers=viewer
            )
            assert denied.status_code == 403, denied.text
            assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"

            done = http.post(
                f"{url}/{campaign.id}/status", json={"status": "DISABLE"}, headers=operator
            )
            assert done.status_code == 200, done.text
            assert done.json()["operation_status"] == "DISABLE"
            assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"
            read = http.get(f"{url}/{campaign.id}", headers=viewer).json()
            assert read["secondary_status"] == "CAMPAIGN_STATUS_DISABLE"

            budget = http.post(
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
                bad = http.post(f"{url}/{campaign.id}/{kind}", json=body, headers=operator)
                assert bad.status_code == 422, (body, bad.text)
                assert field in bad.text

            refused = http.post(
                f"{url}/{unlimited.id}/budget", json={"budget": "100"}, headers=operator
            )
            assert refused.status_code == 409
            assert refused.json()["reason"] == "budget_unlimited"
            gone = http.post(
                f"{url}/{deleted.id}/status", json={"status": "ENABLE"}, headers=operator
            )
            assert gone.status_code == 409
            assert gone.json()["reason"] == "campaign_deleted"
            tiktok = http.post(
                f"{url}/{campaign.id}/budget", json={"budget": "1"}, headers=operator
            )
            assert tiktok.status_code == 409
            assert tiktok.json()["error"] == "TikTokRefused"
            assert tiktok.json()["tiktok_code"] == 40002
            missing = http.post(
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
        http.post(
            sb.api("oauth2/revoke_token/"),
            json={"app_id": sb.app_id, "secret": sb.secret, "access_token": token},
        )
        with live_server(make_app(db, tmp_path)) as base:
            url = f"{base}/api/v1/campaigns/{campaign.id}/status"
            answer = http.post(url, json={"status": "DISABLE"}, headers=key)
            assert answer.status_code == 409, answer.text
            assert answer.json()["error"] == "AuthorizationRevoked"
            assert answer.json()["reason"] == "authorization_revoked"
            grants = http.get(f"{base}/api/v1/tiktok/authorizations", headers=key).json()
            assert [g["status"] for g in grants] == ["revoked"]


# A budget is a plain decimal string: ASCII digits, at most one dot with digits on both sides.
NOT_DECIMAL_TEXT = [
    "1e3", "+120", "-5", " 120.50", "120.50 ", "120.", ".5", "1,000", "1_000", "120.5.0",
    "NaN", "Infinity", "", "１２０", "١٢٠", "١٢٠.٥٠", "120\n",
    f"{RAW}120", f"{RAW}120.5", f"{RAW}1e3", f"{RAW}true",
]  # fmt: skip


def test_budgets_are_plain_decimal_strings(db: Database, tmp_path: Path) -> None:
    """Issue 11: "1e3", "+120", " 120.50" and non-ASCII digits reached the amount parser."""
    operator = bearer(new_key(db, new_workspace(db), "operator"))
    with TestClient(make_app(db, tmp_path), raise_server_exceptions=False) as client:
        url = "/api/v1/campaigns/1/budget"  # no such campaign: past validation it is a 404
        for bad in NOT_DECIMAL_TEXT:
            body = json_text({"budget": bad})
            refused = client.post(url, content=body, headers={**operator, **JSON})
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.json()["field"] == "budget"
        for good in ("120.50", "120", "0.5"):
            assert client.post(url, json={"budget": good}, headers=operator).status_code == 404
