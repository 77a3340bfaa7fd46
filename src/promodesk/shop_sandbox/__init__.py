"""A local stand-in of the TikTok Shop Partner API (promotion, product and authorization
endpoints) with the same wire format, signing, tokens and webhooks."""

from promodesk.shop_sandbox.app.asgi import create_shop_sandbox_app
from promodesk.shop_sandbox.app.sandbox import ShopSandbox
from promodesk.shop_sandbox.config import DEFAULT_APP_KEY, DEFAULT_APP_SECRET, ShopSandboxConfig

__all__ = [
    "DEFAULT_APP_KEY",
    "DEFAULT_APP_SECRET",
    "ShopSandbox",
    "ShopSandboxConfig",
    "create_shop_sandbox_app",
]
