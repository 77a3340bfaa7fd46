"""The one place the accounts feature gets its TikTok client from.

One client per process: TikTok limits each app per endpoint, and the client's limiter must see
every request of the app to keep us under the limit. Tests and benchmarks swap it with
``use_client``.
"""

from __future__ import annotations

import os
import threading

from promodesk.accounts.settings import accounts_settings
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.oauth import OAuth, StateSigner
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.settings import get_settings

_lock = threading.Lock()
_client: TikTokClient | None = None
_job_client: TikTokClient | None = None
_swapped = False


def settings() -> TikTokSettings:
    """``PROMODESK_TIKTOK_*``; in demo mode without a configured base URL, the sandbox mounted
    at ``/sandbox`` of this server with its published test app (``PROMODESK_ACCOUNTS_DEMO_
    TIKTOK_*``)."""
    core = get_settings()
    if core.demo and not os.environ.get("PROMODESK_TIKTOK_BASE_URL"):
        base = core.public_url.rstrip("/") or f"http://{core.host}:{core.port}"
        demo = accounts_settings()
        return TikTokSettings(
            base_url=f"{base}/sandbox",
            app_id=demo.demo_tiktok_app_id,
            secret=demo.demo_tiktok_secret,
        )
    return TikTokSettings()


def client() -> TikTokClient:
    global _client
    with _lock:
        if _client is None:
            _client = TikTokClient(settings())
        return _client


def job_client() -> TikTokClient:
    """The client for calls made inside a job's transaction (a sync step).

    Rule: a job handler holds its database transaction (on SQLite, the write lock) while it
    runs, so it must not sleep through long retries. This client gives up after a short retry
    and lets the job's own backoff, which waits outside any transaction, try the step again.
    It shares the process-wide rate limiter (one per app and base URL)."""
    global _job_client
    base = client()
    with _lock:
        if _swapped:
            return base
        if _job_client is None:
            quick = base.settings.model_copy(
                update={
                    "max_attempts": min(base.settings.max_attempts, 2),
                    "backoff_initial_seconds": min(base.settings.backoff_initial_seconds, 0.2),
                    "backoff_max_seconds": min(base.settings.backoff_max_seconds, 1.0),
                    "backoff_jitter_seconds": min(base.settings.backoff_jitter_seconds, 0.2),
                    "connect_timeout_seconds": min(base.settings.connect_timeout_seconds, 5.0),
                    "timeout_seconds": min(base.settings.timeout_seconds, 15.0),
                }
            )
            _job_client = TikTokClient(quick)
        return _job_client


def use_client(new: TikTokClient | None) -> TikTokClient | None:
    """Replace the process-wide client (None: build one from the environment on next use);
    returns the previous one."""
    global _client, _job_client, _swapped
    with _lock:
        old, _client = _client, new
        _job_client = None
        _swapped = new is not None
        return old


def oauth() -> OAuth:
    return OAuth(client())


def signer(secret_key: str) -> StateSigner:
    return StateSigner(secret_key)


_secret: str | None = None


def secret_key() -> str:
    """The key that signs the OAuth ``state`` (the core secret key unless a test set one)."""
    return _secret or get_settings().ensure_secret_key()


def use_secret(key: str | None) -> None:
    global _secret
    _secret = key
