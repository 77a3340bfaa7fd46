"""The shop sandbox behind the shop-platform port, for tests of the connector's features:

with sandbox_platform(shops=2) as sb:
    link_id = link_shop(db, workspace_id, shop_id, sb, shop_index=0)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.settings import TikTokShopSettings
from promodesk.kit.db import Database
from promodesk.kit.ratelimit import Limits, RateLimiter
from promodesk.shop.platform import providers, tiktok
from promodesk.shop.service.platform_links import authorization, linking
from tests.shop_sandbox_support import ShopSandboxHandle, running_shop_sandbox

CALLBACK = "http://127.0.0.1/shop-callback"


def platform_settings(sb: ShopSandboxHandle, **over: Any) -> TikTokShopSettings:
    return TikTokShopSettings(
        base_url=sb.base_url,
        auth_url="",
        authorize_page=f"{sb.base_url}/shop-portal/authorize",
        app_key=sb.app_key,
        app_secret=sb.app_secret,
        backoff_initial_seconds=0.05,
        backoff_max_seconds=0.2,
        backoff_jitter_seconds=0.0,
        **over,
    )


@contextmanager
def sandbox_platform(**knobs: Any) -> Iterator[ShopSandboxHandle]:
    """A running shop sandbox installed as the ``tiktok_shop`` provider (with a limiter of its
    own, so tests do not share one)."""
    with running_shop_sandbox(**knobs) as sb:
        settings = platform_settings(sb)
        limiter = RateLimiter(Limits(settings.qps, settings.qpm), spread=True, hold=True)
        client = TikTokShopClient(settings, limiter=limiter)
        old = providers.use_platform(tiktok.NAME, tiktok.TikTokShopPlatform(client))
        try:
            yield sb
        finally:
            providers.use_platform(tiktok.NAME, old)
            client.close()


def approve(url: str, shop_ids: list[str] | None = None) -> tuple[str, str]:
    """The seller approves on the sandbox's authorization page ``url``: (code, state)."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    form: dict[str, Any] = {
        "app_key": query["app_key"],
        "redirect_uri": query["redirect_uri"],
        "state": query["state"],
    }
    if shop_ids:
        form["shop_ids"] = shop_ids
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    answer = httpx.post(f"{base}/approve", data=form)
    assert answer.status_code == 302, answer.text
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    return back["code"][0], back["state"][0]


def link_shop(
    db: Database, workspace_id: int, shop_id: int, sb: ShopSandboxHandle, shop_index: int = 0
) -> int:
    """Link a promodesk shop to sandbox shop ``shop_index`` through the whole authorization."""
    with db.transaction() as uow:
        url = authorization.authorization_url(
            uow, workspace_id, shop_id, actor="test", redirect_uri=CALLBACK
        )
    code, state = approve(url, [sb.sandbox.world.shops[shop_index].id])
    authorized = authorization.authorize(workspace_id, state=state, code=code)
    with db.transaction() as uow:
        return int(linking.link(uow, authorized, actor="test").id)
