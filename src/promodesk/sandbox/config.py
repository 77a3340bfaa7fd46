"""Settings of the local TikTok Marketing API sandbox: credentials, data sizes, limits, faults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from promodesk.kit import clock, sandbox_settings

DEFAULT_APP_ID = "7460000000000000001"
DEFAULT_SECRET = "promodesk-sandbox-secret"  # noqa: S105 - a public test credential, not a secret
DEFAULT_BC_ID = "7200000000000000001"

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
    "stop_delay_seconds",
    "status_noop",
    "report_ads_limit",
)


@dataclass
class SandboxConfig:
    """Everything the sandbox needs. Data sizes are *per ad account*.

    ``deleted_percent`` of campaigns, ad groups and ads are generated deleted (children of a deleted
    parent are deleted too). Generation is deterministic in ``seed`` and lazy: nothing is stored
    until a client changes it, so a sandbox of 100 accounts × 5,000 ads costs no memory up front.
    """

    app_id: str = DEFAULT_APP_ID
    secret: str = DEFAULT_SECRET
    bc_id: str = DEFAULT_BC_ID
    accounts: int = 5
    campaigns: int = 30
    adgroups: int = 60
    ads: int = 120
    audiences: int = 8
    deleted_percent: int = 10
    seed: int = 1
    # Generated create times start here; spend accrues from them until ``now()``.
    epoch: datetime = field(default_factory=lambda: datetime(2025, 6, 1, tzinfo=UTC))
    spend_scale: float = 1.0
    # A disabled or deleted campaign keeps delivering this long (ads already in flight).
    stop_delay_seconds: int = 180
    # Per app and endpoint; TikTok's Basic tier. The documented sandbox profile is 1 QPS / 30 QPM.
    rate_limit: bool = True
    qps: int = 10
    qpm: int = 600
    # Fault injection: a share of calls answered 50000, a share answered slowly, the next N failed.
    fault_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.5
    # A share of calls reach the rate counter late (queued on the way), as a busy API does:
    # a client that paces by sending time alone then meets 40100s.
    late_rate: float = 0.0
    late_seconds: float = 0.2
    fail_next: int = 0
    # Silent no-op: ``*/status/update/`` answers success but changes nothing, as users of other
    # ad APIs report; only reading the objects back shows it.
    status_noop: bool = False
    # An ad-level report covers at most this many ads; beyond it TikTok truncates the result
    # and says so in the ``X-Tt-Ads-Throttle`` header (spec §6.9: 20,000).
    report_ads_limit: int = 20_000
    # The Business Center's cash at start, in ``bc_currency``. What TikTok gives a new BC and
    # whether a BC may fund ad accounts of another currency are UNCERTAIN (spec §12): here a
    # transfer needs the ad account's currency to be the BC's.
    bc_cash: float = 100_000.0
    bc_currency: str = "USD"
    auth_code_ttl_seconds: int = 600
    # Ad accounts whose ended days' spend the world keeps (~1 MB each per 1,000 objects x 90
    # days); ``promodesk sandbox --settle`` keeps every account.
    kept_accounts: int = 32
    now: Callable[[], datetime] = clock.now

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        sizes = ("accounts", "campaigns", "adgroups", "ads", "audiences")
        for name in sizes:
            value = getattr(self, name)
            if not 0 <= value <= 10_000_000:
                raise ValueError(f"{name} must be between 0 and 10,000,000, got {value}")
        if self.accounts > 100_000:
            raise ValueError("accounts must be at most 100,000")
        if not 0 <= self.deleted_percent <= 100:
            raise ValueError("deleted_percent must be between 0 and 100")
        if self.qps < 1 or self.qpm < 1:
            raise ValueError("qps and qpm must be at least 1")
        for name in ("fault_rate", "slow_rate", "late_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in ("slow_seconds", "late_seconds"):
            if not 0 <= getattr(self, name) <= 60:
                raise ValueError(f"{name} must be between 0 and 60")
        if not 0 <= self.stop_delay_seconds <= 3600:
            raise ValueError("stop_delay_seconds must be between 0 and 3600")
        if not 1 <= self.report_ads_limit <= 10_000_000:
            raise ValueError("report_ads_limit must be between 1 and 10,000,000")
        if not 1 <= self.kept_accounts <= 100_000:
            raise ValueError("kept_accounts must be between 1 and 100,000")
        if self.fail_next < 0:
            raise ValueError("fail_next must not be negative")
        if not 0 <= self.bc_cash <= 1e12:
            raise ValueError("bc_cash must be between 0 and 1e12")
        if not self.app_id or not self.secret:
            raise ValueError("app_id and secret must not be empty")

    def update(self, changes: dict[str, Any]) -> None:
        """Apply runtime changes (only ``RUNTIME_KNOBS``), validating the result as a whole."""
        sandbox_settings.apply(self, changes, RUNTIME_KNOBS)

    def public(self) -> dict[str, Any]:
        """The settings a test or the admin page may see (no secret)."""
        keys = ("app_id", "bc_id", "accounts", "campaigns", "adgroups", "ads", "audiences")
        shown = {k: getattr(self, k) for k in (*keys, "deleted_percent")}
        shown.update({k: getattr(self, k) for k in RUNTIME_KNOBS})
        return shown
