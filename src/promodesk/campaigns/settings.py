"""Campaign change settings. The variables share the accounts prefix (``PROMODESK_ACCOUNTS_*``):
campaigns are part of the console's Accounts section."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_MINIMUMS = {
    "USD": Decimal(50),
    "EUR": Decimal(50),
    "GBP": Decimal(50),
    "SGD": Decimal(50),
    "AUD": Decimal(100),
    "MYR": Decimal(200),
    "THB": Decimal(1750),
    "IDR": Decimal(750000),
}


class CampaignsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_ACCOUNTS_", extra="ignore")

    # A new budget above this many times the current one needs a confirmation (the console's
    # confirmation page, ``confirm: true`` in the API, a question or ``--yes`` in the CLI).
    budget_confirm_factor: Annotated[Decimal, Field(gt=1, le=1000)] = Decimal(3)
    # TikTok's minimum campaign budgets, in major units per currency: a reallocation never
    # leaves a campaign below them. TikTok documents USD 50 for daily and lifetime campaign
    # budgets and scales it per market (UNCERTAIN per currency: a setting). A currency not
    # listed has no minimum checked here (TikTok's own answer still applies).
    min_daily_budget: dict[str, Decimal] = Field(default_factory=lambda: dict(_MINIMUMS))
    min_lifetime_budget: dict[str, Decimal] = Field(default_factory=lambda: dict(_MINIMUMS))
    # A reallocation whose budget updates TikTok did not answer (or whose process stopped)
    # is settled again by a job this many seconds after it started, then again every as many
    # seconds, at most ``reallocation_settle_rounds`` times; after that, Retry by hand.
    reallocation_settle_seconds: Annotated[int, Field(ge=0, le=86_400)] = 300
    reallocation_settle_rounds: Annotated[int, Field(ge=1, le=1000)] = 12
    # A Business Center transfer whose leg failed is sent again by a job, under the same
    # request_id: first this many seconds later, then twice as long each round (at most an
    # hour apart), at most ``transfer_retry_rounds`` times; after that, Retry by hand.
    transfer_retry_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    transfer_retry_rounds: Annotated[int, Field(ge=1, le=100)] = 10

    # Report history (the report sync). A first sync reads daily rows from the oldest
    # campaign's creation, at most this many days back.
    report_history_days: Annotated[int, Field(ge=1, le=3650)] = 365
    # Hourly rows are kept fresh for the last this many days (0: no hourly rows).
    report_hourly_days: Annotated[int, Field(ge=0, le=31)] = 3
    # Every sync re-reads this many days (late conversions); older days become final.
    report_attribution_days: Annotated[int, Field(ge=0, le=90)] = 7
    # Rows per report page: TikTok's maximum (1,000) unless a test wants many pages.
    report_page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    # Report pages fetched and written per job step.
    report_pages_per_step: Annotated[int, Field(ge=1, le=200)] = 5
    report_sync_max_attempts: Annotated[int, Field(ge=1, le=50)] = 6

    # Cancellations: the read-back after the settle delay, and again later.
    cancel_verify_settle_seconds: Annotated[int, Field(ge=0, le=86_400)] = 120
    cancel_verify_later_seconds: Annotated[int, Field(ge=0, le=7 * 86_400)] = 900
    # Spend reported for the hours after the stop up to this much (major units of the ad
    # account's currency) still passes the verification.
    cancel_spend_tolerance: Annotated[Decimal, Field(ge=0, le=1_000_000)] = Decimal(1)
    # Status-update chunks (20 ids each) one cancel job step sends before it commits.
    cancel_chunks_per_step: Annotated[int, Field(ge=1, le=500)] = 10
    # TikTok calls of one cancel step (and of one verification round, per endpoint it reads)
    # in flight at once; the client's rate limiter paces them, so this only hides each call's
    # answer time.
    cancel_parallel_calls: Annotated[int, Field(ge=1, le=32)] = 4
    # A failed verification alerts the workspace's owners, admins and operators by email, and
    # this webhook (signed with PROMODESK_ACCOUNTS_CANCEL_ALERT_WEBHOOK_SECRET, else the app's
    # secret key) when set.
    cancel_alert_webhook_url: str = ""
    cancel_alert_webhook_secret: str = ""

    # Monitoring after a cancellation: days shown before and after the stop day, and the
    # longest windows compared before vs after.
    monitor_days: Annotated[int, Field(ge=1, le=90)] = 14


@lru_cache(maxsize=1)
def campaigns_settings() -> CampaignsSettings:
    return CampaignsSettings()
