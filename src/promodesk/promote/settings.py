"""Promote settings (``PROMODESK_PROMOTE_*``): the seed's lists and limits as editable defaults,
and what the money side needs from settings, gathered once per process (``MoneyConfig``).

Where the spec marks a fact UNCERTAIN (launch markets, budget limits, durations, the LIVE
start window), it is a setting here rather than a constant in the rules.

``PaymentSettings`` shares the ``PROMODESK_PROMOTE_`` prefix with ``PromoteSettings`` (the
payment provider and its webhook secret). With no webhook secret configured, one is derived
from the application's secret key, so the built-in test provider works out of the box and the
secret still differs between installations.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from promodesk.kit.money import CoinPricing
from promodesk.promote.domain.eligibility import Limits, parse_version, validate_region
from promodesk.promote.payments import PaymentProvider, provider_for
from promodesk.settings import Settings

# The seed's launch lists (2022-12).
VIDEO_REGIONS = ["ID", "TH", "JP", "AU", "KR", "US", "CA", "GB", "DE", "FR"]
VIDEO_REGIONS += ["IT", "ES", "PL", "SA", "AE", "EG", "TR", "VN", "MY", "BR"]
ECOMMERCE_REGIONS = ["ID", "GB", "US"]
LIVE_REGIONS = ["ID", "GB", "TH", "MY", "VN"]


class PromoteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_PROMOTE_", extra="ignore")

    min_age: Annotated[int, Field(ge=0, le=120)] = 18
    min_app_version: str = "20.4"
    account_types: list[str] = Field(default_factory=lambda: ["business", "creator", "personal"])
    video_regions: list[str] = Field(default_factory=lambda: list(VIDEO_REGIONS))
    ecommerce_regions: list[str] = Field(default_factory=lambda: list(ECOMMERCE_REGIONS))
    live_regions: list[str] = Field(default_factory=lambda: list(LIVE_REGIONS))
    # A scheduled LIVE may be promoted this many minutes before it starts.
    live_start_window_minutes: Annotated[int, Field(ge=0)] = 30
    budget_min_coins: Annotated[int, Field(gt=0)] = 100  # 100 coins = US$0.99, the min charge
    budget_max_coins: Annotated[int, Field(gt=0)] = 10_000_000
    duration_min_hours: Annotated[int, Field(ge=1)] = 1
    duration_max_hours: Annotated[int, Field(ge=1)] = 7 * 24
    # Coin packages offered as choices when recharging (any amount from the minimum charge up
    # may still be typed). The seed gives none for Promote; the spec's in-app packs (70 coins
    # and up) are under the US$0.99 minimum charge, so the defaults start at 100 coins.
    coin_packages: list[Annotated[int, Field(gt=0, le=100_000_000)]] = Field(
        default_factory=lambda: [100, 500, 1_000, 5_000, 10_000]
    )
    # Withdrawals (used by the money side): unused coins become withdrawable this long after
    # the creator's last order ended; payouts land this many working days later.
    settlement_delay_hours: Annotated[float, Field(ge=0)] = 6
    payout_working_days: Annotated[int, Field(ge=0)] = 15

    @field_validator("video_regions", "ecommerce_regions", "live_regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        return [validate_region(code) for code in value]

    @field_validator("coin_packages")
    @classmethod
    def _packages(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @field_validator("min_app_version")
    @classmethod
    def _version(cls, value: str) -> str:
        parse_version(value)
        return value

    @model_validator(mode="after")
    def _ranges(self) -> PromoteSettings:
        if self.budget_min_coins > self.budget_max_coins:
            raise ValueError("budget_min_coins must not exceed budget_max_coins")
        if self.duration_min_hours > self.duration_max_hours:
            raise ValueError("duration_min_hours must not exceed duration_max_hours")
        return self

    def limits(self) -> Limits:
        """The pure-rule view of these settings."""
        return Limits(
            min_age=self.min_age,
            min_app_version=parse_version(self.min_app_version),
            account_types=frozenset(self.account_types),
            regions={
                "video": frozenset(self.video_regions),
                "ecommerce": frozenset(self.ecommerce_regions),
                "live": frozenset(self.live_regions),
            },
            live_start_window_minutes=self.live_start_window_minutes,
            budget_min=self.budget_min_coins,
            budget_max=self.budget_max_coins,
            duration_min_hours=self.duration_min_hours,
            duration_max_hours=self.duration_max_hours,
        )


@lru_cache(maxsize=1)
def promote_settings() -> PromoteSettings:
    """The process-wide settings (read once from the environment)."""
    return PromoteSettings()


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_PROMOTE_", extra="ignore")

    payment_provider: str = "test"
    webhook_secret: str = ""
    invoice_prefix: str = "PD"


@dataclass(frozen=True)
class MoneyConfig:
    pricing: CoinPricing
    provider: PaymentProvider
    settlement_delay: timedelta
    payout_working_days: int
    invoice_prefix: str = "PD"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        promote: PromoteSettings | None = None,
        payments: PaymentSettings | None = None,
    ) -> MoneyConfig:
        promote = promote or promote_settings()
        payments = payments or PaymentSettings()
        secret = payments.webhook_secret or derive_webhook_secret(settings.ensure_secret_key())
        return cls(
            pricing=CoinPricing.from_settings(
                settings.coin_price_usd,
                settings.coin_price_per,
                settings.min_charge_usd,
                settings.fx_per_usd,
            ),
            provider=provider_for(payments.payment_provider, webhook_secret=secret),
            settlement_delay=timedelta(hours=promote.settlement_delay_hours),
            payout_working_days=promote.payout_working_days,
            invoice_prefix=payments.invoice_prefix,
        )


def derive_webhook_secret(app_secret: str) -> str:
    return hmac.new(app_secret.encode(), b"promodesk.promote.webhook", hashlib.sha256).hexdigest()
