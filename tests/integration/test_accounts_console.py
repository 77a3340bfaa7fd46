"""Accounts console pages on both databases, against the sandbox: import through the
authorization page and "Confirm", allocate, refusal flashes, default management, sync to the
operation page, campaign and audience allocation, the request form, Chinese pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

import promodesk.accounts.jobs  # noqa: F401  (registers the sync handlers)
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=2, campaigns=8, adgroups=12, ads=16, audiences=3, qps=1000, qpm=100000
    ) as handle:
        yield handle


def _import(client: TestClient, sb: SandboxHandle, csrf: str) -> None:
    page = client.get("/accounts")
    assert "Import TikTok account" in page.text
    assert "No TikTok ad accounts yet" in page.text
    go = client.get("/accounts/tiktok/authorize", follow_redirects=False)
    assert go.status_code == 303
    target = go.headers["location"]
    assert target.startswith(sb.base_url + "/portal/auth?")
    query = parse_qs(urlsplit(target).query)
    approved = httpx.post(
        f"{sb.base_url}/portal/auth/approve",
        data={
            "app_id": sb.app_id,
            "redirect_uri": query["redirect_uri"][0],
            "state": query["state"][0],
        },
    )
    back = urlsplit(approved.headers["location"])
    assert back.path == "/accounts/tiktok/callback"
    confirm = client.get(f"{back.path}?{back.query}")
    assert "Confirm" in confirm.text
    params = parse_qs(back.query)
    done = client.post(
        "/accounts/tiktok/callback",
        data={"csrf_token": csrf, "state": params["state"][0], "auth_code": params["auth_code"][0]},
    )
    assert "Successfully added TikTok accounts" in done.text


def test_accounts_journey(db: Database, tmp_path: Path, sb: SandboxHandle) -> None:
    member = new_member(db, "owner")
    with wired(sb), console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        _import(client, sb, csrf)
        listing = client.get("/accounts").text
        ids = [int(i) for i in re.findall(r'href="/accounts/(\d+)"', listing)]
        a1, a2 = sorted(set(ids))[:2]
        assert sb.advertiser_ids[0] in listing
        assert "Add payment" in listing

        loc = post_form(client, "/accounts/clients", {"name": "Acme"}, csrf)
        client_id = int(loc.rsplit("/", 1)[1])
        post_form(client, f"/accounts/clients/{client_id}/advertisers", {"name": "Shoes"}, csrf)
        post_form(client, f"/accounts/clients/{client_id}/advertisers", {"name": "Bags"}, csrf)
        page = client.get(f"/accounts/{a1}").text
        advs = re.findall(r'<option value="(\d+)">Acme / (\w+)</option>', page)
        shoes = next(i for i, n in advs if n == "Shoes")
        bags = next(i for i, n in advs if n == "Bags")
        loc = post_form(
            client,
            f"/accounts/{a1}/allocations",
            {"advertiser_id": shoes, "payment_mode": "agency"},
            csrf,
        )
        assert "allocated" in flashes_at(client, loc)
        post_form(client, f"/accounts/{a2}/allocations", {"advertiser_id": bags}, csrf)
        client_page = client.get(f"/accounts/clients/{client_id}").text
        assert "Manage default TikTok accounts" in client_page

        # deallocating the default sends the user to "Manage default TikTok accounts"
        page = client.get(f"/accounts/{a1}").text
        alloc = re.search(r'href="/accounts/allocations/(\d+)/delete"', page)
        assert alloc
        preview = client.get(f"/accounts/allocations/{alloc.group(1)}/delete").text
        assert "default TikTok account" in preview
        assert 'id="choose-default"' in preview
        loc = post_form(
            client, f"/accounts/allocations/{alloc.group(1)}/delete", {"confirm": "yes"}, csrf
        )
        assert loc.endswith("#defaults")
        assert "Choose another default" in flashes_at(client, loc)

        # sync, the operation page, campaigns
        loc = post_form(client, f"/accounts/{a1}/sync", {"scope": "account"}, csrf)
        assert loc.startswith("/operations/")
        Worker(db, backoff_base=0.0, workspace_id=member.workspace.id).run_until_idle()
        assert "Succeeded" in client.get(loc).text
        page = client.get(f"/campaigns?ad_account_id={a1}&candidates=1").text
        boxes = re.findall(r'name="(c_\d+)"', page)
        assert boxes
        pair = re.search(r'<option value="(\d+:\d+)">Acme / Shoes', page)
        assert pair
        loc = post_form(
            client,
            "/campaigns/allocate",
            {"ad_account_id": str(a1), "pair": pair.group(1), boxes[0]: "1"},
            csrf,
        )
        assert "1 campaign(s) allocated" in flashes_at(client, loc)
        assert boxes[0] not in client.get(loc).text
        campaign_id = boxes[0][2:]
        detail = client.get(f"/campaigns/{campaign_id}").text
        assert "Ad groups" in detail
        assert "Spend" in detail

        # the pair is now in use by a campaign: deallocation refused with the reason
        page = client.get(f"/accounts/{a1}").text
        alloc = re.search(r'href="/accounts/allocations/(\d+)/delete"', page)
        assert alloc
        post_form(
            client, f"/accounts/clients/{client_id}/default", {"ad_account_id": str(a2)}, csrf
        )
        preview = client.get(f"/accounts/allocations/{alloc.group(1)}/delete").text
        assert "1 campaign(s) of this advertiser" in preview
        assert 'id="confirm-deallocate"' not in preview
        shown = refused_form(
            client, f"/accounts/allocations/{alloc.group(1)}/delete", {"confirm": "yes"}, csrf
        )
        assert "1 campaign(s) of this advertiser" in shown

        page = client.get(f"/accounts/{a1}/audiences").text
        boxes = re.findall(r'name="(a_\d+)"', page)
        assert len(boxes) == 3
        loc = post_form(
            client, f"/accounts/{a1}/audiences", {"pair": pair.group(1), boxes[0]: "1"}, csrf
        )
        assert "1 audience(s) allocated" in flashes_at(client, loc)

        form = client.get("/accounts/request").text
        assert 'value="Asia/Singapore" selected' in form
        assert 'value="USD" selected' in form
        loc = post_form(
            client,
            "/accounts/request",
            {
                "name": "New shop",
                "industry": "Retail",
                "country": "SG",
                "currency": "USD",
                "timezone": "Asia/Singapore",
            },
            csrf,
        )
        assert "account manager" in flashes_at(client, loc)
        shown = refused_form(
            client,
            "/accounts/request",
            {
                "name": "Bad",
                "industry": "Retail",
                "country": "XX",
                "currency": "USD",
                "timezone": "Asia/Singapore",
            },
            csrf,
        )
        assert "country" in shown.lower()

        client.cookies.set("promodesk_locale", "zh_Hans")
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/accounts"}, csrf)
        zh = client.get("/accounts").text
        assert "导入 TikTok 账户" in zh
        assert "添加付款方式" in zh


def test_odd_ids_and_other_workspaces_are_404(db: Database, tmp_path: Path) -> None:
    owner = new_member(db, "owner")
    with console_client(db, tmp_path) as client:
        log_in(client, owner)
        for path in (
            "/accounts/999999999",
            "/accounts/abc",
            "/campaigns/42424242",
            "/accounts/clients/77777777",
            "/accounts/5555555/audiences",
        ):
            assert client.get(path).status_code == 404, path
        assert client.get("/campaigns?ad_account_id=xyz").status_code == 200
        assert client.get("/accounts/tiktok/callback?state=bad").status_code == 200
