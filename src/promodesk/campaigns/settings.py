"""Campaign change settings. The variables share the accounts prefix (``PROMODESK_ACCOUNTS_*``):
campaigns are part of the console's Accounts section."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CampaignsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_ACCOUNTS_", extra="ignore")

    # A new budget above this many times the current one needs a confirmation (the console's
    # confirmation page, ``confirm: true`` in the API, a question or ``--yes`` in the CLI).
    budget_confirm_factor: Annotated[Decimal, Field(gt=1, le=1000)] = Decimal(3)


@lru_cache(maxsize=1)
def campaigns_settings() -> CampaignsSettings:
    return CampaignsSettings()
