"""Shop settings (``PROMODESK_SHOP_*``). Per-activity rules live on the activity; these are the
process-wide knobs: batch chunk size, the safety-stock share, limits of a selection."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ShopSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_SHOP_", extra="ignore")

    # Items per transaction of a batch: each chunk commits on its own, so a killed worker
    # loses at most one chunk of work (rolled back, then done again).
    batch_chunk_size: Annotated[int, Field(ge=1, le=20_000)] = 2000
    # Below this many items a cancel runs inline (in the request); above, as a batch job.
    inline_limit: Annotated[int, Field(ge=1, le=10_000)] = 300
    # The seed: keep 10-15 % of expected sales as safety stock; a product below this share
    # of its expected sales "ran short" in the review.
    safety_stock_percent: Annotated[int, Field(ge=0, le=100)] = 12
    # A selection (ids or CSV) may name at most this many enrollments.
    max_selection: Annotated[int, Field(ge=1)] = 1_000_000
    # Compensation coupons: one coupon is worth at most this share of the product's price, and
    # one batch (coupons × value) costs at most this many times the product's price.
    compensation_max_value_percent: Annotated[int, Field(ge=1, le=100)] = 100
    compensation_max_total_prices: Annotated[int, Field(ge=1)] = 500
    # One restock may add at most this many units (a typo guard: 99,999,999,999 is refused).
    max_restock: Annotated[int, Field(ge=1)] = 1_000_000
    default_timezone: str = "Asia/Shanghai"
    # Signs team webhooks (X-Promodesk-Signature); empty: the app's secret key.
    webhook_secret: str = ""

    # Platform links (TikTok Shop): a token is refreshed when it has less than this left;
    # the refresh job looks for such links this often.
    platform_refresh_before_seconds: Annotated[int, Field(ge=60)] = 24 * 3600
    platform_refresh_check_seconds: Annotated[int, Field(ge=10)] = 600
    # An authorization must come back within this many seconds of its start.
    platform_state_max_age_seconds: Annotated[int, Field(ge=60)] = 900
    # Republish Activity (announced 2026-07; spec §1.1, §1.5) brings a deactivated or expired
    # activity back for a restore: off where the platform does not offer it. A republished
    # activity begins this many seconds after the call (its begin must lie in the future).
    platform_republish: bool = True
    platform_republish_lead_seconds: Annotated[int, Field(ge=1, le=86_400)] = 60
    # The 15-minute verification of a linked shop reads every item's activity and product back
    # from the platform (products in bulk, 100 a page); a safety cap: at most this many items
    # a batch are read there (the rest: locally).
    platform_verify_max_products: Annotated[int, Field(ge=0)] = 100_000
    # Demo mode: the shop sandbox mounted at this path, with its published test app.
    demo_platform_mount: str = "/shop-sandbox"
    demo_platform_app_key: str = "6dsbxpromodesk"
    demo_platform_app_secret: SecretStr = SecretStr("promodesk-shop-sandbox-secret")


@lru_cache(maxsize=1)
def shop_settings() -> ShopSettings:
    return ShopSettings()
