"""Typed endpoint methods for one access token (spec §6). Obtain with ``client.for_token(t)``."""

from __future__ import annotations

from promodesk.integrations.tiktok.api.creates import Creates
from promodesk.integrations.tiktok.api.entities import Entities
from promodesk.integrations.tiktok.api.money import Money
from promodesk.integrations.tiktok.api.reports import Reports


class TikTokApi(Entities, Reports, Money, Creates):
    """Every endpoint method, for one access token."""

    def __repr__(self) -> str:
        return f"TikTokApi(base_url={self.client.settings.base_url!r})"
