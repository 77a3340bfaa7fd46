"""Rules' settings (``PROMODESK_RULES_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RulesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_RULES_", extra="ignore")

    # How often workers look for due rules: the delay from a due time to its evaluation.
    tick_seconds: float = Field(default=15.0, gt=0, le=600)
    # Due rules handed to one evaluation job (they share their reads).
    batch: int = Field(default=50, ge=1, le=1000)
    # How many days a simulation looks back by default.
    simulate_days: int = Field(default=30, ge=1, le=90)


@lru_cache
def rules_settings() -> RulesSettings:
    return RulesSettings()
