"""The wire format: query encoding and the ``{code, message, request_id, data}`` envelope.

Rules (spec §2): errors usually arrive as HTTP 200 with a non-zero ``code``; arrays and objects
in GET queries are JSON strings; decimals are read as ``Decimal`` so budgets never pass through
a float.

Report pages (``parse_report``) are read with msgspec straight into ``ReportRow`` structs: no
dict per row and no validation library on the way (a sync reads millions of rows).

List pages (``parse_list``) are read with msgspec into one raw JSON slice per item: a sync
stores each item's JSON as TikTok sent it and reads only the fields it maps, so the bulk of a
1,000-item page is never turned into Python objects and back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec

from promodesk.integrations.tiktok.entities import ReportRow
from promodesk.integrations.tiktok.errors import (
    SUCCESS_CODES,
    ServerError,
    Throttled,
    UnexpectedResponse,
    error_for,
)

Redact = Callable[[str], str]


def _same(text: str) -> str:
    return text


def encode_query(params: Mapping[str, Any]) -> dict[str, str]:
    """Query values as TikTok expects them: lists/dicts as compact JSON, booleans lowercase."""
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | dict):
            encoded[key] = json.dumps(_jsonable(value), separators=(",", ":"))
        else:
            encoded[key] = str(value)
    return encoded


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


_DECIMAL_MARK = "\x00decimal:"
_DECIMAL_TEXT = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def encode_body(body: Mapping[str, Any]) -> bytes:
    """JSON body with ``Decimal`` values written as exact JSON numbers (no float on the way)."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError("a decimal sent to TikTok must be finite")
            return f"{_DECIMAL_MARK}{value:f}"
        if isinstance(value, list | tuple):
            return [mark(item) for item in value]
        if isinstance(value, dict):
            return {key: mark(item) for key, item in value.items()}
        return value

    text = json.dumps(mark(dict(body)), separators=(",", ":"))
    return _DECIMAL_TEXT.sub(lambda m: m.group(1), text).encode()


def parse(
    status_code: int,
    content: bytes,
    *,
    endpoint: str,
    redact: Redact = _same,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the envelope's ``data`` or raise the mapped ``TikTokError`` (``headers`` unused)."""
    if status_code == 429:
        raise Throttled(f"HTTP {status_code}", endpoint=endpoint)
    if status_code >= 500:
        raise ServerError(f"HTTP {status_code}", endpoint=endpoint)
    try:
        body = json.loads(content, parse_float=Decimal)
    except ValueError:
        raise UnexpectedResponse(
            f"HTTP {status_code} with a body that is not JSON", endpoint=endpoint
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("code"), int):
        raise UnexpectedResponse(f"HTTP {status_code} without an integer 'code'", endpoint=endpoint)
    code: int = body["code"]
    request_id = body.get("request_id")
    request_id = str(request_id) if request_id is not None else None
    if code not in SUCCESS_CODES:
        message = redact(str(body.get("message") or ""))
        raise error_for(code, message, request_id=request_id, endpoint=endpoint)
    if status_code >= 400:
        # A 4xx edge answer that still looks like a success envelope: do not trust it.
        raise UnexpectedResponse(f"HTTP {status_code} with code {code}", endpoint=endpoint)
    data = body.get("data")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UnexpectedResponse("'data' is not an object", endpoint=endpoint)
    return data


@dataclass
class RawList:
    """A list page: each item as its raw JSON (``msgspec.Raw``, a zero-copy view of the
    answer's bytes, or ``bytes``), and the ``page_info`` object."""

    items: list[Any] = field(default_factory=list)
    page_info: dict[str, Any] = field(default_factory=dict)


class _Envelope(msgspec.Struct):
    code: int
    data: msgspec.Raw = msgspec.Raw()  # empty when absent (a Raw cannot be in a union)


class _ListData(msgspec.Struct, rename={"items": "list"}):
    items: list[msgspec.Raw] | None = None
    page_info: dict[str, Any] | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_LIST_DATA = msgspec.json.Decoder(_ListData)
# Items are decoded with decimals as Decimal, like ``parse``.
ITEM = msgspec.json.Decoder(float_hook=Decimal)
_EXACT = msgspec.json.Encoder(decimal_format="number")


def parse_list(
    status_code: int,
    content: bytes,
    *,
    endpoint: str,
    redact: Redact = _same,
    headers: Mapping[str, str] | None = None,
) -> RawList:
    """``parse`` for list endpoints: ``data.list`` as raw JSON items, ``data.page_info``.

    Anything unusual (not JSON, an error code, a 4xx/5xx, an odd shape) goes through ``parse``,
    which raises the mapped error, so both paths fail the same way."""
    if status_code < 400:
        try:
            env = _ENVELOPE.decode(content)
            if env.code in SUCCESS_CODES:
                data = _LIST_DATA.decode(env.data) if len(env.data) else _ListData()
                return RawList(
                    items=list(data.items or []),
                    page_info=data.page_info or {},
                )
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass
    body = parse(status_code, content, endpoint=endpoint, redact=redact)
    items = body.get("list") or []
    if not isinstance(items, list):
        raise UnexpectedResponse("'data.list' is not a list", endpoint=endpoint)
    info = body.get("page_info")
    return RawList(
        items=[_EXACT.encode(item) for item in items],
        page_info=info if isinstance(info, dict) else {},
    )


@dataclass
class ReportPage:
    """A report page: its rows, the ``page_info`` object and the answer's HTTP headers (TikTok
    says a truncated report only there, spec §4)."""

    items: list[ReportRow] = field(default_factory=list)
    page_info: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


class _ReportData(msgspec.Struct, rename={"items": "list"}):
    items: list[ReportRow] | None = None
    page_info: dict[str, Any] | None = None


class _ReportEnvelope(msgspec.Struct):
    code: int
    data: _ReportData | None = None


_REPORT = msgspec.json.Decoder(_ReportEnvelope)


def parse_report(
    status_code: int,
    content: bytes,
    *,
    endpoint: str,
    redact: Redact = _same,
    headers: Mapping[str, str] | None = None,
) -> ReportPage:
    """``parse`` for report pages: ``data.list`` decoded into ``ReportRow`` structs.

    Anything unusual (not JSON, an error code, a 4xx/5xx, a value that is not a string) goes
    through ``parse`` and ``ReportRow.parse``, which raise the mapped error or accept numbers
    as their text, so both paths give the same rows or fail the same way."""
    kept: Mapping[str, str] = headers if headers is not None else {}
    if status_code < 400:
        try:
            env = _REPORT.decode(content)
            if env.code in SUCCESS_CODES:
                data = env.data or _ReportData()
                return ReportPage(data.items or [], data.page_info or {}, kept)
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass
    body = parse(status_code, content, endpoint=endpoint, redact=redact)
    items = body.get("list") or []
    if not isinstance(items, list):
        raise UnexpectedResponse("'data.list' is not a list", endpoint=endpoint)
    info = body.get("page_info")
    return ReportPage(
        [ReportRow.parse(item) for item in items], info if isinstance(info, dict) else {}, kept
    )
