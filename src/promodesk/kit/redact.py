"""Keep access tokens and app secrets out of logs and error messages (every HTTP client of a
third-party API uses it)."""

from __future__ import annotations

import logging
import re

MASK = "***"
# Query parameters that carry credentials (TikTok's oauth2/advertiser/get/ sends the secret in
# the URL; TikTok Shop's token paths send app_secret, auth_code and refresh_token).
_SECRET_PARAMS = re.compile(
    r"(?i)\b((?:app_)?secret|access_token|refresh_token|auth_code)=[^&\s\"']*"
)


def scrub(text: str, *secrets: str) -> str:
    """``text`` with every known secret value and every credential query parameter masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={MASK}", text)


class _ScrubQueries(logging.Filter):
    """httpx logs every request URL at INFO; mask the credential parameters in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_installed = False


def install_log_filter() -> None:
    """Idempotent: attach the filter to the loggers of httpx and httpcore."""
    global _installed
    if _installed:
        return
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).addFilter(_ScrubQueries())
    _installed = True
