"""Accounts settings (``PROMODESK_ACCOUNTS_*``): sync cadence, links, the account manager and
the Business Center that fulfils ad-account requests."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# TikTok Ads Manager's payment page for one ad account (UNCERTAIN: a setting on purpose).
PAYMENT_URL = "https://ads.tiktok.com/i18n/account/payment?aadvid={advertiser_id}"
# The industries of the request form and TikTok's numeric industry ids for them. UNCERTAIN: no
# public list of TikTok's ids was found (spec 6.10 says only "int industry ID"), so these are
# six-digit placeholders in TikTok's shape, a setting on purpose: check them against your
# Business Center's industry list and set PROMODESK_ACCOUNTS_BUSINESS_CENTER_INDUSTRIES.
INDUSTRY_IDS: dict[str, int] = {
    "E-commerce": 290101,
    "Retail": 290102,
    "Games": 290201,
    "Apps": 290301,
    "Beauty": 290401,
    "Food and beverage": 290501,
    "Travel": 290601,
    "Education": 290701,
    "Finance": 290801,
    "Other": 290000,
}


class AccountsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_ACCOUNTS_", extra="ignore")

    # "Add payment": ``{advertiser_id}`` is replaced by the ad account's id.
    payment_url_template: str = PAYMENT_URL
    # Every ad account with an active grant is synced this often (0 turns it off).
    sync_interval_minutes: Annotated[int, Field(ge=0)] = 60
    # How often the scheduler looks for ad accounts due a sync.
    sync_check_seconds: Annotated[int, Field(ge=10)] = 60
    # A sync job does this many pages, commits, and continues in a new step: progress shows
    # while it runs, and an interrupted sync resumes from the last committed page.
    pages_per_step: Annotated[int, Field(ge=1, le=1000)] = 5
    # After this many failed attempts of one step, the sync run is marked failed.
    sync_max_attempts: Annotated[int, Field(ge=1, le=50)] = 6
    # Where "Request a new TikTok ad account" mails go.
    account_manager_email: str = "account-manager@promodesk.example"
    # With a Business Center id, requests are fulfilled through ``bc/advertiser/create/``.
    business_center_id: str = ""
    # The company sent with ``bc/advertiser/create/`` (the registered area is the country).
    business_center_company: str = "promodesk agency"
    # TikTok's numeric industry id for a request whose industry is neither a number nor a
    # name in ``business_center_industries``.
    business_center_industry: Annotated[int, Field(gt=0)] = 290000
    # Request form industry (any case) -> TikTok's numeric industry id. A JSON object; setting
    # it replaces the defaults.
    business_center_industries: dict[str, Annotated[int, Field(gt=0)]] = Field(
        default_factory=lambda: dict(INDUSTRY_IDS)
    )
    # Demo mode (``PROMODESK_DEMO``) without ``PROMODESK_TIKTOK_BASE_URL`` talks to the TikTok
    # sandbox mounted at ``/sandbox``: its published test app and Business Center (public test
    # credentials, not secrets). The Business Center serves requests unless one is configured.
    demo_tiktok_app_id: str = "7460000000000000001"
    demo_tiktok_secret: SecretStr = SecretStr("promodesk-sandbox-secret")
    demo_business_center_id: str = "7200000000000000001"


@lru_cache(maxsize=1)
def accounts_settings() -> AccountsSettings:
    return AccountsSettings()


def reload() -> AccountsSettings:
    """Re-read the environment (tests change it)."""
    accounts_settings.cache_clear()
    return accounts_settings()
