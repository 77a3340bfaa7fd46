"""Settings of the TikTok Marketing API client (``PROMODESK_TIKTOK_*``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PRODUCTION_URL = "https://business-api.tiktok.com"
SANDBOX_URL = "https://sandbox-ads.tiktok.com"
API_PREFIX = "open_api/v1.3/"

# Names accepted for ``base_url`` besides a URL.
BASE_URL_ALIASES = {"production": PRODUCTION_URL, "sandbox": SANDBOX_URL}


class TikTokSettings(BaseSettings):
    """Where the API lives, the app credentials, and how hard we may push it."""

    model_config = SettingsConfigDict(env_prefix="PROMODESK_TIKTOK_", extra="ignore")

    # "production", "sandbox" (TikTok's), or any URL such as the local sandbox
    # (``http://127.0.0.1:8000/sandbox``); the client appends ``/open_api/v1.3/``.
    base_url: str = PRODUCTION_URL
    # The advertiser authorization page; empty means ``{base_url}/portal/auth``.
    auth_url: str = ""
    app_id: str = ""
    secret: SecretStr = SecretStr("")

    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    max_connections: Annotated[int, Field(ge=1)] = 32
    # An idle connection is dropped after this long, before a server that closes idle ones
    # after 5 s (a common default) can close it under a request just sent (connection reset).
    keepalive_seconds: Annotated[float, Field(gt=0)] = 4.0

    # Retries on 40100, 50000-class codes and transport errors.
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 6
    backoff_initial_seconds: Annotated[float, Field(ge=0)] = 1.0
    backoff_max_seconds: Annotated[float, Field(ge=0)] = 60.0
    backoff_jitter_seconds: Annotated[float, Field(ge=0)] = 1.0

    # Client-side limiter, per endpoint (TikTok limits each app per endpoint).
    # Set: every process takes its places from one limiter in Redis (``kit.ratelimit_redis``);
    # empty: each process paces itself. Read from ``PROMODESK_REDIS_URL``, like every feature
    # that shares state between processes.
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("PROMODESK_REDIS_URL", "redis_url")
    )
    limiter_enabled: bool = True
    qps: Annotated[float, Field(gt=0)] = 10.0
    qpm: Annotated[int, Field(ge=1)] = 600
    # Per-endpoint overrides: {"ad/create/": [5, 150]} = 5 QPS, 150 QPM.
    endpoint_limits: dict[str, tuple[float, int]] = Field(
        default_factory=lambda: {"ad/create/": (5.0, 150)}
    )
    # A call keeps its limiter place until its answer is back, then for one window more. The
    # server counts a call somewhere between sending and answering, so however unevenly it
    # counts, it never sees more than the limit (no 40100 from our own pace). Off: a place comes
    # back one window (+ margin) after the call left: faster when answers are slow, but a server
    # that counts some calls late answers others with 40100.
    limiter_hold_until_answer: bool = True
    # Added to each window (seconds).
    limiter_margin_seconds: Annotated[float, Field(ge=0)] = 0.0
    # Space calls evenly within each second instead of sending the second's budget at once.
    limiter_spread: bool = True

    page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    max_workers: Annotated[int, Field(ge=1, le=64)] = 4
    state_max_age_seconds: Annotated[int, Field(ge=1)] = 600

    @field_validator("base_url", "auth_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        value = BASE_URL_ALIASES.get(value.strip().lower(), value.strip())
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL or one of {sorted(BASE_URL_ALIASES)}")
        return value.rstrip("/")

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/{API_PREFIX}"

    @property
    def authorization_page(self) -> str:
        return self.auth_url or f"{self.base_url}/portal/auth"
