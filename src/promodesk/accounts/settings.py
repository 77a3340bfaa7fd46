"""Accounts settings (``PROMODESK_ACCOUNTS_*``): sync cadence, links and the account manager."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# TikTok Ads Manager's payment page for one ad account (UNCERTAIN: a setting on purpose).
PAYMENT_URL = "https://ads.tiktok.com/i18n/account/payment?aadvid={advertiser_id}"


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
    # TikTok's numeric industry id used when the request's industry is not one.
    business_center_industry: int = 290000


@lru_cache(maxsize=1)
def accounts_settings() -> AccountsSettings:
    return AccountsSettings()


def reload() -> AccountsSettings:
    """Re-read the environment (tests change it)."""
    accounts_settings.cache_clear()
    return accounts_settings()
