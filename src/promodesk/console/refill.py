"""A refused form shown again: the page the form lives on, fetched through the app's router as
this member sees it, with what was sent kept and the messages beside the fields in the member's
language (console/formerrors.py fills it in); a form sent with GET gets its page again with the
query kept. When no page can hold it, the error page says the messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from promodesk.console import errorpages, formerrors
from promodesk.console.urls import safe_next as _safe
from promodesk.console.visit import Visit
from promodesk.kit.errors import PromodeskError

log = logging.getLogger("promodesk.console")


def form_refused(request: Request, status: int) -> bool:
    return (
        request.method == "POST"
        and status in formerrors.FORM_STATUSES
        and not errorpages.wants_json(request)
        and getattr(request.state, "csrf_checked", False)
    )


async def form_again(request: Request, exc: Exception, status: int) -> Response:
    """The page the refused form lives on, rendered again (its GET) with what was sent kept and
    the messages beside the fields; the error page (never the dashboard) if it cannot be."""
    visit = await errorpages.visit_of(request)
    title = errorpages.status_title(visit, status)
    items: list[tuple[str, str]] = getattr(request.state, "form_items", [])
    state = formerrors.form_state(request.url.path, items, _in_words(visit, exc))
    fetched = None
    pages = _form_pages(request, exc)
    for page_url in pages:
        fetched = await _get_page(request, page_url)
        if fetched is not None:
            break
    if fetched is None:
        message_of = str if state.translated else _message_of(visit, status)
        messages = [message_of(n) for n in [*state.errors.values(), *state.notes]]
        return visit.page(
            "error.html",
            status=status,
            title=title,
            message=" ".join(messages),
        )
    html, cookies = fetched
    page = formerrors.fill(html, state, title=title, message_of=_message_of(visit, status))
    assert page is not None  # not required: the messages go on top if the form is gone
    return _html(page, status, cookies)


async def query_again(request: Request, exc: Exception, status: int) -> Response | None:
    """A form sent with GET (a price preview, a withdrawal amount) refused: the page it was
    typed on again, with the query kept and the messages beside the fields; None (the error
    page) if the form did not come from another page of the console."""
    if (
        request.method != "GET"
        or status not in formerrors.FORM_STATUSES
        or errorpages.wants_json(request)
    ):
        return None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = _referer(request)
    page_url = referer or _fallback_page(exc)
    if not request.url.query or not page_url or page_url == here:
        return None
    fetched = await _get_page(request, page_url)
    if fetched is None:
        return None
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "intent"]
    visit = await errorpages.visit_of(request)
    state = formerrors.form_state(request.url.path, items, _in_words(visit, exc), method="get")
    html, cookies = fetched
    title = errorpages.status_title(visit, status)
    # A page the route named shows the messages even if the form is not on it (an ineligible
    # content has no order form); a Referer is only trusted if it holds the form.
    required = referer is not None
    page = formerrors.fill(
        html, state, title=title, message_of=_message_of(visit, status), required=required
    )
    return None if page is None else _html(page, status, cookies)


def _html(page: str, status: int, cookies: list[str]) -> HTMLResponse:
    response = HTMLResponse(page, status_code=status)
    for value in cookies:
        response.headers.append("set-cookie", value)
    response.headers["Cache-Control"] = "no-store"
    return response


def _in_words(visit: Visit, exc: Exception) -> Exception:
    """A refusal that carries a short message for its field (``says``: a msgid, ``says_n``: its
    number), in a language other than English: that message, translated. English keeps the
    service's sentence, which names the field."""
    if not isinstance(exc, PromodeskError) or visit.locale == "en":
        return exc
    says = exc.extra.get("says")
    if isinstance(says, str):
        text = visit._(says, n=exc.extra.get("says_n", ""))
        return formerrors.FormRefused(text, status=exc.status_code, field=exc.field)
    if exc.message:  # the error's own translatable message
        text = visit.error_text(exc, exc.detail, exc.status_code)
        return formerrors.FormRefused(text, status=exc.status_code, field=exc.field)
    return exc


def _message_of(visit: Visit, status: int) -> Callable[[str], str]:
    """A refusal's message in the member's language: its translation if the catalogs have
    one; else, in another language than English, the sentence for the status (never English
    after a translated title: the field is still marked, and the API keeps the detail)."""

    def message(text: str) -> str:
        return visit.error_text(None, text, status) if text else ""

    return message


def _form_pages(request: Request, exc: Exception) -> list[str]:
    """Where the form may be shown again, best first: the page the ``csrf`` macro named in it,
    the Referer (same site; not the action itself, the answer of an earlier POST), the page the
    route named."""
    form: dict[str, str] = getattr(request.state, "form", {})
    named = _safe(form.get(formerrors.PAGE_FIELD, ""), default="")
    referer = _referer(request)
    if referer is not None and referer.split("?", 1)[0] == request.url.path:
        referer = None
    found = [p for p in (named, referer, _fallback_page(exc)) if p]
    return list(dict.fromkeys(found))


def _fallback_page(exc: Exception) -> str | None:
    page = exc.page if isinstance(exc, formerrors.FormRefused) else None
    return _safe(page, default="") or None if page else None


def _referer(request: Request) -> str | None:
    referer = request.headers.get("referer", "")
    host = request.headers.get("host", "")
    _, _, rest = referer.partition("://")
    if not rest or rest.split("/", 1)[0] != host:
        return None
    return _safe("/" + rest.split("/", 1)[1] if "/" in rest else "/", default="") or None


async def _get_page(request: Request, url: str) -> tuple[str, list[str]] | None:
    """The HTML of the console page at ``url`` as this member sees it (a GET through the app's
    router, with the request's cookies), and the cookies it sets; None if it is not a page."""
    path, _, query = url.partition("?")
    headers = [
        (k, v)
        for k, v in request.scope["headers"]
        if k not in (b"content-type", b"content-length", b"referer")
    ]
    scope = {
        **request.scope,
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "state": {},
    }
    for key in ("router", "endpoint", "route", "path_params"):
        scope.pop(key, None)
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await request.app.router(scope, receive, send)
    except Exception:  # the page itself failing must not turn a refusal into a 500
        log.warning("could not render %s again after a refused form", url, exc_info=True)
        return None
    raw_headers: list[tuple[bytes, bytes]] = started.get("headers", [])
    content_type = next((v for k, v in raw_headers if k.lower() == b"content-type"), b"")
    if started.get("status") != 200 or not content_type.startswith(b"text/html"):
        return None
    cookies = [v.decode("latin-1") for k, v in raw_headers if k.lower() == b"set-cookie"]
    return b"".join(chunks).decode("utf-8"), cookies
