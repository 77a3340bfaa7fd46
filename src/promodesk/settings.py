"""Settings from the environment (``PROMODESK_*``), validated at start with clear messages."""

from __future__ import annotations

import ipaddress
import secrets
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_FX_PER_USD: dict[str, str] = {
    "USD": "1",
    "IDR": "16250",
    "THB": "36.20",
    "GBP": "0.79",
    "EUR": "0.92",
    "AUD": "1.53",
    "CAD": "1.38",
    "JPY": "151.5",
    "MYR": "4.70",
    "VND": "25400",
    "SGD": "1.34",
    "CNY": "7.24",
}


class Settings(BaseSettings):
    """Every knob of the service. Unknown ``PROMODESK_*`` variables are ignored."""

    model_config = SettingsConfigDict(env_prefix="PROMODESK_", extra="ignore")

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    demo: bool = False
    public_url: str = ""

    # Money
    coin_price_usd: str = "0.99"  # price of `coin_price_per` coins in USD
    coin_price_per: Annotated[int, Field(gt=0)] = 100
    min_charge_usd: str = "0.99"
    fx_per_usd: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_FX_PER_USD))

    # Jobs
    job_max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    job_lease_seconds: Annotated[int, Field(ge=1)] = 60
    job_poll_seconds: Annotated[float, Field(gt=0)] = 0.5
    job_backoff_base_seconds: Annotated[float, Field(ge=0)] = 2.0
    job_backoff_max_seconds: Annotated[float, Field(gt=0)] = 3600.0
    job_modules: list[str] = Field(default_factory=list)  # extra modules that register handlers

    # Security
    session_max_age_seconds: Annotated[int, Field(gt=0)] = 12 * 3600
    # Login throttle, per window: failures of one account from one address, of one account
    # from all addresses, and of one address over all accounts.
    login_max_failures: Annotated[int, Field(ge=1)] = 5
    login_max_failures_per_account: Annotated[int, Field(ge=1)] = 20
    login_max_failures_per_address: Annotated[int, Field(ge=1)] = 50
    login_window_seconds: Annotated[int, Field(ge=1)] = 15 * 60
    # Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For/-Proto are believed;
    # from anyone else those headers are ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    token_keys: list[str] = Field(default_factory=list)  # Fernet keys, newest first
    cookie_secure: bool = False
    # Strict-Transport-Security max-age on responses to HTTPS requests (0: no header).
    hsts_seconds: Annotated[int, Field(ge=0)] = 365 * 24 * 3600
    # Bearer token for /metrics; without one, /metrics answers only loopback clients.
    metrics_token: str = ""

    idempotency_ttl_hours: Annotated[int, Field(ge=1)] = 24
    # A key still "in progress" this long after its claim belonged to a request that died
    # before committing anything (the outcome commits with the work): a retry may run it.
    idempotency_stale_seconds: Annotated[float, Field(gt=0)] = 120.0

    # Request bodies: every request is capped (413 past it); bulk endpoints (Promote delivery
    # batches, shop cancel selections) have their own larger cap.
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024
    max_bulk_body_bytes: Annotated[int, Field(ge=1024)] = 32 * 1024 * 1024

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 25
    mail_from: str = "promodesk@localhost"

    log_level: str = "INFO"

    # Bounded waits: a request waits at most this long for a row or table lock (PostgreSQL
    # ``lock_timeout``; SQLite's busy timeout and write turn), then answers 503 with
    # Retry-After; a statement runs at most ``db_statement_timeout_seconds`` (PostgreSQL,
    # 0 = no limit).
    db_lock_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 10.0
    db_statement_timeout_seconds: Annotated[float, Field(ge=0, le=86400)] = 60.0
    # On SIGTERM the server stops taking requests and gives those in flight this long.
    shutdown_grace_seconds: Annotated[int, Field(ge=1, le=600)] = 10

    @field_validator("fx_per_usd")
    @classmethod
    def _rates_are_decimals(cls, value: dict[str, str]) -> dict[str, str]:
        for code, rate in value.items():
            try:
                parsed = Decimal(rate)
            except InvalidOperation:
                raise ValueError(f"FX rate for {code} is not a number: {rate!r}") from None
            if parsed <= 0:
                raise ValueError(f"FX rate for {code} must be positive, got {rate}")
        if "USD" not in value:
            raise ValueError("fx_per_usd must contain USD (the rate 1)")
        return {k.upper(): v for k, v in value.items()}

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {item!r}") from None
        return [item.strip() for item in value]

    @field_validator("coin_price_usd", "min_charge_usd")
    @classmethod
    def _positive_decimal(cls, value: str) -> str:
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if parsed <= 0:
            raise ValueError(f"must be positive, got {value}")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "PROMODESK_DATABASE_URL must start with sqlite:// or postgresql+psycopg://"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @model_validator(mode="after")
    def _defaults_from_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'promodesk.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_secret_key(self) -> str:
        """Return the secret key, generating and keeping one in the data dir on first start."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            self.secret_key = path.read_text().strip()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.secret_key = secrets.token_urlsafe(48)
            path.write_text(self.secret_key)
            path.chmod(0o600)
        return self.secret_key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
