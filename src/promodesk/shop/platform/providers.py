"""The one place the shop feature gets a platform from, by provider name.

One client per provider per process: the platform limits each shop, and the client's limiter
must see every call of the app to keep each shop under its limit. Tests swap a provider with
``use_platform``.
"""

from __future__ import annotations

import os
import threading

from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.settings import TikTokShopSettings
from promodesk.settings import get_settings
from promodesk.shop.platform import tiktok
from promodesk.shop.platform.port import PlatformMisconfigured, ShopPlatform
from promodesk.shop.settings import shop_settings

PROVIDERS = (tiktok.NAME,)

_lock = threading.Lock()
_platforms: dict[str, ShopPlatform] = {}


def tiktok_settings() -> TikTokShopSettings:
    """``PROMODESK_SHOP_PLATFORM_*``; in demo mode without a configured base URL, the shop
    sandbox mounted on this server with its published test app."""
    core = get_settings()
    if core.demo and not os.environ.get("PROMODESK_SHOP_PLATFORM_BASE_URL"):
        demo = shop_settings()
        base = core.public_url.rstrip("/") or f"http://{core.host}:{core.port}"
        return TikTokShopSettings(
            base_url=f"{base}{demo.demo_platform_mount}",
            auth_url="",
            # The sandbox's seller authorization page (the platform's is on its auth host).
            authorize_page=f"{base}{demo.demo_platform_mount}/shop-portal/authorize",
            app_key=demo.demo_platform_app_key,
            app_secret=demo.demo_platform_app_secret,
        )
    return TikTokShopSettings()


def platform(name: str = tiktok.NAME) -> ShopPlatform:
    with _lock:
        found = _platforms.get(name)
        if found is None:
            if name != tiktok.NAME:
                raise PlatformMisconfigured(f"no shop platform named {name!r}")
            found = _platforms[name] = tiktok.TikTokShopPlatform(
                TikTokShopClient(tiktok_settings())
            )
        return found


def use_platform(name: str, new: ShopPlatform | None) -> ShopPlatform | None:
    """Replace a provider (None: build it from the environment on next use); returns the old."""
    with _lock:
        old = _platforms.pop(name, None)
        if new is not None:
            _platforms[name] = new
        return old
