"""Connecting a shop to TikTok Shop in the console, against the shop sandbox (both databases):
the shops list offers it, the popup goes to the seller's authorization page, "Confirm"
exchanges the code, the seller's two shops are offered by name and one is picked, the shop's
platform page says Connected and shows no token."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from promodesk.kit.db import Database
from promodesk.shop.service import shops as shops_service
from tests.integration.test_console_support import console_client, log_in, new_member
from tests.shop_platform_support import sandbox_platform


def test_connect_a_shop_in_the_console(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    with db.transaction() as uow:
        shop = shops_service.create_shop(uow, member.workspace.id, name="月饼小铺")
    with (
        sandbox_platform(shops=2, products=4, activities=2, enrollments=2) as sb,
        console_client(db, tmp_path) as client,
    ):
        csrf = log_in(client, member)
        listing = client.get("/shop/shops")
        assert "Connect to TikTok Shop" in listing.text
        page = client.get(f"/shop/shops/{shop.id}/platform")
        assert page.status_code == 200
        assert "Not connected" in page.text
        go = client.get(f"/shop/shops/{shop.id}/platform/connect", follow_redirects=False)
        assert go.status_code == 303
        target = go.headers["location"]
        assert target.startswith(f"{sb.base_url}/shop-portal/authorize?")
        query = parse_qs(urlsplit(target).query)
        approved = httpx.post(
            f"{sb.base_url}/shop-portal/authorize/approve",
            data={
                "app_key": sb.app_key,
                "redirect_uri": query["redirect_uri"][0],
                "state": query["state"][0],
            },
        )
        back = urlsplit(approved.headers["location"])
        assert back.path == "/shop/platform/callback"
        confirm = client.get(f"{back.path}?{back.query}")
        assert "Confirm" in confirm.text
        params = parse_qs(back.query)
        choice = client.post(
            "/shop/platform/callback",
            data={"csrf_token": csrf, "state": params["state"][0], "code": params["code"][0]},
        )
        assert choice.status_code == 200, choice.text
        names = [s.name for s in sb.sandbox.world.shops]
        assert all(name in choice.text for name in names)
        pending = re.search(r'name="pending" value="([^"]+)"', choice.text)
        assert pending is not None
        done = client.post(
            "/shop/platform/pick",
            data={"csrf_token": csrf, "pending": pending.group(1), "shop_cipher": sb.cipher(0)},
        )
        assert "The shop is connected to TikTok Shop." in done.text
        page = client.get(f"/shop/shops/{shop.id}/platform")
        assert "Connected" in page.text
        assert names[0] in page.text
        assert sb.cipher(0) not in page.text
        assert "Connected" in client.get("/shop/shops").text
        forged = client.post(
            "/shop/platform/pick",
            data={"csrf_token": csrf, "pending": "forged", "shop_cipher": sb.cipher(0)},
        )
        assert forged.status_code == 422
