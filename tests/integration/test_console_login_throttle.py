"""The login throttle keys on the real client address and on the account.

- ``X-Forwarded-For`` counts only when the connection comes from a configured proxy
  (``trusted_proxies``); anyone else could write a new address into it on every attempt.
- Per (account, address), per account across all addresses (many addresses cannot brute-force
  one user) and per address across all accounts (one address cannot spray passwords)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.settings import Settings
from tests.api_support import HANG_GUARD, live_server
from tests.integration.test_console_support import PASSWORD, csrf_of, new_member


def settings(db: Database, data_dir: Path, **extra: Any) -> Settings:
    return Settings(
        database_url=db.url, data_dir=data_dir, secret_key="console-test-secret", **extra
    )


def browser(db: Database, data_dir: Path, address: str, **extra: Any) -> TestClient:
    """A console client connecting from ``address``."""
    return TestClient(create_app(settings(db, data_dir, **extra), db=db), client=(address, 40000))


def attempt(client: TestClient | httpx.Client, email: str, password: str, **headers: str) -> int:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


def test_a_forged_forwarded_for_does_not_reset_the_throttle(db: Database, tmp_path: Path) -> None:
    """Through a real server: each attempt claims another address in X-Forwarded-For."""
    member = new_member(db)
    app = create_app(settings(db, tmp_path, login_max_failures=3), db=db)
    with (
        live_server(app) as base_url,
        httpx.Client(base_url=base_url, timeout=HANG_GUARD) as client,
    ):
        for n in range(3):
            forged = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
            assert attempt(client, member.email, "wrong-wrong", **forged) == 401
        forged = {"X-Forwarded-For": "198.51.100.200"}
        assert attempt(client, member.email, PASSWORD, **forged) == 429


def test_forwarded_for_counts_from_a_trusted_proxy_only(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    proxy = browser(db, tmp_path, "10.0.0.7", login_max_failures=2, trusted_proxies=["10.0.0.0/24"])
    for _ in range(2):
        assert attempt(proxy, member.email, "wrong", **{"X-Forwarded-For": "198.51.100.1"}) == 401
    # The same proxy forwarding another client: that client is not throttled.
    assert attempt(proxy, member.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.2"}) == 303
    # The throttled client stays throttled, even when it prepends a forged address.
    forged = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
    assert attempt(proxy, member.email, PASSWORD, **forged) == 429


def test_many_addresses_cannot_brute_force_one_account(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    limits = {"login_max_failures": 3, "login_max_failures_per_account": 6}
    for n in range(3):
        client = browser(db, tmp_path, f"198.51.100.{n + 10}", **limits)
        for _ in range(2):
            assert attempt(client, member.email, "wrong") == 401
    fresh = browser(db, tmp_path, "198.51.100.99", **limits)
    assert attempt(fresh, member.email, PASSWORD) == 429


def test_one_address_cannot_spray_passwords_over_every_account(
    db: Database, tmp_path: Path
) -> None:
    members = [new_member(db) for _ in range(5)]
    limits = {"login_max_failures": 3, "login_max_failures_per_address": 4}
    sprayer = browser(db, tmp_path, "198.51.100.66", **limits)
    for member in members[:4]:
        assert attempt(sprayer, member.email, "wrong") == 401
    assert attempt(sprayer, members[4].email, PASSWORD) == 429
    # Another address is not affected.
    other = browser(db, tmp_path, "198.51.100.67", **limits)
    assert attempt(other, members[4].email, PASSWORD) == 303
