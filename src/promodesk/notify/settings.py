"""Notification settings (``PROMODESK_NOTIFY_*``) next to the core mail settings.

The SMTP host, port and sender are core settings (``PROMODESK_SMTP_HOST``,
``PROMODESK_SMTP_PORT``, ``PROMODESK_MAIL_FROM``); this module adds what only delivery needs.
Capture mode (demo, or ``PROMODESK_NOTIFY_CAPTURE=1``) sends nothing: messages are kept in the
outbox as ``captured`` so a person can read them in the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from promodesk.settings import Settings, get_settings


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROMODESK_NOTIFY_", extra="ignore")

    capture: bool = False
    # None: webhooks follow ``capture`` (and demo mode); True/False overrides for webhooks only.
    capture_webhooks: bool | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False  # implicit TLS (port 465) instead of STARTTLS
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    webhook_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    # Retry delays of a failed delivery; None uses the jobs' backoff settings.
    retry_base_seconds: Annotated[float, Field(ge=0)] | None = None
    retry_max_seconds: Annotated[float, Field(gt=0)] | None = None
    signature_tolerance_seconds: Annotated[int, Field(ge=1)] = 300


@dataclass(frozen=True)
class Delivery:
    """Everything a delivery attempt needs, resolved from both settings objects."""

    capture_mail: bool
    capture_webhooks: bool
    smtp_host: str
    smtp_port: int
    mail_from: str
    smtp_starttls: bool
    smtp_ssl: bool
    smtp_username: str
    smtp_password: str
    smtp_timeout: float
    webhook_timeout: float
    retry_base: float
    retry_max: float


@lru_cache(maxsize=1)
def notify_settings() -> NotifySettings:
    return NotifySettings()


def delivery(core: Settings | None = None, own: NotifySettings | None = None) -> Delivery:
    core = core or get_settings()
    own = own or notify_settings()
    capture_mail = core.demo or own.capture
    hooks = capture_mail if own.capture_webhooks is None else own.capture_webhooks
    return Delivery(
        capture_mail=capture_mail,
        capture_webhooks=hooks,
        smtp_host=core.smtp_host,
        smtp_port=core.smtp_port,
        mail_from=core.mail_from,
        smtp_starttls=own.smtp_starttls,
        smtp_ssl=own.smtp_ssl,
        smtp_username=own.smtp_username,
        smtp_password=own.smtp_password,
        smtp_timeout=own.smtp_timeout_seconds,
        webhook_timeout=own.webhook_timeout_seconds,
        retry_base=(
            core.job_backoff_base_seconds
            if own.retry_base_seconds is None
            else own.retry_base_seconds
        ),
        retry_max=(
            core.job_backoff_max_seconds if own.retry_max_seconds is None else own.retry_max_seconds
        ),
    )


def reload() -> None:
    """Forget cached settings (after a test or a command changed ``PROMODESK_*`` variables)."""
    get_settings.cache_clear()
    notify_settings.cache_clear()
