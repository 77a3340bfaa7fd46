"""Client address and scheme behind trusted proxies: worked examples."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from promodesk.kit.proxy import TrustedProxyMiddleware
from promodesk.settings import Settings


def seen(trusted: list[str], peer: str, headers: dict[str, str]) -> tuple[str, str]:
    """(client host, scheme) the app sees for a request from ``peer``."""
    got: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        got.update(scope)

    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(TrustedProxyMiddleware(app, trusted)(scope, None, None))  # type: ignore[arg-type]
    return got["client"][0], got["scheme"]


XFF = "X-Forwarded-For"


def test_no_trusted_proxy_means_forwarded_headers_are_ignored() -> None:
    headers = {XFF: "198.51.100.1", "X-Forwarded-Proto": "https"}
    assert seen([], "127.0.0.1", headers) == ("127.0.0.1", "http")


def test_an_untrusted_peer_cannot_claim_an_address() -> None:
    assert seen(["10.0.0.1"], "203.0.113.5", {XFF: "198.51.100.1"}) == ("203.0.113.5", "http")


def test_a_trusted_proxy_names_the_client_and_scheme() -> None:
    headers = {XFF: "198.51.100.1", "X-Forwarded-Proto": "https"}
    assert seen(["10.0.0.0/8"], "10.1.2.3", headers) == ("198.51.100.1", "https")


def test_the_right_most_untrusted_address_is_the_client() -> None:
    # client-written junk, the real client, then a second trusted proxy
    headers = {XFF: "1.1.1.1, 198.51.100.1, 10.0.0.2"}
    assert seen(["10.0.0.0/8"], "10.0.0.1", headers)[0] == "198.51.100.1"


def test_an_entry_that_is_not_an_address_stops_the_walk() -> None:
    assert seen(["10.0.0.1"], "10.0.0.1", {XFF: "nonsense"})[0] == "10.0.0.1"
    assert seen(["10.0.0.1"], "10.0.0.1", {XFF: "nonsense, 10.0.0.1"})[0] == "10.0.0.1"


def test_ipv6_and_an_unknown_scheme() -> None:
    headers = {XFF: "2001:db8::7", "X-Forwarded-Proto": "gopher"}
    assert seen(["::1"], "::1", headers) == ("2001:db8::7", "http")


def test_the_setting_refuses_what_is_not_an_address_or_network() -> None:
    assert Settings(trusted_proxies=["10.0.0.0/8", "::1"]).trusted_proxies == ["10.0.0.0/8", "::1"]
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(trusted_proxies=["proxy.example"])
