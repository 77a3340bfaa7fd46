"""Helpers for the TikTok client tests: a client pointed at a running local sandbox."""

from __future__ import annotations

from typing import Any

from promodesk.integrations.tiktok.client import TikTokClient, build_limiter
from promodesk.integrations.tiktok.settings import TikTokSettings


def client_settings(sb: Any, **overrides: Any) -> TikTokSettings:
    values: dict[str, Any] = {
        "base_url": sb.base_url,
        "app_id": sb.app_id,
        "secret": sb.secret,
        # Short backoff keeps the suite quick; the policy itself is unit-tested.
        "backoff_initial_seconds": 0.05,
        "backoff_max_seconds": 1.0,
        "backoff_jitter_seconds": 0.05,
    }
    values.update(overrides)
    return TikTokSettings(**values)


def make_client(sb: Any, *, limiter: bool = True, **overrides: Any) -> TikTokClient:
    settings = client_settings(sb, limiter_enabled=limiter, **overrides)
    return TikTokClient(settings, limiter=build_limiter(settings) if limiter else None)
