"""The route class of every console page: errors become pages or flashes, never a 500 or JSON.

Rules:
- A ``PromodeskError`` on a page (GET) renders the error page with the error's status; on an
  action (POST) it becomes a flash and the browser goes back to the page it came from. The
  action's unit of work has rolled back by then (the exception left its ``with`` block).
- No session: pages redirect to the login page; ``.json`` endpoints answer 401 JSON.
- A POST whose CSRF token is missing or wrong gets the 403 page; a POST route that forgot to
  check the token is refused the same way.
- Malformed input the router rejects (a path id that is not a number) is a 404 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from promodesk.console import submit
from promodesk.console.visit import (
    CsrfRefused,
    LoginRequired,
    Visit,
    bare_visit,
    console_of,
    login_url,
    open_visit,
)
from promodesk.console.visit import safe_next as _safe
from promodesk.kit.db import BUSY_ERRORS
from promodesk.kit.errors import PromodeskError, ServiceUnavailable

log = logging.getLogger("promodesk.console")
MAX_FIELD = 10_000

Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Endpoint:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response: Response | None = None
            try:
                if request.method == "POST":
                    await _read_form(request)
                    answer = await submit.begin(request)
                    if answer is not None:
                        return await _answer(request, answer)
                response = await original(request)
            except LoginRequired:
                return _login_required(request)
            except CsrfRefused:
                return await _csrf_refused(request)
            except PromodeskError as exc:
                return await _error(request, exc.status_code, exc.detail, exc.to_body())
            except BUSY_ERRORS:
                busy = ServiceUnavailable(
                    "the database is busy; nothing was changed, please try again in a moment"
                )
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


async def _read_form(request: Request) -> None:
    """Parse a POSTed form once, as plain strings (files are ignored; fields are capped)."""
    form = await request.form(max_files=0, max_fields=100)
    data: dict[str, str] = {}
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile) and key not in data:
            data[key] = value.replace("\x00", "")[:MAX_FIELD]
    request.state.form = data


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


async def _error(request: Request, status: int, detail: str, body: dict[str, Any]) -> Response:
    if _wants_json(request):
        return JSONResponse(body, status_code=status)
    visit = await _visit(request)
    titles = {
        403: visit._("Not allowed"),
        404: visit._("Not found"),
        409: visit._("That cannot be done now"),
        422: visit._("Please check what you entered"),
        429: visit._("Too many attempts"),
        503: visit._("Busy, please try again"),
    }
    title = titles.get(status, visit._("Something went wrong"))
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
