"""Shared web plumbing: app state, the per-request unit of work, callers and pagination."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from promodesk.kit import idempotency
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, Unauthorized
from promodesk.kit.money import CoinPricing
from promodesk.kit.pagination import MAX_ID
from promodesk.settings import Settings
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.domain import Principal, Role

_DIGITS = re.compile(r"^[0-9]{1,19}$")


class ErrorBody(BaseModel):
    """Every error the API returns. Some errors add fields (e.g. ``errors``, ``balance``)."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="the error class, e.g. NotFound, InsufficientFunds")
    detail: str = Field(description="what went wrong, for a human")
    field: str | None = Field(default=None, description="the input the error is about")


HTTP_ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationFailed",
    429: "RateLimited",
    503: "ServiceUnavailable",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the error statuses of a route that ``error_statuses`` cannot see
    from its signature (a check made inside the route)."""
    return {code: {"model": ErrorBody, "description": HTTP_ERRORS[code]} for code in codes}


def parse_id(value: object) -> int | None:
    """The id in ``value`` if it is a decimal integer in 1..MAX_ID, else None."""
    text = str(value)
    if not _DIGITS.match(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def guard_path_ids(request: Request) -> None:
    """App-wide dependency: a path parameter named ``id`` or ``*_id`` that is not a valid id is
    a 404 before any route code or query runs (so new routes are covered automatically)."""
    for name, value in request.path_params.items():
        if (name == "id" or name.endswith("_id")) and parse_id(value) is None:
            raise NotFound(f"no object with {name} {str(value)[:40]!r}", field=name)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is out of range once converted to UTC") from None


def _printable(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Instant = Annotated[datetime | None, AfterValidator(_utc), Query(description="ISO 8601")]
Text = Annotated[str | None, AfterValidator(_printable), Query(max_length=100)]


@dataclass
class AppState:
    settings: Settings
    db: Database
    pricing: CoinPricing


def state(request: Request) -> AppState:
    st: AppState = request.app.state.promodesk
    return st


def _uow(request: Request) -> Iterator[UnitOfWork]:
    """The request's unit of work: committed after the route returns, before the response.
    A request with an Idempotency-Key has its response written in this same transaction
    (``idempotency.complete``), so its work and its stored answer commit together."""
    with state(request).db.transaction() as uow:
        yield uow
        idempotency.complete(uow, request.scope)


Uow = Annotated[UnitOfWork, Depends(_uow, scope="function")]


async def _raw_body(request: Request) -> bytes:
    """The request body as bytes, read on the event loop (reading is not blocking), so that
    the route itself can be a plain ``def`` that FastAPI runs in its thread pool."""
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


class ApiRoute(APIRoute):
    """The route class of every API router: hands the response the route built to the
    idempotency claim before the request's unit of work commits (FastAPI closes the
    function-scoped dependencies, ``Uow`` among them, after this handler returns)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response = await original(request)
            if idempotency.claim_of(request.scope) is not None and not isinstance(
                response, StreamingResponse
            ):
                headers = dict(response.headers.items())
                idempotency.record_response(
                    request.scope, response.status_code, bytes(response.body), headers
                )
            return response

        return handler


# Declares the scheme in OpenAPI (the "Authorize" button in /api/docs); the check is ours so
# that every failure is the same 401 error body.
_bearer = HTTPBearer(auto_error=False, description="an API key: `promodesk keys create`")


def _principal(
    request: Request,
    uow: Uow,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    principal = tenancy.authenticate_key(uow, credentials.credentials.strip())
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(_principal)]


def writer(principal: Caller) -> Principal:
    principal.require(Role.OPERATOR)
    return principal


def admin(principal: Caller) -> Principal:
    principal.require(Role.ADMIN)
    return principal


Writer = Annotated[Principal, Depends(writer)]
Admin = Annotated[Principal, Depends(admin)]


# cursor pagination ----------------------------------------------------------------------------


Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the last page")]
# An optional filter by an object's id (``?shop_id=3``); out of range is a 422, like any id.
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


# error statuses per route -----------------------------------------------------------------------

CHANGES_STATE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _dependency_calls(route: APIRoute) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call is not None:
            found.add(dependency.call)
        pending.extend(dependency.dependencies)
    return found


def _names_objects(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def error_statuses(route: APIRoute, method: str, *, reads_body: bool) -> set[int]:
    """The error statuses ``method`` on ``route`` can answer, read from its signature and the
    app's middleware (published per route in OpenAPI; a route declares with ``errors(…)`` any
    other it raises from inside).

    Rules:
    - 422 (input validation), 413 (the body-size cap, which refuses an oversized body sent
      with any request) and 503 (the database busy or unreachable) on every route.
    - 401 when the route authenticates the caller (``Caller``, ``Writer``, ``Admin``) or reads
      its raw body (``RawBody`` carries a signed payload: a bad signature is a 401).
    - 403 when the route needs a role (``Writer``, ``Admin``), or authenticates and changes
      state (a change may check the role of what it touches).
    - 404 when an id is in the path or the query, or the request changes state (what it
      names in its body may not exist).
    - 409 when the request changes state (a refused transition, a lost compare-and-set, an
      ``Idempotency-Key`` still in progress).
    - 400 when the route reads a body (a body that cannot be parsed at all)."""
    calls = _dependency_calls(route)
    authenticated = bool(calls & {_principal, writer, admin})
    raw = _raw_body in calls
    reads_body = reads_body or raw
    changes = method.upper() in CHANGES_STATE
    ids = any(_names_objects(p.name) for p in route.dependant.path_params) or any(
        _names_objects(p.name) for p in route.dependant.query_params
    )
    codes = {413, 422, 503}
    if authenticated or raw:
        codes.add(401)
    if calls & {writer, admin} or (authenticated and changes):
        codes.add(403)
    if ids or changes:
        codes.add(404)
    if changes:
        codes.add(409)
    if reads_body:
        codes.add(400)
    return codes
