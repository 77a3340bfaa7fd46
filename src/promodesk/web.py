"""Shared web plumbing: app state, the per-request unit of work, callers and pagination."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from promodesk.kit.auth import TokenVault
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import Unauthorized, ValidationFailed
from promodesk.kit.money import CoinPricing
from promodesk.settings import Settings
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.domain import Principal, Role


@dataclass
class AppState:
    settings: Settings
    db: Database
    vault: TokenVault
    pricing: CoinPricing


def state(request: Request) -> AppState:
    st: AppState = request.app.state.promodesk
    return st


def _uow(request: Request) -> Iterator[UnitOfWork]:
    """The request's unit of work: committed after the route returns, before the response."""
    with state(request).db.transaction() as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(_uow, scope="function")]


def _principal(request: Request, uow: Uow) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    principal = tenancy.authenticate_key(uow, token.strip())
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


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==="))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
    if not isinstance(data, dict):
        raise ValidationFailed("cursor is not one this API returned", field="cursor")
    return data


def cursor_int(cursor: dict[str, Any], key: str) -> int | None:
    value = cursor.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed("cursor is not one this API returned", field="cursor")
    return value


Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the last page")]
