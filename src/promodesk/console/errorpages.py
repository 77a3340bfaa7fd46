"""The console's error pages: an error on a page renders the error page with its status (``.json``
endpoints answer JSON), a refused action becomes a flash and the browser goes back to the page
it came from, no session leads to the login page, a wrong CSRF token to the 403 page, and a
form's repeat or duplicate to where the first submission went.

Its handlers are ``async`` (they run as exception handlers on the event loop); the only
database work, opening a visit for a page view, goes to the thread pool."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from promodesk.console import submit
from promodesk.console.urls import login_url
from promodesk.console.urls import safe_next as _safe
from promodesk.console.visit import Visit, bare_visit, console_of, open_visit
from promodesk.kit.errors import PromodeskError

log = logging.getLogger("promodesk.console")


async def visit_of(request: Request) -> Visit:
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


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def login_required(request: Request) -> Response:
    if wants_json(request):
        body = {"error": "Unauthorized", "detail": "log in to the console first"}
        return JSONResponse(body, status_code=401)
    visit = bare_visit(request)
    if request.method == "POST":
        visit.flash("warning", visit._("Your session has ended. Please log in again."))
        return visit.redirect("/login")
    return visit.redirect(login_url(request))


async def csrf_refused(request: Request) -> Response:
    visit = await visit_of(request)
    return visit.page(
        "error.html",
        status=403,
        title=visit._("This form has expired"),
        message=visit._(
            "The form was not sent from this page, or it is too old. "
            "Go back, reload the page and try again."
        ),
    )


def status_title(visit: Visit, status: int) -> str:
    titles = {
        403: visit._("Not allowed"),
        404: visit._("Not found"),
        409: visit._("That cannot be done now"),
        422: visit._("Please check what you entered"),
        429: visit._("Too many attempts"),
        503: visit._("Busy, please try again"),
    }
    return titles.get(status, visit._("Something went wrong"))


async def error_page(
    request: Request,
    status: int,
    detail: str,
    body: dict[str, Any],
    exc: PromodeskError | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse(body, status_code=status)
    visit = await visit_of(request)
    detail = visit.error_text(exc, detail, status)
    title = status_title(visit, status)
    if status == 404:
        detail = visit._("This page does not exist, or it belongs to another workspace.")
    elif status == 503:
        detail = visit._("Nothing was changed. Please try again in a moment.")
    if request.method == "POST" and status != 404:
        visit.flash("error", f"{title}: {detail}" if detail else title)
        return back(request, visit)
    return visit.page("error.html", status=status, title=title, message=detail)


async def answer(request: Request, answer: submit.Answer) -> Response:
    """A form's repeat or duplicate: where the first submission went, or back, with a note in
    the member's language."""
    visit = await run_in_threadpool(_open_quietly, request)
    visit.flash(answer.level, visit._(answer.message))
    return visit.redirect(answer.location) if answer.location else back(request, visit)


def back(request: Request, visit: Visit) -> RedirectResponse:
    """Send the browser back to the page the form was on (same site only)."""
    referer = request.headers.get("referer", "")
    target = "/"
    if referer:
        host = request.headers.get("host", "")
        _, _, rest = referer.partition("://")
        if rest.split("/", 1)[0] == host:
            target = _safe("/" + rest.split("/", 1)[1] if "/" in rest else "/")
    return visit.redirect(target)
