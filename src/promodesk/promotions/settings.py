"""Promotions settings (``PROMODESK_PROMOTIONS_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# TikTok Shop product pages (``https://shop.tiktok.com/view/product/1729…``) and links that
# carry the id as a query parameter. UNCERTAIN beyond TikTok Shop: a setting.
_PATTERNS = [r"/product/(\d{3,20})(?:[/?#]|$)", r"[?&]product_id=(\d{3,20})(?:&|#|$)"]


class PromotionsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_PROMOTIONS_", extra="ignore")

    # Regular expressions whose first group is a shop product's platform id in an ad's
    # landing page URL (the automatic product links of ads).
    product_url_patterns: list[str] = Field(default_factory=lambda: list(_PATTERNS))
    # How often a stop everywhere looks at its running steps (their channels' own records).
    stop_watch_seconds: float = Field(5.0, ge=0, le=3600)


@lru_cache
def promotions_settings() -> PromotionsSettings:
    return PromotionsSettings()
