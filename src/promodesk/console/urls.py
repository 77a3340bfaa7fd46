"""Where the console sends a browser: only paths on this site (``safe_next``), the login page
with the way back (``login_url``), and a confirmation page's URL naming one intent
(``with_intent``)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

INTENT = "intent"
# the claimed one-time submit token of a POSTed form
INTENT_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def with_intent(request: Request) -> RedirectResponse | None:
    """A confirmation page (pay, hold, withdraw, stop) lives at a URL naming one intent: the
    first visit is redirected to the same URL with a random ``intent``, so that Back returns to
    the very page whose form was sent (same token, see ``Visit.submit_token``)."""
    if INTENT_PATTERN.fullmatch(request.query_params.get(INTENT, "")):
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != INTENT]
    query.append((INTENT, secrets.token_urlsafe(12)))
    return RedirectResponse(f"{request.url.path}?{urlencode(query)}", status_code=303)


def safe_next(value: str | None, default: str = "/") -> str:
    """Only paths on this site: no scheme, no host, no ``//`` (open redirects)."""
    if not value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    if parts.path.startswith("//") or "\\" in value:
        return default
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login" if here == "/" else "/login?" + urlencode({"next": here})
