"""Settings of the local TikTok Shop Partner API sandbox: the test app, data sizes, status-rule
choices where the spec is UNCERTAIN, limits, faults and webhooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from promodesk.kit import clock, sandbox_settings

DEFAULT_APP_KEY = "6dsbxpromodesk"
DEFAULT_APP_SECRET = "promodesk-shop-sandbox-secret"  # noqa: S105 - a public test credential

# Knobs that may change while the sandbox runs (``POST /sandbox-admin/settings``).
RUNTIME_KNOBS = (
    "qps",
    "qpm",
    "rate_limit",
    "fault_rate",
    "slow_rate",
    "slow_seconds",
    "late_rate",
    "late_seconds",
    "fail_next",
    "remove_noop",
    "webhook_url",
    "webhook_attempts",
    "webhook_backoff_seconds",
    "timestamp_window_seconds",
    "min_lead_seconds",
    "ongoing_end_earlier_only",
    "upcoming_shrink_only",
    "discount_min_percent",
    "discount_max_percent",
    "flashsale_max_seconds",
    "max_products_per_activity",
    "flashsale_eligible",
)
MAX_TOTAL_PRODUCTS = 1_000_000
ACTIVITY_PLANS = (
    "mixed",
    "ONGOING",
    "NOT_START",
    "EXPIRED",
    "DEACTIVATED",
    "NOT_EFFECTIVE",
    "DRAFT",
)


@dataclass
class ShopSandboxConfig:
    """Everything the shop sandbox needs. ``products``, ``activities`` and ``coupons`` are *per
    shop*; ``enrollments`` is per activity (products enrolled in each generated activity).

    Generated data is deterministic in ``seed``; generated times are relative to the sandbox
    clock's hour when the sandbox starts, so every status (NOT_START, ONGOING, EXPIRED,
    DEACTIVATED, NOT_EFFECTIVE, DRAFT, and ONGOING with IMMUTABLE) exists at any date.
    """

    app_key: str = DEFAULT_APP_KEY
    app_secret: str = DEFAULT_APP_SECRET
    shops: int = 2
    products: int = 40
    skus_per_product: int = 3  # products have 1..this many SKUs
    activities: int = 16
    enrollments: int = 12
    coupons: int = 6
    seed: int = 1
    # "mixed": generated activities cycle through every status; or one status for them all
    # (e.g. ONGOING: a benchmark's activities all accept removals).
    activity_status: str = "mixed"
    # Per shop, across endpoints (a third-party note: 10 QPS per shop; spec §1.9, UNCERTAIN).
    rate_limit: bool = True
    qps: int = 10
    qpm: int = 1_000_000  # no minute window unless one is set (the platform states QPS only)
    # Fault injection: a share of calls answered 36009003 (HTTP 500), a share answered slowly,
    # the next N failed; ``remove_noop``: Remove Activity Product answers success but changes
    # nothing (only reading the activity back shows it).
    fault_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.5
    late_rate: float = 0.0
    late_seconds: float = 0.2
    fail_next: int = 0
    remove_noop: bool = False
    # Requests older (or further ahead) than this are refused (spec §1.8: 5 minutes).
    timestamp_window_seconds: int = 300
    # Token lifetimes (UNCERTAIN: the platform's are not in the spec).
    auth_code_ttl_seconds: int = 600
    access_token_ttl_seconds: int = 7 * 86_400
    refresh_token_ttl_seconds: int = 30 * 86_400
    # Status rules the spec marks UNCERTAIN (§1.5): the minimum lead before ``begin_time``;
    # an ONGOING activity keeps its begin and its end may only move earlier, an upcoming one
    # may only start later and end earlier (a third-party ERP's description).
    min_lead_seconds: int = 0
    ongoing_end_earlier_only: bool = True
    upcoming_shrink_only: bool = True
    # Price rules (§1.6): DIRECT_DISCOUNT percent range (US 1–99, later 5–90); a flash deal's
    # longest run (US: 72 h); products per activity in total (0: no cap, UNCERTAIN).
    discount_min_percent: int = 1
    discount_max_percent: int = 99
    flashsale_max_seconds: int = 72 * 3600
    max_products_per_activity: int = 0
    # The seller-flash-deal eligibility gate (store rating, violation points; §1.6): when off,
    # flash deals can be neither created nor edited through the API; running ones keep running.
    flashsale_eligible: bool = True
    # Webhooks go to this URL (none when empty), retried with doubling backoff.
    webhook_url: str = ""
    webhook_attempts: int = 5
    webhook_backoff_seconds: float = 1.0
    # How often the clock's status changes (an activity starting or ending) are looked for.
    status_watch_seconds: float = 1.0
    now: Callable[[], datetime] = field(default=clock.now, repr=False)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not 0 <= self.shops <= 1000:
            raise ValueError("shops must be between 0 and 1,000")
        for name in ("products", "activities", "coupons"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_TOTAL_PRODUCTS:
                raise ValueError(f"{name} must be between 0 and {MAX_TOTAL_PRODUCTS:,}")
        if self.shops * self.products > MAX_TOTAL_PRODUCTS:
            raise ValueError(f"shops × products must be at most {MAX_TOTAL_PRODUCTS:,}")
        if not 1 <= self.skus_per_product <= 50:
            raise ValueError("skus_per_product must be between 1 and 50")
        if not 0 <= self.enrollments <= self.products:
            raise ValueError("enrollments must be between 0 and products")
        if self.activity_status not in ACTIVITY_PLANS:
            raise ValueError(f"activity_status must be one of {', '.join(ACTIVITY_PLANS)}")
        if self.qps < 1 or self.qpm < 1:
            raise ValueError("qps and qpm must be at least 1")
        for name in ("fault_rate", "slow_rate", "late_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in ("slow_seconds", "late_seconds"):
            if not 0 <= getattr(self, name) <= 60:
                raise ValueError(f"{name} must be between 0 and 60")
        if self.fail_next < 0:
            raise ValueError("fail_next must not be negative")
        if not 1 <= self.timestamp_window_seconds <= 86_400:
            raise ValueError("timestamp_window_seconds must be between 1 and 86,400")
        for name in ("auth_code_ttl_seconds", "access_token_ttl_seconds"):
            if not 1 <= getattr(self, name) <= 10 * 365 * 86_400:
                raise ValueError(f"{name} must be between 1 second and 10 years")
        if not self.access_token_ttl_seconds <= self.refresh_token_ttl_seconds <= 10 * 365 * 86_400:
            raise ValueError("refresh_token_ttl_seconds must be at least the access token's")
        if not 0 <= self.min_lead_seconds <= 30 * 86_400:
            raise ValueError("min_lead_seconds must be between 0 and 30 days")
        if not 1 <= self.discount_min_percent <= self.discount_max_percent <= 99:
            raise ValueError("discount percents must satisfy 1 <= min <= max <= 99")
        if not 600 <= self.flashsale_max_seconds <= 365 * 86_400:
            raise ValueError("flashsale_max_seconds must be between 600 and a year")
        if self.max_products_per_activity < 0:
            raise ValueError("max_products_per_activity must not be negative")
        if self.webhook_url and not _http_url(self.webhook_url):
            raise ValueError("webhook_url must be an http(s) URL")
        if not 1 <= self.webhook_attempts <= 20:
            raise ValueError("webhook_attempts must be between 1 and 20")
        if not 0 <= self.webhook_backoff_seconds <= 300:
            raise ValueError("webhook_backoff_seconds must be between 0 and 300")
        if not 0.01 <= self.status_watch_seconds <= 3600:
            raise ValueError("status_watch_seconds must be between 0.01 and 3600")
        if not self.app_key or not self.app_secret:
            raise ValueError("app_key and app_secret must not be empty")
        if len(self.app_key) > 64 or len(self.app_secret) > 256:
            raise ValueError("app_key or app_secret too long")

    def update(self, changes: dict[str, Any]) -> None:
        """Apply runtime changes (only ``RUNTIME_KNOBS``), validating the result as a whole."""
        sandbox_settings.apply(self, changes, RUNTIME_KNOBS)

    def public(self) -> dict[str, Any]:
        """The settings a test or the admin page may see (no secret)."""
        keys = ("app_key", "shops", "products", "skus_per_product", "activities", "enrollments")
        shown = {k: getattr(self, k) for k in (*keys, "coupons", "seed", "activity_status")}
        shown.update({k: getattr(self, k) for k in RUNTIME_KNOBS})
        return shown


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(value) <= 2048
