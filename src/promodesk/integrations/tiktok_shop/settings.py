"""Settings of the TikTok Shop Partner API client (``PROMODESK_SHOP_PLATFORM_*``).

Facts the spec marks UNCERTAIN are settings with the spec's best guess as the default: the
rate limit per shop (10 QPS), the remove limit per call (300 ids), the paths of the newer
endpoints.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PRODUCTION_URL = "https://open-api.tiktokglobalshop.com"
SANDBOX_URL = "https://open-api-sandbox.tiktokglobalshop.com"
PRODUCTION_AUTH_URL = "https://auth.tiktok-shops.com"
SANDBOX_AUTH_URL = "https://auth-sandbox.tiktok-shops.com"

BASE_URL_ALIASES = {"production": PRODUCTION_URL, "sandbox": SANDBOX_URL}
AUTH_URL_ALIASES = {"production": PRODUCTION_AUTH_URL, "sandbox": SANDBOX_AUTH_URL}


class TikTokShopSettings(BaseSettings):
    """Where the Partner API lives, the app's key and secret, and how hard we may push it."""

    model_config = SettingsConfigDict(env_prefix="PROMODESK_SHOP_PLATFORM_", extra="ignore")

    # "production", "sandbox" (TikTok's), or any URL such as the local sandbox.
    base_url: str = PRODUCTION_URL
    # The host of the token paths (``/api/v2/token/get``); empty: the base URL (as in the
    # local sandbox, where the auth paths and the API share one base URL).
    auth_url: str = PRODUCTION_AUTH_URL
    # The seller authorization page; empty: ``{auth_url}/oauth/authorize``.
    authorize_page: str = ""
    app_key: str = ""
    app_secret: SecretStr = SecretStr("")

    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    max_connections: Annotated[int, Field(ge=1)] = 32
    keepalive_seconds: Annotated[float, Field(gt=0)] = 4.0

    max_attempts: Annotated[int, Field(ge=1, le=20)] = 6
    backoff_initial_seconds: Annotated[float, Field(ge=0)] = 0.5
    backoff_max_seconds: Annotated[float, Field(ge=0)] = 30.0
    backoff_jitter_seconds: Annotated[float, Field(ge=0)] = 0.5

    # Rate limit per shop (UNCERTAIN: a third party reports 10 QPS by default). Each call
    # holds its place until its answer is back, then one window more (``kit.ratelimit``).
    # Set: every process takes its places from one limiter in Redis (``kit.ratelimit_redis``);
    # empty: each process paces itself. Read from ``PROMODESK_REDIS_URL``, like every feature
    # that shares state between processes.
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("PROMODESK_REDIS_URL", "redis_url")
    )
    limiter_enabled: bool = True
    qps: Annotated[float, Field(gt=0)] = 10.0
    qpm: Annotated[int, Field(ge=1)] = 600
    limiter_spread: bool = True

    # Per-call caps of the promotion endpoints (spec §1.4).
    remove_ids_per_call: Annotated[int, Field(ge=1, le=300)] = 300
    update_products_per_call: Annotated[int, Field(ge=1, le=300)] = 300
    page_size: Annotated[int, Field(ge=1, le=100)] = 50

    # A token is refreshed when it has less than this left.
    refresh_before_seconds: Annotated[int, Field(ge=60)] = 24 * 3600
    # How old a webhook's ``timestamp`` may be (0: not checked).
    webhook_max_age_seconds: Annotated[int, Field(ge=0)] = 0
    state_max_age_seconds: Annotated[int, Field(ge=1)] = 600

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return _url(value, BASE_URL_ALIASES, required=True)

    @field_validator("auth_url")
    @classmethod
    def _auth(cls, value: str) -> str:
        return _url(value, AUTH_URL_ALIASES, required=False)

    @field_validator("authorize_page")
    @classmethod
    def _page(cls, value: str) -> str:
        return _url(value, {}, required=False)

    @property
    def token_url(self) -> str:
        return self.auth_url or self.base_url

    @property
    def authorization_page(self) -> str:
        return self.authorize_page or f"{self.token_url}/oauth/authorize"


def _url(value: str, aliases: dict[str, str], *, required: bool) -> str:
    value = aliases.get(value.strip().lower(), value.strip())
    if not value and not required:
        return ""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s) URL or one of {sorted(aliases) or ['<url>']}")
    return value.rstrip("/")
