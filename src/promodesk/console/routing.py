"""The route class of every console page: errors become pages or flashes, never a 500 or JSON.

Rules:
- A ``PromodeskError`` on a page (GET) renders the error page with the error's status. On an
  action (POST), a refusal of what was sent (400, 409, 422, 503, and a pydantic
  ``ValidationError``) renders the form's page again with the input kept and the messages
  beside the fields (console/formerrors.py); other refusals (403, 429) become a flash and the
  browser goes back to the page it came from. The action's unit of work has rolled back by then
  (the exception left its ``with`` block).
- No session: pages redirect to the login page; ``.json`` endpoints answer 401 JSON.
- A POST whose CSRF token is missing or wrong gets the 403 page; a POST route that forgot to
  check the token is refused the same way.
- Malformed input the router rejects (a path id that is not a number) is a 404 page.
- The route's unit of work (console/visit.py, ``Uow``) is closed before any of the above: a
  refused action has rolled back before its page is rendered again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from promodesk.console import formerrors, forms, submit
from promodesk.console.urls import login_url
from promodesk.console.urls import safe_next as _safe
from promodesk.console.visit import (
    CsrfRefused,
    LoginRequired,
    Redirected,
    Visit,
    bare_visit,
    close_unit,
    console_of,
    open_visit,
)
from promodesk.kit.db import BUSY_ERRORS
from promodesk.kit.errors import PromodeskError, ServiceUnavailable

log = logging.getLogger("promodesk.console")

Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Endpoint:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response: Response | None = None
            try:
                if request.method == "POST":
                    await forms.read(request)
                    answer = await submit.begin(request)
                    if answer is not None:
                        return await _answer(request, answer)
                response = await _run(original, request)
            except Redirected as exc:
                return exc.response
            except LoginRequired:
                return _login_required(request)
            except CsrfRefused:
                return await _csrf_refused(request)
            except PromodeskError as exc:
                if _form_refused(request, exc.status_code):
                    response = await _form_again(request, exc, exc.status_code)
                    return response
                if (again := await _query_again(request, exc, exc.status_code)) is not None:
                    return again
                return await _error(request, exc.status_code, exc.detail, exc.to_body(), exc)
            except formerrors.FormRefused as exc:
                # the route asked for its form back, whatever the status (a coupon not found)
                shown = exc.status if exc.status in formerrors.FORM_STATUSES else 422
                if _form_refused(request, shown):
                    response = await _form_again(request, exc, shown)
                    return response
                if (again := await _query_again(request, exc, shown)) is not None:
                    return again
                body = {"error": "Refused", "detail": str(exc)}
                return await _error(request, exc.status, str(exc), body)
            except ValidationError as exc:
                if _form_refused(request, 422):
                    response = await _form_again(request, exc, 422)
                    return response
                body = {"error": "ValidationFailed", "detail": str(exc.errors()[:1])}
                return await _error(request, 422, "", body)
            except BUSY_ERRORS:
                busy = ServiceUnavailable(
                    "the database is busy; nothing was changed, please try again in a moment"
                )
                if _form_refused(request, busy.status_code):
                    response = await _form_again(request, busy, busy.status_code)
                    return response
                return await _error(request, busy.status_code, busy.detail, busy.to_body())
            except RequestValidationError:
                return await _error(request, 404, "", {"error": "NotFound", "detail": "not found"})
            except HTTPException as exc:
                return await _error(
                    request, exc.status_code, str(exc.detail), {"error": "HTTPError"}
                )
            finally:
                await submit.finish(request, response)
            if request.method == "POST" and not getattr(request.state, "csrf_checked", False):
                log.error("console POST %s did not check its CSRF token", request.url.path)
                return await _csrf_refused(request)
            return response

        return handler


async def _run(original: Endpoint, request: Request) -> Response:
    """The route, then its unit of work closed: committed if it returned, rolled back if it
    raised (even when the client went away: the connection goes back to the pool)."""
    try:
        response = await original(request)
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(close_unit, request, exc)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(close_unit, request, None)
    return response


async def _visit(request: Request) -> Visit:
    """The request's visit; when the error came before the route opened one (a malformed id),
    a page view still gets the member's layout and language."""
    visit: Visit | None = getattr(request.state, "visit", None)
    if visit is not None:
        return visit
    if request.method == "GET":
        return await run_in_threadpool(_open_quietly, request)
    return bare_visit(request)


def _open_quietly(request: Request) -> Visit:
    try:
        with console_of(request).st.db.transaction() as uow:
            return open_visit(request, uow, login=False)
    except Exception:  # an error page must never fail because the database did
        log.warning("error page without a session", exc_info=True)
        return bare_visit(request)


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def _login_required(request: Request) -> Response:
    if _wants_json(request):
        body = {"error": "Unauthorized", "detail": "log in to the console first"}
        return JSONResponse(body, status_code=401)
    visit = bare_visit(request)
    if request.method == "POST":
        visit.flash("warning", visit._("Your session has ended. Please log in again."))
        return visit.redirect("/login")
    return visit.redirect(login_url(request))


async def _csrf_refused(request: Request) -> Response:
    visit = await _visit(request)
    return visit.page(
        "error.html",
        status=403,
        title=visit._("This form has expired"),
        message=visit._(
            "The form was not sent from this page, or it is too old. "
            "Go back, reload the page and try again."
        ),
    )


def _title(visit: Visit, status: int) -> str:
    titles = {
        403: visit._("Not allowed"),
        404: visit._("Not found"),
        409: visit._("That cannot be done now"),
        422: visit._("Please check what you entered"),
        429: visit._("Too many attempts"),
        503: visit._("Busy, please try again"),
    }
    return titles.get(status, visit._("Something went wrong"))


async def _error(
    request: Request,
    status: int,
    detail: str,
    body: dict[str, Any],
    exc: PromodeskError | None = None,
) -> Response:
    if _wants_json(request):
        return JSONResponse(body, status_code=status)
    visit = await _visit(request)
    detail = visit.error_text(exc, detail, status)
    title = _title(visit, status)
    if status == 404:
        detail = visit._("This page does not exist, or it belongs to another workspace.")
    elif status == 503:
        detail = visit._("Nothing was changed. Please try again in a moment.")
    if request.method == "POST" and status != 404:
        visit.flash("error", f"{title}: {detail}" if detail else title)
        return _back(request, visit)
    return visit.page("error.html", status=status, title=title, message=detail)


async def _answer(request: Request, answer: submit.Answer) -> Response:
    """A form's repeat or duplicate: where the first submission went, or back, with a note in
    the member's language."""
    visit = await run_in_threadpool(_open_quietly, request)
    visit.flash(answer.level, visit._(answer.message))
    return visit.redirect(answer.location) if answer.location else _back(request, visit)


def _back(request: Request, visit: Visit) -> RedirectResponse:
    """Send the browser back to the page the form was on (same site only)."""
    referer = request.headers.get("referer", "")
    target = "/"
    if referer:
        host = request.headers.get("host", "")
        _, _, rest = referer.partition("://")
        if rest.split("/", 1)[0] == host:
            target = _safe("/" + rest.split("/", 1)[1] if "/" in rest else "/")
    return visit.redirect(target)


def _form_refused(request: Request, status: int) -> bool:
    return (
        request.method == "POST"
        and status in formerrors.FORM_STATUSES
        and not _wants_json(request)
        and getattr(request.state, "csrf_checked", False)
    )


async def _form_again(request: Request, exc: Exception, status: int) -> Response:
    """The page the refused form lives on, rendered again (its GET) with what was sent kept and
    the messages beside the fields; the error page (never the dashboard) if it cannot be."""
    visit = await _visit(request)
    title = _title(visit, status)
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


async def _query_again(request: Request, exc: Exception, status: int) -> Response | None:
    """A form sent with GET (a price preview, a withdrawal amount) refused: the page it was
    typed on again, with the query kept and the messages beside the fields; None (the error
    page) if the form did not come from another page of the console."""
    if request.method != "GET" or status not in formerrors.FORM_STATUSES or _wants_json(request):
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
    visit = await _visit(request)
    state = formerrors.form_state(request.url.path, items, _in_words(visit, exc), method="get")
    html, cookies = fetched
    title = _title(visit, status)
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
