"""TikTok Shop as a shop platform: the port's calls on ``integrations.tiktok_shop``.

The Partner API's failures become the port's (``PlatformError`` and kin), keeping the code,
message and request id; its decimal price strings become integer minor units.
"""

from promodesk.shop.platform.tiktok.adapter import NAME, TikTokShopPlatform
from promodesk.shop.platform.tiktok.wire import (
    PRICED_TYPES,
    activity_from,
    activity_product_wire,
    coupon_from,
    port_error,
    product_from,
)

__all__ = [
    "NAME",
    "PRICED_TYPES",
    "TikTokShopPlatform",
    "activity_from",
    "activity_product_wire",
    "coupon_from",
    "port_error",
    "product_from",
]
