"""What the money side of promote needs from settings, gathered once per process.

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

from pydantic_settings import BaseSettings, SettingsConfigDict

from promodesk.kit.money import CoinPricing
from promodesk.promote.payments import PaymentProvider, provider_for
from promodesk.promote.settings import PromoteSettings, promote_settings
from promodesk.settings import Settings


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
