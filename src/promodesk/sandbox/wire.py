"""TikTok's wire format: the envelope, return codes and leniently parsed JSON query parameters.

Every answer is HTTP 200 with ``{code, message, request_id, data}``; ``data`` is ``{}`` on errors.
Arrays and objects travel as JSON strings in the query. Clients send them in several spellings
(``["a","b"]``, ``["a", "b"]``, Python reprs with ``True``), so parsing falls back to a Python
literal when strict JSON fails.
"""

from __future__ import annotations

import ast
import itertools
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

OK = 0
PERMISSION_ERROR = 40001
PARAM_ERROR = 40002
NOT_EXIST = 40007
ROUTE_NOT_FOUND = 40400
REQUEST_TOO_FREQUENT = 40100
INVALID_PARTNER = 40101
EMPTY_ACCESS_TOKEN = 40104
INVALID_ACCESS_TOKEN = 40105
AUTH_CODE_ERROR = 40110
SYS_ERROR = 50000

MESSAGES = {
    PERMISSION_ERROR: "No permission to operate this advertiser.",
    REQUEST_TOO_FREQUENT: "App reaches the QPS limit.",
    INVALID_PARTNER: "App id or secret is invalid.",
    EMPTY_ACCESS_TOKEN: "Access token is empty.",
    INVALID_ACCESS_TOKEN: "Access token is incorrect or has been revoked.",
    AUTH_CODE_ERROR: "Auth code is invalid, used or expired.",
    SYS_ERROR: "System error.",
}

MAX_PARAM_CHARS = 65_536
_sequence = itertools.count()


class ApiError(Exception):
    """A non-zero return code; the envelope carries ``code`` and ``message``."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "Error."))
        self.code = code
        self.message = message or MESSAGES.get(code, "Error.")


def param_error(message: str) -> ApiError:
    return ApiError(PARAM_ERROR, message)


def request_id() -> str:
    """A unique log id shaped like TikTok's: a timestamp, then hex."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return f"{stamp}{next(_sequence) % 10**6:06d}{secrets.token_hex(5).upper()}"


def envelope(data: dict[str, Any] | None, *, code: int = OK, message: str = "OK") -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id(), "data": data or {}}


def lenient_json(raw: str, name: str) -> Any:
    if len(raw) > MAX_PARAM_CHARS:
        raise param_error(f"{name}: value too long")
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise param_error(f"{name}: not valid JSON") from None


class Params:
    """Typed access to a request's parameters (query string or JSON body), raising 40002."""

    def __init__(self, values: Mapping[str, Any], repeated: Mapping[str, list[str]] | None = None):
        self.values = values
        self.repeated = repeated or {}

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, *, required: bool = False, max_len: int = 1024) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise param_error(f"{name}: required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise param_error(f"{name}: must be a string")
        text = str(value)
        if len(text) > max_len:
            raise param_error(f"{name}: longer than {max_len} characters")
        return text

    def id(self, name: str, *, required: bool = True) -> str | None:
        text = self.string(name, required=required, max_len=32)
        if text is not None and not text.isdigit():
            raise param_error(f"{name}: must be a numeric string")
        return text

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None:
            raise param_error(f"{name}: must be an integer")
        if not low <= number <= high:
            raise param_error(f"{name}: must be between {low} and {high}")
        return number

    def boolean(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return False
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise param_error(f"{name}: must be true or false")

    def json_value(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            return lenient_json(value, name)
        return value

    def json_list(self, name: str, *, required: bool = False, max_items: int = 1000) -> list[Any]:
        repeated = self.repeated.get(name) or []
        if len(repeated) > 1:
            value: Any = repeated
        else:
            value = self.json_value(name)
        if value is None or value == "":
            if required:
                raise param_error(f"{name}: required")
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > max_items:
            raise param_error(f"{name}: at most {max_items} items")
        return list(value)

    def id_list(self, name: str, *, required: bool = False, max_items: int = 100) -> list[str]:
        ids = self.json_list(name, required=required, max_items=max_items)
        return [as_id(v, name) for v in ids]

    def string_list(self, name: str, *, max_items: int = 1000) -> list[str]:
        items = self.json_list(name, max_items=max_items)
        if not all(isinstance(v, str) for v in items):
            raise param_error(f"{name}: must be a list of strings")
        return [str(v) for v in items]

    def json_object(self, name: str) -> dict[str, Any]:
        value = self.json_value(name)
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise param_error(f"{name}: must be a JSON object")
        return value


def as_id(value: Any, name: str) -> str:
    """IDs are numeric strings in v1.3; numbers are accepted as v1.2 clients and docs send them."""
    if isinstance(value, bool):
        raise param_error(f"{name}: ids must be numeric strings")
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text.isdigit() or len(text) > 32:
        raise param_error(f"{name}: ids must be numeric strings")
    return text


def page_info(page: int, page_size: int, total: int) -> dict[str, int]:
    return {
        "page": page,
        "page_size": page_size,
        "total_number": total,
        "total_page": (total + page_size - 1) // page_size,
    }


def fmt_time(value: datetime) -> str:
    # isoformat is several times faster than strftime, and this runs for every listed row.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ")[:19]


@lru_cache(maxsize=8)
def _epoch_parts(epoch: datetime) -> tuple[date, int, str]:
    utc = epoch.astimezone(UTC)
    return utc.date(), utc.hour * 60 + utc.minute, f"{utc.second:02d}"


@lru_cache(maxsize=8192)
def _day_text(start: date, days: int) -> str:
    return (start + timedelta(days=days)).isoformat()


def minutes_text(epoch: datetime, minutes: int) -> str:
    """``fmt_time(epoch + minutes)`` without building a datetime (every listed row has two)."""
    start, offset, second = _epoch_parts(epoch)
    day, minute = divmod(offset + minutes, 1440)
    return f"{_day_text(start, day)} {minute // 60:02d}:{minute % 60:02d}:{second}"
