"""The authorization pages' shared handling (the TikTok Marketing API sandbox's ``/portal/auth``
and the TikTok Shop Partner API sandbox's ``/shop-portal/authorize``): a refusal is a plain 400
page; ``redirect_uri`` must be an http(s) URL of at most 2048 characters; the chosen ids arrive
as repeated fields, comma-separated text or a JSON array; approving redirects (302) to
``redirect_uri`` with the code and state added to the query it already has."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import HTMLResponse, RedirectResponse


def problem(message: str) -> HTMLResponse:
    body = f'<!doctype html><meta charset="utf-8"><title>Error</title><p>{escape(message)}</p>'
    return HTMLResponse(body, status_code=400)


def redirect_ok(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(uri) <= 2048


def chosen(values: list[str]) -> list[str]:
    """Ids from repeated fields, comma-separated text or a JSON array."""
    out: list[str] = []
    for value in values:
        text = value.strip()
        if text.startswith("["):
            try:
                out.extend(str(v) for v in json.loads(text))
                continue
            except ValueError:
                pass
        out.extend(v.strip() for v in text.split(",") if v.strip())
    return out


def redirect(redirect_uri: str, params: list[tuple[str, str]]) -> RedirectResponse:
    """A 302 to ``redirect_uri`` with ``params`` after the query it already has."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += params
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)
