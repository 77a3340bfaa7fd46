"""Run the TikTok Shop sandbox as a real HTTP server for tests, and call it as a client would:
signed, with the access token in the header and the shop's cipher in the query.

with running_shop_sandbox(shops=2, products=30) as sb:
    token = sb.access_token()
    answer = sb.call("POST", "/promotion/202309/activities/search", token, shop=0, body={})
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from promodesk.shop_sandbox import ShopSandbox, ShopSandboxConfig, create_shop_sandbox_app
from promodesk.shop_sandbox.signing import sign
from tests.api_support import HANG_GUARD, live_server

REDIRECT_URI = "http://127.0.0.1/callback"
RATE_LIMITED = 36009002  # the platform's code for a shop over its rate limit


@dataclass
class ShopSandboxHandle:
    base_url: str
    sandbox: ShopSandbox
    # One connection pool for the test's calls (a new connection per call costs more than
    # the call on a loaded machine); a guard against a hang, not a speed limit.
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=HANG_GUARD))

    @property
    def app_key(self) -> str:
        return self.sandbox.config.app_key

    @property
    def app_secret(self) -> str:
        return self.sandbox.config.app_secret

    def cipher(self, shop: int) -> str:
        return self.sandbox.world.shops[shop].cipher

    def auth_code(self, shop_ids: list[str] | None = None, state: str = "s") -> str:
        form: dict[str, Any] = {"app_key": self.app_key, "redirect_uri": REDIRECT_URI}
        form["state"] = state
        if shop_ids:
            form["shop_ids"] = shop_ids
        answer = httpx.post(f"{self.base_url}/shop-portal/authorize/approve", data=form)
        assert answer.status_code == 302, answer.text
        return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]

    def tokens(self, shop_ids: list[str] | None = None) -> dict[str, Any]:
        query = {
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "auth_code": self.auth_code(shop_ids),
            "grant_type": "authorized_code",
        }
        answer = httpx.get(f"{self.base_url}/api/v2/token/get", params=query).json()
        assert answer["code"] == 0, answer
        return answer["data"]  # type: ignore[no-any-return]

    def access_token(self, shop_ids: list[str] | None = None) -> str:
        return str(self.tokens(shop_ids)["access_token"])

    def update(self, **changes: Any) -> None:
        """Change runtime settings through ``/sandbox-admin/settings``."""
        answer = httpx.post(f"{self.base_url}/sandbox-admin/settings", json=changes)
        assert answer.status_code == 200, answer.text

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/sandbox-admin/stats").json()  # type: ignore[no-any-return]

    def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        shop: int | None = None,
        body: Any = None,
        query: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        """A signed call (``secret`` signs with another secret, to test refusals)."""
        params = {"app_key": self.app_key, **(query or {})}
        stamp = timestamp if timestamp is not None else self.sandbox.world.now()
        params.setdefault("timestamp", str(stamp))
        if shop is not None:
            params["shop_cipher"] = self.cipher(shop)
        raw = json.dumps(body).encode() if body is not None else b""
        params["sign"] = sign(secret or self.app_secret, path, params.items(), raw)
        headers = {"content-type": "application/json"}
        if token is not None:
            headers["x-tts-access-token"] = token
        return self.http.request(
            method, self.base_url + path, params=params, content=raw, headers=headers
        )

    def data(self, method: str, path: str, token: str, **kw: Any) -> dict[str, Any]:
        """A call that must succeed; its ``data``. Refused for the shop's rate limit (a
        connector under test may be using the whole limit), it waits ``Retry-After`` and asks
        again, as a well-behaved client does (a bounded number of times)."""
        for _ in range(20):
            answer = self.call(method, path, token, **kw)
            envelope = answer.json()
            if envelope.get("code") != RATE_LIMITED:
                break
            time.sleep(float(answer.headers.get("retry-after", "1")))
        assert envelope["code"] == 0, envelope
        assert answer.status_code == 200
        return envelope["data"]  # type: ignore[no-any-return]


@contextmanager
def running_shop_sandbox(
    config: ShopSandboxConfig | None = None, **knobs: Any
) -> Iterator[ShopSandboxHandle]:
    """A shop sandbox under uvicorn on a free port in a background thread. ``knobs`` are
    ``ShopSandboxConfig`` fields (shops, products, activities, qps, webhook_url, ...)."""
    sandbox = ShopSandbox(config or ShopSandboxConfig(**knobs), inline=True)
    try:
        with live_server(create_shop_sandbox_app(sandbox)) as base_url:
            handle = ShopSandboxHandle(base_url, sandbox)
            with handle.http:
                yield handle
    finally:
        sandbox.close()


@pytest.fixture
def shop_sandbox() -> Iterator[ShopSandboxHandle]:
    """A small shop sandbox (2 shops) without a rate limit; import it into a test module."""
    with running_shop_sandbox(shops=2, products=30, activities=8, rate_limit=False) as sb:
        yield sb
