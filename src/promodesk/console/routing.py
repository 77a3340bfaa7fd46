"""The route class of every console page: errors become pages or flashes, never a 500 or JSON.

Rules:
- A ``PromodeskError`` on a page (GET) renders the error page with the error's status. On an
  action (POST), a refusal of what was sent (400, 409, 422, 503, and a pydantic
  ``ValidationError``) renders the form's page again with the input kept and the messages
  beside the fields (console/refill.py); other refusals (403, 429) become a flash and the
  browser goes back to the page it came from (console/errorpages.py). The action's unit of
  work has rolled back by then (the exception left its ``with`` block).
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
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from promodesk.console import errorpages, formerrors, forms, refill, submit
from promodesk.console.visit import CsrfRefused, LoginRequired, Redirected, close_unit
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
                        return await errorpages.answer(request, answer)
                response = await _run(original, request)
            except Redirected as exc:
                return exc.response
            except LoginRequired:
                return errorpages.login_required(request)
            except CsrfRefused:
                return await errorpages.csrf_refused(request)
            except PromodeskError as exc:
                if refill.form_refused(request, exc.status_code):
                    response = await refill.form_again(request, exc, exc.status_code)
                    return response
                if (again := await refill.query_again(request, exc, exc.status_code)) is not None:
                    return again
                return await errorpages.error_page(
                    request, exc.status_code, exc.detail, exc.to_body(), exc
                )
            except formerrors.FormRefused as exc:
                # the route asked for its form back, whatever the status (a coupon not found)
                shown = exc.status if exc.status in formerrors.FORM_STATUSES else 422
                if refill.form_refused(request, shown):
                    response = await refill.form_again(request, exc, shown)
                    return response
                if (again := await refill.query_again(request, exc, shown)) is not None:
                    return again
                body = {"error": "Refused", "detail": str(exc)}
                return await errorpages.error_page(request, exc.status, str(exc), body)
            except ValidationError as exc:
                if refill.form_refused(request, 422):
                    response = await refill.form_again(request, exc, 422)
                    return response
                body = {"error": "ValidationFailed", "detail": str(exc.errors()[:1])}
                return await errorpages.error_page(request, 422, "", body)
            except BUSY_ERRORS:
                busy = ServiceUnavailable(
                    "the database is busy; nothing was changed, please try again in a moment"
                )
                if refill.form_refused(request, busy.status_code):
                    response = await refill.form_again(request, busy, busy.status_code)
                    return response
                return await errorpages.error_page(
                    request, busy.status_code, busy.detail, busy.to_body()
                )
            except RequestValidationError:
                return await errorpages.error_page(
                    request, 404, "", {"error": "NotFound", "detail": "not found"}
                )
            except HTTPException as exc:
                return await errorpages.error_page(
                    request, exc.status_code, str(exc.detail), {"error": "HTTPError"}
                )
            finally:
                await submit.finish(request, response)
            if request.method == "POST" and not getattr(request.state, "csrf_checked", False):
                log.error("console POST %s did not check its CSRF token", request.url.path)
                return await errorpages.csrf_refused(request)
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
