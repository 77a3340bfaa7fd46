"""The wire format: ``{code, message, request_id, data}`` on success and on error.

Rules: errors may come with HTTP 200 or a 4xx/5xx status and still carry the envelope; the
``request_id`` is kept on every result (``Reply``) and every error. Decimals are read as
``Decimal`` so prices never pass through a float.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promodesk.integrations.tiktok_shop.errors import (
    SUCCESS,
    ServerError,
    Throttled,
    UnexpectedResponse,
    error_for,
)

Redact = Callable[[str], str]


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Reply:
    """A successful answer: its ``data`` and the platform's ``request_id``."""

    data: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Compact JSON; ``Decimal`` values as strings (the Partner API's amounts are strings)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError("a decimal sent to TikTok Shop must be finite")
            return f"{value:f}"
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    return json.dumps(plain(dict(body)), separators=(",", ":"), ensure_ascii=False).encode()


def parse(status_code: int, content: bytes, *, endpoint: str, redact: Redact = _same) -> Reply:
    """The envelope's ``data`` with its ``request_id``, or the mapped ``ShopApiError``."""
    try:
        body = json.loads(content, parse_float=Decimal)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("code"), int):
        if status_code == 429:
            raise Throttled(f"HTTP {status_code}", endpoint=endpoint, http_status=status_code)
        if status_code >= 500:
            raise ServerError(f"HTTP {status_code}", endpoint=endpoint, http_status=status_code)
        raise UnexpectedResponse(
            f"HTTP {status_code} without a Partner API envelope",
            endpoint=endpoint,
            http_status=status_code,
        )
    code: int = body["code"]
    raw_id = body.get("request_id")
    request_id = str(raw_id) if raw_id not in (None, "") else None
    if code != SUCCESS:
        raise error_for(
            code,
            redact(str(body.get("message") or "")),
            request_id=request_id,
            endpoint=endpoint,
            http_status=status_code,
        )
    if status_code >= 400:
        raise UnexpectedResponse(
            f"HTTP {status_code} with code 0",
            request_id=request_id,
            endpoint=endpoint,
            http_status=status_code,
        )
    data = body.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UnexpectedResponse(
            "'data' is not an object", request_id=request_id, endpoint=endpoint
        )
    return Reply(data=data, request_id=request_id)
