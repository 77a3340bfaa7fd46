"""Linking a shop to its TikTok Shop over the API, against the shop sandbox (both databases):
the authorization URL, the seller's approval, a choice between two shops by cipher, the link's
state without a token, and refusals of a forged state, a tampered pending authorization or a
used code."""

from __future__ import annotations

from pathlib import Path

import httpx

from promodesk.kit.db import Database
from tests.api_support import HANG_GUARD, bearer, live_server, make_app, new_key, new_workspace
from tests.shop_platform_support import CALLBACK, approve, sandbox_platform

V = "/api/v1/shop"


def test_link_a_shop_through_the_authorization(db: Database, tmp_path: Path) -> None:
    workspace = new_workspace(db, "link")
    key = new_key(db, workspace, "operator")
    with (
        sandbox_platform(shops=2, products=5, activities=2, enrollments=3) as sb,
        live_server(make_app(db, tmp_path)) as base,
    ):
        c = httpx.Client(base_url=base, headers=bearer(key), timeout=HANG_GUARD)
        shop = c.post(f"{V}/shops", json={"name": "月饼小铺"}).json()
        other = c.post(f"{V}/shops", json={"name": "Other"}).json()
        unlinked = c.get(f"{V}/shops/{shop['id']}/platform")
        assert unlinked.status_code == 200
        assert unlinked.json() is None
        answer = c.post(
            f"{V}/shops/{shop['id']}/platform/authorize-url", json={"redirect_uri": CALLBACK}
        )
        assert answer.status_code == 200, answer.text
        url = answer.json()["url"]
        assert url.startswith(f"{sb.base_url}/shop-portal/authorize?")
        assert httpx.get(url).status_code == 200  # the seller's page renders

        other_url = c.post(
            f"{V}/shops/{other['id']}/platform/authorize-url", json={"redirect_uri": CALLBACK}
        ).json()["url"]
        assert other_url != url  # each state names its own shop
        code, state = approve(url)  # both sandbox shops
        choice = c.post(f"{V}/platform/link", json={"state": state, "code": code})
        assert choice.status_code == 409, choice.text
        body = choice.json()
        assert body["error"] == "PlatformChoiceNeeded"
        ciphers = {s["cipher"] for s in body["shops"]}
        assert ciphers == {sb.cipher(0), sb.cipher(1)}
        picked = c.post(
            f"{V}/platform/link/pick",
            json={"pending": body["pending"], "shop_cipher": sb.cipher(1)},
        )
        assert picked.status_code == 200, picked.text
        assert picked.json()["shop_id"] == shop["id"]
        link = c.get(f"{V}/shops/{shop['id']}/platform").json()
        assert link["status"] == "active"
        assert link["platform_shop_id"] == sb.sandbox.world.shops[1].id
        assert "token" not in " ".join(f"{k}={v}" for k, v in link.items() if "expires" not in k)

        forged = c.post(f"{V}/platform/link", json={"state": "forged", "code": "x"})
        assert forged.status_code == 422
        assert forged.json()["error"] == "InvalidPlatformState"
        tampered = c.post(
            f"{V}/platform/link/pick",
            json={"pending": body["pending"] + "x", "shop_cipher": sb.cipher(1)},
        )
        assert tampered.status_code == 422
        used = c.post(f"{V}/platform/link", json={"state": state, "code": code})
        assert used.status_code == 422  # a code is single use
        missing = c.get(f"{V}/shops/999999999/platform")
        assert missing.status_code == 404
