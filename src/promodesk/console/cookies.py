"""What a console request's cookies say, read and checked without the database: the console
it belongs to, the signed session token, the language of a visitor not logged in, and the
flashes waiting to be shown (a cookie whose signature does not hold says nothing)."""

from __future__ import annotations

from fastapi import Request
from itsdangerous import BadSignature

from promodesk.console.core import FLASH_COOKIE, LOCALE_COOKIE, SESSION_COOKIE, Console


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def session_token(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    console = console_of(request)
    try:
        token = console.session_signer.loads(raw, max_age=console.session_max_age)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def anonymous_locale(request: Request) -> str:
    cats = console_of(request).catalogs
    return cats.normalize(request.cookies.get(LOCALE_COOKIE)) or cats.negotiate(
        request.headers.get("accept-language", "")
    )


def read_flashes(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        data = console_of(request).flash_signer.loads(raw)
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    return [(str(f[0]), str(f[1])) for f in data if isinstance(f, list) and len(f) == 2]
