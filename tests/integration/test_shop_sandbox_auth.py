"""The shop sandbox's seller authorization page, tokens, authorized shops, revocation, and every
refusal of a request's signature, timestamp, token and cipher, over real HTTP."""

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
from promodesk.settings import Settings
from promodesk.shop_sandbox import DEFAULT_APP_KEY, DEFAULT_APP_SECRET, ShopSandboxConfig
from promodesk.shop_sandbox.signing import sign
from tests.api_support import HANG_GUARD, live_server
from tests.shop_sandbox_support import REDIRECT_URI, ShopSandboxHandle, running_shop_sandbox

CLOCK = FrozenClock(datetime(2026, 9, 15, 12, 0, tzinfo=UTC))
SHOPS = "/authorization/202309/shops"
SEARCH = "/promotion/202309/activities/search"


@pytest.fixture(scope="module")
def sb() -> Iterator[ShopSandboxHandle]:
    config = ShopSandboxConfig(shops=3, products=10, activities=4, enrollments=3, rate_limit=False)
    config.now = CLOCK.now
    with running_shop_sandbox(config) as sb:
        yield sb


@pytest.fixture(scope="module")
def token(sb: ShopSandboxHandle) -> str:
    return sb.access_token()


def refusal(answer: httpx.Response) -> tuple[int, int, str]:
    body = answer.json()
    assert set(body) == {"code", "message", "request_id", "data"}
    assert body["request_id"]
    return answer.status_code, body["code"], body["message"]


def test_authorization_page_lists_shops_and_approves(sb: ShopSandboxHandle) -> None:
    redirect = "http://localhost:9/cb?x=1"
    page = httpx.get(
        f"{sb.base_url}/shop-portal/authorize",
        params={"app_key": sb.app_key, "state": "xyz", "redirect_uri": redirect},
    )
    assert page.status_code == 200
    assert '<meta charset="utf-8">' in page.text
    ids = re.findall(r'name="shop_ids" value="(\d+)"', page.text)
    assert ids == [s.id for s in sb.sandbox.world.shops]
    action = re.search(r'action="([^"]+)"', page.text)
    assert action is not None
    target = httpx.URL(f"{sb.base_url}/shop-portal/authorize").join(action.group(1))
    assert target.path == "/shop-portal/authorize/approve"
    form = {"app_key": sb.app_key, "redirect_uri": redirect, "state": "xyz", "shop_ids": ids[1:]}
    answer = httpx.post(target, data=form)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert (location.netloc, location.path, query["x"], query["state"]) == (
        "localhost:9",
        "/cb",
        ["1"],
        ["xyz"],
    )
    tokens = exchange(sb, query["code"][0])
    assert tokens["code"] == 0
    shops = sb.data("GET", SHOPS, tokens["data"]["access_token"])["shops"]
    assert [s["id"] for s in shops] == ids[1:]
    assert all(s["cipher"].startswith("ROW_") and s["region"] and s["code"] for s in shops)


def exchange(sb: ShopSandboxHandle, code: str, **override: str) -> dict[str, Any]:
    query = {
        "app_key": sb.app_key,
        "app_secret": sb.app_secret,
        "auth_code": code,
        "grant_type": "authorized_code",
        **override,
    }
    return httpx.get(f"{sb.base_url}/api/v2/token/get", params=query).json()  # type: ignore[no-any-return]


def test_an_empty_selection_comes_back_with_a_message(sb: ShopSandboxHandle) -> None:
    page = httpx.get(
        f"{sb.base_url}/shop-portal/authorize",
        params={"app_key": sb.app_key, "state": "s", "redirect_uri": REDIRECT_URI},
    )
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    answer = httpx.post(f"{sb.base_url}/shop-portal/authorize/approve", data=fields)
    assert answer.status_code == 400
    assert "Select at least one shop" in answer.text


def test_portal_refuses_bad_input(sb: ShopSandboxHandle) -> None:
    url = f"{sb.base_url}/shop-portal/authorize"
    assert httpx.get(url, params={"app_key": "x", "redirect_uri": REDIRECT_URI}).status_code == 400
    bad_uri = {"app_key": sb.app_key, "redirect_uri": "javascript:alert(1)"}
    assert httpx.get(url, params=bad_uri).status_code == 400
    approve = f"{url}/approve"
    base = {"app_key": sb.app_key, "redirect_uri": REDIRECT_URI}
    assert httpx.post(approve, data={**base, "shop_ids": "123"}).status_code == 400
    assert httpx.post(approve, data={**base, "app_key": "nope"}).status_code == 400
    assert (
        httpx.post(approve, content=b"\xff\xfe", headers={"content-type": "x/y"}).status_code == 400
    )


def test_token_get_answers_timestamps_and_a_code_works_once(sb: ShopSandboxHandle) -> None:
    code = sb.auth_code()
    first = exchange(sb, code)
    assert first["code"] == 0
    data = first["data"]
    now = int(CLOCK.now().timestamp())
    assert data["access_token_expire_in"] == now + sb.sandbox.config.access_token_ttl_seconds
    assert data["refresh_token_expire_in"] == now + sb.sandbox.config.refresh_token_ttl_seconds
    for name in ("open_id", "seller_name", "seller_base_region", "granted_scopes"):
        assert data[name]
    assert data["user_type"] == 0
    again = exchange(sb, code)
    assert again["code"] == 36004004
    assert exchange(sb, sb.auth_code(), app_secret="wrong")["message"].startswith(
        "Invalid app_secret"
    )
    assert exchange(sb, sb.auth_code(), app_key="wrong")["message"].startswith("Invalid app_key")
    assert exchange(sb, sb.auth_code(), grant_type="password")["code"] == 36009004


def test_refresh_gives_a_new_working_pair(sb: ShopSandboxHandle) -> None:
    tokens = sb.tokens()
    query = {
        "app_key": sb.app_key,
        "app_secret": sb.app_secret,
        "refresh_token": tokens["refresh_token"],
        "grant_type": "refresh_token",
    }
    answer = httpx.get(f"{sb.base_url}/api/v2/token/refresh", params=query).json()
    assert answer["code"] == 0
    fresh = answer["data"]
    assert fresh["access_token"] != tokens["access_token"]
    assert sb.data("GET", SHOPS, fresh["access_token"])["shops"]
    # An access token is no refresh token.
    wrong = {**query, "refresh_token": tokens["access_token"]}
    bad = httpx.get(f"{sb.base_url}/api/v2/token/refresh", params=wrong).json()
    assert bad["code"] == 36004004


def test_refusals_each_have_their_code_and_message(sb: ShopSandboxHandle, token: str) -> None:
    now = int(CLOCK.now().timestamp())
    base = sb.base_url + SEARCH

    def raw(params: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.post(base, params=params, content=b"{}", headers=headers or {})

    signed = {"app_key": sb.app_key, "timestamp": str(now), "shop_cipher": sb.cipher(0)}
    good = {**signed, "sign": sign(sb.app_secret, SEARCH, signed.items(), b"{}")}
    header = {"x-tts-access-token": token}
    assert raw(good, header).json()["code"] == 0

    status, code, message = refusal(sb.call("POST", SEARCH, token, shop=0, body={}, secret="x"))
    assert (status, code) == (401, 106001)
    assert message == "The 'sign' query parameter is invalid."
    # A body changed after signing is a wrong signature too.
    tampered = httpx.post(base, params=good, content=b'{"page_size":1}', headers=header)
    assert refusal(tampered)[:2] == (401, 106001)

    status, code, message = refusal(
        sb.call("POST", SEARCH, token, shop=0, body={}, timestamp=now - 301)
    )
    assert (status, code) == (200, 36009004)
    assert "must not be earlier than 5 minutes before the current time" in message
    assert "later than" in refusal(sb.call("POST", SEARCH, token, shop=0, timestamp=now + 301))[2]
    assert sb.call("POST", SEARCH, token, shop=0, body={}, timestamp=now - 299).json()["code"] == 0

    assert refusal(raw({k: v for k, v in good.items() if k != "sign"}, header))[2].startswith(
        "Missing signature"
    )
    no_stamp = refusal(raw({k: v for k, v in good.items() if k != "timestamp"}, header))
    assert no_stamp[1:] == (
        36009004,
        "Invalid timestamp: the timestamp query parameter must be Unix seconds.",
    )
    assert refusal(raw({**good, "app_key": "other"}, header))[2].startswith("Invalid app_key")
    assert refusal(raw({k: v for k, v in good.items() if k != "app_key"}, header))[2].startswith(
        "Invalid app_key"
    )

    missing = refusal(sb.call("POST", SEARCH, None, shop=0, body={}))
    assert missing[1:] == (
        36009004,
        "Invalid credentials: the x-tts-access-token header is missing.",
    )
    in_query = refusal(
        sb.call("POST", SEARCH, None, shop=0, body={}, query={"access_token": token})
    )
    assert "not in the query" in in_query[2]
    assert refusal(sb.call("POST", SEARCH, "TTP_garbage.x", shop=0, body={}))[:2] == (401, 105001)
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    assert refusal(sb.call("POST", SEARCH, forged, shop=0, body={}))[:2] == (401, 105001)

    no_cipher = refusal(sb.call("POST", SEARCH, token, body={}))
    assert no_cipher[1:] == (
        36009004,
        "Invalid shop_cipher: the shop_cipher query parameter is missing.",
    )
    unknown = refusal(sb.call("POST", SEARCH, token, body={}, query={"shop_cipher": "ROW_nope"}))
    assert unknown[2] == "Invalid shop_cipher: no shop has this cipher."
    unexpected = refusal(sb.call("GET", SHOPS, token, shop=0))
    assert unexpected[1:] == (36009004, "Unexpected shop_cipher: this API takes no shop_cipher.")

    lost = refusal(sb.call("GET", "/promotion/202309/nothing", token, shop=0))
    assert lost[:2] == (404, 36009009)
    assert refusal(sb.call("PATCH", SEARCH, token, shop=0))[:2] == (404, 36009009)
    old = refusal(sb.call("POST", "/promotion/202309/activities/1/republish", token, shop=0))
    assert old == (200, 36009004, "Unsupported version: this API is served at version 202607.")


def test_a_token_for_some_shops_is_refused_for_the_others(sb: ShopSandboxHandle) -> None:
    first = sb.sandbox.world.shops[0].id
    token = sb.access_token([first])
    assert sb.data("POST", SEARCH, token, shop=0, body={})["total_count"] >= 0
    other = refusal(sb.call("POST", SEARCH, token, shop=1, body={}))
    assert other[1:] == (
        36009004,
        "Invalid shop_cipher: the access token is not authorized for this shop.",
    )


def test_bodies_a_client_may_send_never_fail_the_server(sb: ShopSandboxHandle, token: str) -> None:
    for body in (b"not json", b"[1,2]", b'"x"', b"\xff\xfe\x00", b"{" * 5000):
        params = {"app_key": sb.app_key, "timestamp": str(int(CLOCK.now().timestamp()))}
        params["shop_cipher"] = sb.cipher(0)
        try:
            params["sign"] = sign(sb.app_secret, SEARCH, params.items(), body)
        except UnicodeDecodeError:
            params["sign"] = "0" * 64
        answer = httpx.post(
            sb.base_url + SEARCH, params=params, content=body, headers={"x-tts-access-token": token}
        )
        assert answer.status_code < 500, body
        assert answer.json()["code"] != 0
    for junk in ({"page_size": "ten"}, {"page_size": 101}, {"status": 3}, {"page_token": "%%%"}):
        answer = sb.call("POST", SEARCH, token, shop=0, body=junk)
        assert answer.status_code == 200
        assert answer.json()["code"] == 36009004, junk


def test_revoked_and_expired_tokens(sb: ShopSandboxHandle) -> None:
    token = sb.access_token()
    revoked = httpx.post(f"{sb.base_url}/sandbox-admin/revoke", json={"access_token": token})
    assert revoked.status_code == 200
    assert refusal(sb.call("GET", SHOPS, token))[:2] == (401, 105003)
    # The seller authorizes again: a new token works.
    assert sb.data("GET", SHOPS, sb.access_token())["shops"]
    # Revoking one shop refuses every token issued for it so far.
    before = sb.access_token()
    shop = sb.sandbox.world.shops[2].id
    httpx.post(f"{sb.base_url}/sandbox-admin/revoke", json={"shop_id": shop})
    assert refusal(sb.call("GET", SHOPS, before))[1] == 105003
    assert sb.data("GET", SHOPS, sb.access_token())["shops"]
    bad = httpx.post(f"{sb.base_url}/sandbox-admin/revoke", json={"shop_id": "1"})
    assert bad.status_code == 422
    # Expiry: a week later the access token is refused, the refresh token still renews it.
    tokens = sb.tokens()
    CLOCK.advance(timedelta(seconds=sb.sandbox.config.access_token_ttl_seconds))
    try:
        expired = refusal(sb.call("GET", SHOPS, tokens["access_token"]))
        assert expired == (401, 105002, "The access token has expired. Refresh it.")
        query = {
            "app_key": sb.app_key,
            "app_secret": sb.app_secret,
            "refresh_token": tokens["refresh_token"],
            "grant_type": "refresh_token",
        }
        fresh = httpx.get(f"{sb.base_url}/api/v2/token/refresh", params=query).json()["data"]
        assert sb.data("GET", SHOPS, fresh["access_token"])["shops"]
    finally:
        CLOCK.advance(-timedelta(seconds=sb.sandbox.config.access_token_ttl_seconds))


def test_demo_mode_mounts_the_shop_sandbox(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path, secret_key="k", demo=True
    )
    http = httpx.Client(timeout=HANG_GUARD)
    with live_server(create_app(settings)) as base:
        root = f"{base}/shop-sandbox"
        info = http.get(f"{root}/").json()
        assert info["app_key"] == DEFAULT_APP_KEY
        answer = http.post(
            f"{root}/shop-portal/authorize/approve",
            data={"app_key": DEFAULT_APP_KEY, "redirect_uri": REDIRECT_URI, "state": "s"},
        )
        assert answer.status_code == 302
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        query = {
            "app_key": DEFAULT_APP_KEY,
            "app_secret": DEFAULT_APP_SECRET,
            "auth_code": code,
            "grant_type": "authorized_code",
        }
        token = http.get(f"{root}/api/v2/token/get", params=query).json()["data"]["access_token"]
        # Mounted under a prefix, the signed path is still the API path.
        params = {"app_key": DEFAULT_APP_KEY, "timestamp": str(int(datetime.now(UTC).timestamp()))}
        params["sign"] = sign(DEFAULT_APP_SECRET, SHOPS, params.items())
        shops = http.get(f"{root}{SHOPS}", params=params, headers={"x-tts-access-token": token})
        assert shops.json()["code"] == 0, shops.text
        assert shops.json()["data"]["shops"]
    plain = Settings(
        database_url=f"sqlite:///{tmp_path / 'y.db'}", data_dir=tmp_path, secret_key="k"
    )
    with live_server(create_app(plain)) as base:
        assert http.get(f"{base}/shop-sandbox/").status_code == 404
