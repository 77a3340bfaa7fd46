"""The sandbox's authorization page, OAuth token endpoints, auth error codes and BC accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from promodesk.app import create_app
from promodesk.kit.clock import FrozenClock
from promodesk.sandbox import DEFAULT_APP_ID, SandboxConfig
from promodesk.settings import Settings
from tests.api_support import live_server
from tests.sandbox_support import REDIRECT_URI, SandboxHandle, running_sandbox

CLOCK = FrozenClock(datetime(2026, 3, 15, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    config = SandboxConfig(
        accounts=3, campaigns=5, adgroups=5, ads=5, rate_limit=False, now=CLOCK.now
    )
    with running_sandbox(config) as sb:
        yield sb


def exchange(sb: SandboxHandle, code: str, **override: str) -> dict[str, Any]:
    body = {"app_id": sb.app_id, "secret": sb.secret, "auth_code": code, **override}
    return httpx.post(sb.api("oauth2/access_token/"), json=body).json()  # type: ignore[no-any-return]


def test_portal_page_lists_accounts_and_approves(sb: SandboxHandle) -> None:
    page = httpx.get(
        f"{sb.base_url}/portal/auth",
        params={"app_id": sb.app_id, "state": "xyz", "redirect_uri": "http://localhost:9/cb?x=1"},
    )
    assert page.status_code == 200
    assert '<meta charset="utf-8">' in page.text
    ids = re.findall(r'name="advertiser_ids" value="(\d+)"', page.text)
    assert ids == sb.advertiser_ids
    action = re.search(r'action="([^"]+)"', page.text)
    assert action is not None
    form = {
        "app_id": sb.app_id,
        "redirect_uri": "http://localhost:9/cb?x=1",
        "state": "xyz",
        "advertiser_ids": ids[:2],
    }
    target = httpx.URL(f"{sb.base_url}/portal/auth").join(action.group(1))
    answer = httpx.post(target, data=form)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert (location.netloc, location.path) == ("localhost:9", "/cb")
    assert query["x"] == ["1"]
    assert query["state"] == ["xyz"]
    assert query["code"] == query["auth_code"]
    data = exchange(sb, query["auth_code"][0])["data"]
    assert data["advertiser_ids"] == ids[:2]


def test_portal_refuses_bad_input(sb: SandboxHandle) -> None:
    url = f"{sb.base_url}/portal/auth"
    assert httpx.get(url, params={"app_id": "1", "redirect_uri": REDIRECT_URI}).status_code == 400
    assert (
        httpx.get(url, params={"app_id": sb.app_id, "redirect_uri": "javascript:x"}).status_code
        == 400
    )
    approve = f"{url}/approve"
    base = {"app_id": sb.app_id, "redirect_uri": REDIRECT_URI, "state": ""}
    assert httpx.post(approve, data={**base, "advertiser_ids": "123"}).status_code == 400
    assert httpx.post(approve, data={**base, "app_id": "nope"}).status_code == 400
    assert (
        httpx.post(
            approve,
            content=b"\xff\xfe",
            headers={"content-type": "multipart/form-data; boundary=x"},
        ).status_code
        == 400
    )


def test_auth_code_is_single_use_and_expires(sb: SandboxHandle) -> None:
    code = sb.auth_code()
    assert exchange(sb, code)["code"] == 0
    assert exchange(sb, code)["code"] == 40110
    assert exchange(sb, "made-up")["code"] == 40110
    late = sb.auth_code()
    CLOCK.advance(timedelta(minutes=11))
    assert exchange(sb, late)["code"] == 40110
    assert exchange(sb, sb.auth_code(), secret="wrong")["code"] == 40101
    assert exchange(sb, sb.auth_code(), app_id="123")["code"] == 40101
    assert (
        httpx.post(sb.api("oauth2/access_token/"), json={"app_id": sb.app_id}).json()["code"]
        == 40002
    )
    assert httpx.post(sb.api("oauth2/access_token/"), content=b"{oops").json()["code"] == 40002


def test_access_token_errors(sb: SandboxHandle) -> None:
    token = sb.access_token([sb.advertiser_ids[0]])
    url = sb.api("advertiser/info/")
    params = {"advertiser_ids": f'["{sb.advertiser_ids[0]}"]'}
    assert httpx.get(url, params=params).json()["code"] == 40104
    assert httpx.get(url, params=params, headers={"Access-Token": ""}).json()["code"] == 40104
    for bad in ("nonsense", f"Bearer {token}", token[:-2] + "00"):
        answer = httpx.get(url, params=params, headers={"Access-Token": bad}).json()
        assert answer["code"] == 40105
        assert answer["message"] == "Access token is incorrect or has been revoked."
    ok = httpx.get(url, params=params, headers={"Access-Token": token}).json()
    assert ok["code"] == 0
    other = {"advertiser_ids": f'["{sb.advertiser_ids[1]}"]'}
    assert httpx.get(url, params=other, headers={"Access-Token": token}).json()["code"] == 40001
    campaigns = httpx.get(
        sb.api("campaign/get/"),
        params={"advertiser_id": sb.advertiser_ids[1]},
        headers={"Access-Token": token},
    ).json()
    assert campaigns["code"] == 40001


def test_advertiser_get_needs_app_credentials(sb: SandboxHandle) -> None:
    token = sb.access_token([sb.advertiser_ids[2]])
    url = sb.api("oauth2/advertiser/get/")
    headers = {"Access-Token": token}
    good = httpx.get(url, params={"app_id": sb.app_id, "secret": sb.secret}, headers=headers)
    assert good.json()["data"]["list"][0]["advertiser_id"] == sb.advertiser_ids[2]
    bad = httpx.get(url, params={"app_id": sb.app_id, "secret": "x"}, headers=headers).json()
    assert bad["code"] == 40101


def test_revoked_token_answers_40105(sb: SandboxHandle) -> None:
    token = sb.access_token()
    other = sb.access_token()
    body = {"app_id": sb.app_id, "secret": sb.secret, "access_token": token}
    assert httpx.post(sb.api("oauth2/revoke_token/"), json=body).json()["code"] == 0
    params = {"app_id": sb.app_id, "secret": sb.secret}
    url = sb.api("oauth2/advertiser/get/")
    assert httpx.get(url, params=params, headers={"Access-Token": token}).json()["code"] == 40105
    assert httpx.get(url, params=params, headers={"Access-Token": other}).json()["code"] == 0
    wrong = {**body, "secret": "nope"}
    assert httpx.post(sb.api("oauth2/revoke_token/"), json=wrong).json()["code"] == 40101


def test_tokens_survive_a_restart(sb: SandboxHandle) -> None:
    token = sb.access_token()
    with running_sandbox(accounts=3, rate_limit=False) as again:
        answer = httpx.get(
            again.api("oauth2/advertiser/get/"),
            params={"app_id": again.app_id, "secret": again.secret},
            headers={"Access-Token": token},
        ).json()
        assert answer["code"] == 0


def test_bc_advertiser_create(sb: SandboxHandle) -> None:
    token = sb.access_token()
    headers = {"Access-Token": token}
    body: dict[str, Any] = {
        "bc_id": sb.sandbox.config.bc_id,
        "advertiser_info": {"name": "New shop", "currency": "USD", "timezone": "Asia/Singapore"},
        "customer_info": {"company": "New shop Ltd", "industry": 290101, "registered_area": "SG"},
    }
    made = httpx.post(sb.api("bc/advertiser/create/"), json=body, headers=headers).json()
    assert made["code"] == 0, made
    new_id = made["data"]["advertiser_id"]
    info = httpx.get(
        sb.api("advertiser/info/"), params={"advertiser_ids": f'["{new_id}"]'}, headers=headers
    ).json()["data"]["list"][0]
    assert (info["name"], info["currency"], info["timezone"]) == (
        "New shop",
        "USD",
        "Asia/Singapore",
    )
    listed = httpx.get(
        sb.api("oauth2/advertiser/get/"),
        params={"app_id": sb.app_id, "secret": sb.secret},
        headers=headers,
    ).json()
    assert new_id in [r["advertiser_id"] for r in listed["data"]["list"]]
    empty = httpx.get(
        sb.api("campaign/get/"), params={"advertiser_id": new_id}, headers=headers
    ).json()
    assert empty["data"]["page_info"]["total_number"] == 0
    for broken in (
        {**body, "bc_id": "1"},
        {**body, "advertiser_info": {**body["advertiser_info"], "timezone": "Mars/Base"}},
        {**body, "advertiser_info": {**body["advertiser_info"], "currency": "dollars"}},
        {**body, "customer_info": {}},
        {k: v for k, v in body.items() if k != "advertiser_info"},
    ):
        code = httpx.post(sb.api("bc/advertiser/create/"), json=broken, headers=headers).json()
        assert code["code"] in (40001, 40002), broken


def test_demo_mode_mounts_the_sandbox(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path, secret_key="k", demo=True
    )
    # A generous bound for a fresh server's first answers on a loaded machine, not a speed
    # check (httpx's default is 5 s).
    http = httpx.Client(timeout=60)
    with live_server(create_app(settings)) as base:
        info = http.get(f"{base}/sandbox/").json()
        assert info["app_id"] == DEFAULT_APP_ID
        page = http.get(
            f"{base}/sandbox/portal/auth",
            params={"app_id": DEFAULT_APP_ID, "redirect_uri": REDIRECT_URI, "state": "s"},
        )
        assert page.status_code == 200
        answer = http.post(
            f"{base}/sandbox/portal/auth/approve",
            data={"app_id": DEFAULT_APP_ID, "redirect_uri": REDIRECT_URI},
        )
        assert answer.status_code == 302
        api = http.get(f"{base}/sandbox/open_api/v1.3/campaign/get/").json()
        assert api["code"] == 40104
    plain = Settings(
        database_url=f"sqlite:///{tmp_path / 'y.db'}", data_dir=tmp_path, secret_key="k"
    )
    with live_server(create_app(plain)) as base:
        assert http.get(f"{base}/sandbox/").status_code == 404


def test_portal_refuses_an_empty_selection(sb: SandboxHandle) -> None:
    page = httpx.get(
        f"{sb.base_url}/portal/auth",
        params={"app_id": sb.app_id, "state": "xyz", "redirect_uri": REDIRECT_URI},
    )
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    assert fields["app_id"] == sb.app_id
    # Every box unticked: the browser posts the hidden fields only.
    answer = httpx.post(f"{sb.base_url}/portal/auth/approve", data=fields)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "Select at least one ad account" in answer.text
    assert re.findall(r'name="advertiser_ids" value="(\d+)"', answer.text) == sb.advertiser_ids
    assert " checked>" not in answer.text
    # Ticking one afterwards grants exactly that one.
    chosen = sb.advertiser_ids[:1]
    again = httpx.post(
        f"{sb.base_url}/portal/auth/approve", data={**fields, "advertiser_ids": chosen}
    )
    assert again.status_code == 302
    code = parse_qs(urlsplit(again.headers["location"]).query)["auth_code"][0]
    assert exchange(sb, code)["data"]["advertiser_ids"] == chosen
