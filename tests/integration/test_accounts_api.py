"""The accounts API over a live server and the sandbox: import through OAuth, allocate with
refusals in the error body, sync through the worker, campaigns, audiences, account requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import promodesk.accounts.jobs
import promodesk.notify.jobs  # noqa: F401
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.notify.service import outbox as notify
from tests.api_support import bearer, live_server, make_app, new_key, new_workspace
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import REDIRECT_URI, SandboxHandle, running_sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=2, campaigns=12, adgroups=20, ads=30, audiences=4, qps=1000, qpm=100000
    ) as handle:
        yield handle


def _approve(sb: SandboxHandle, url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(url).query)
    assert query["app_id"] == [sb.app_id]
    state = query["state"][0]
    answer = httpx.post(
        f"{sb.base_url}/portal/auth/approve",
        data={"app_id": sb.app_id, "redirect_uri": REDIRECT_URI, "state": state},
    )
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == [state]
    return state, back["auth_code"][0]


def test_import_allocate_sync_request(db: Database, tmp_path: Path, sb: SandboxHandle) -> None:
    workspace = new_workspace(db)
    key = new_key(db, workspace, "admin")
    h = bearer(key)
    with wired(sb, page_size=10), live_server(make_app(db, tmp_path)) as base:
        api = f"{base}/api/v1"
        url = httpx.post(
            f"{api}/tiktok/authorize-url", params={"redirect_uri": REDIRECT_URI}, headers=h
        ).json()["url"]
        state, code = _approve(sb, url)
        # a forged state is refused before anything reaches TikTok
        bad = httpx.post(
            f"{api}/tiktok/oauth/complete",
            json={"state": state + "x", "auth_code": code},
            headers=h,
        )
        assert bad.status_code == 422
        assert bad.json()["field"] == "state"
        done = httpx.post(
            f"{api}/tiktok/oauth/complete", json={"state": state, "auth_code": code}, headers=h
        )
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["message"] == "Successfully added TikTok accounts"
        assert len(body["added"]) == 2
        assert "access_token" not in done.text
        account = body["added"][0]
        assert account["name"]
        assert account["payment_url"].endswith(account["advertiser_id"])

        client = httpx.post(f"{api}/client-accounts", json={"name": "Acme"}, headers=h).json()
        adv = httpx.post(
            f"{api}/client-accounts/{client['id']}/advertisers",
            json={"name": "Acme Shoes"},
            headers=h,
        ).json()
        made = httpx.post(
            f"{api}/allocations",
            headers=h,
            json={
                "ad_account_id": account["id"],
                "advertiser_id": adv["id"],
                "payment_mode": "agency",
            },
        )
        assert made.status_code == 201, made.text
        alloc = made.json()["allocations"][0]
        assert alloc["payment_mode"] == "agency"
        assert alloc["client_account_name"] == "Acme"
        default = httpx.get(f"{api}/client-accounts/{client['id']}/default", headers=h).json()
        assert default["default_ad_account_id"] == account["id"]

        goal = httpx.post(
            f"{api}/advertisers/{adv['id']}/conversion-goals",
            headers=h,
            json={"ad_account_id": account["id"], "name": "Purchase"},
        ).json()
        refused = httpx.delete(f"{api}/allocations/{alloc['id']}", headers=h)
        assert refused.status_code == 409
        assert refused.json()["reason"] == "conversion_goals"
        httpx.delete(f"{api}/conversion-goals/{goal['id']}", headers=h)

        run = httpx.post(
            f"{api}/ad-accounts/{account['id']}/sync", json={"scope": "account"}, headers=h
        )
        assert run.status_code == 202, run.text
        again = httpx.post(f"{api}/ad-accounts/{account['id']}/sync", headers=h)
        assert again.json()["id"] == run.json()["id"]  # one open run per ad account
        Worker(db, backoff_base=0.0, workspace_id=workspace.id).run_until_idle()
        final = httpx.get(f"{api}/sync-runs/{run.json()['id']}", headers=h).json()
        assert final["status"] == "succeeded", final
        op = httpx.get(f"{api}/operations/{final['operation_id']}", headers=h)
        if op.status_code == 200:
            assert op.json()["state"] == "succeeded"

        cands = httpx.get(
            f"{api}/campaigns",
            headers=h,
            params={"ad_account_id": account["id"], "candidates": True},
        ).json()["items"]
        assert cands
        assert all(not c["deleted"] for c in cands)
        pick = cands[0]["id"]
        made = httpx.post(
            f"{api}/campaign-allocations",
            headers=h,
            json={
                "ad_account_id": account["id"],
                "client_account_id": client["id"],
                "advertiser_id": adv["id"],
                "campaign_ids": [pick],
            },
        )
        assert made.status_code == 201, made.text
        left = httpx.get(
            f"{api}/campaigns",
            headers=h,
            params={"ad_account_id": account["id"], "candidates": True},
        ).json()["items"]
        assert pick not in {c["id"] for c in left}
        detail = httpx.get(f"{api}/campaigns/{pick}", headers=h).json()
        assert detail["allocation"]["advertiser_id"] == adv["id"]
        assert "ad_groups" in detail
        spend = httpx.get(f"{api}/campaigns/{pick}/spend", headers=h).json()
        assert spend["available"] is True
        assert spend["spend_minor"] >= 0
        refused = httpx.delete(f"{api}/allocations/{alloc['id']}", headers=h)
        assert refused.json()["reason"] == "campaigns_allocated"

        audiences = httpx.get(f"{api}/ad-accounts/{account['id']}/audiences", headers=h).json()[
            "items"
        ]
        assert len(audiences) == 4
        made = httpx.post(
            f"{api}/audience-allocations",
            headers=h,
            json={
                "ad_account_id": account["id"],
                "client_account_id": client["id"],
                "advertiser_id": adv["id"],
                "audience_ids": [audiences[0]["id"]],
            },
        )
        assert made.status_code == 201, made.text

        for country in ("ZZ", "sg", "", "SGP", "ＳＧ"):  # not ISO 3166-1 alpha-2 as written
            bad = httpx.post(
                f"{api}/tiktok/account-requests",
                headers=h,
                json={"name": "New", "industry": "Retail", "country": country},
            )
            assert bad.status_code == 422, (country, bad.text)
            assert bad.json()["field"] == "country"
        for currency in ("usd", "XAU", "DEM", "US", 840):
            bad = httpx.post(
                f"{api}/tiktok/account-requests",
                headers=h,
                json={"name": "New", "industry": "Retail", "country": "SG", "currency": currency},
            )
            assert bad.status_code == 422, (currency, bad.text)
            assert bad.json()["field"] == "currency"
        req = httpx.post(
            f"{api}/tiktok/account-requests",
            headers=h,
            json={"name": "New shop", "industry": "Retail", "country": "SG"},
        )
        assert req.status_code == 201, req.text
        assert req.json()["currency"] == "USD"
        assert req.json()["timezone"] == "Asia/Singapore"
        with db.transaction() as uow:
            mails = notify.list_emails(uow, workspace.id, kind="tiktok.account_request")
            assert len(mails) == 1
            assert "New shop" in mails[0].text_body


def test_other_workspace_cannot_use_ids_in_bodies(db: Database, tmp_path: Path) -> None:
    a, b = new_workspace(db), new_workspace(db)
    ha, hb = bearer(new_key(db, a, "admin")), bearer(new_key(db, b, "admin"))
    with live_server(make_app(db, tmp_path)) as base:
        api = f"{base}/api/v1"
        client = httpx.post(f"{api}/client-accounts", json={"name": "A"}, headers=ha).json()
        adv = httpx.post(
            f"{api}/client-accounts/{client['id']}/advertisers", json={"name": "A1"}, headers=ha
        ).json()
        for path, body in (
            ("allocations", {"ad_account_id": 1, "advertiser_id": adv["id"]}),
            (
                "campaign-allocations",
                {
                    "ad_account_id": 1,
                    "client_account_id": client["id"],
                    "advertiser_id": adv["id"],
                    "campaign_ids": [1],
                },
            ),
        ):
            answer = httpx.post(f"{api}/{path}", json=body, headers=hb)
            assert answer.status_code == 404, answer.text
