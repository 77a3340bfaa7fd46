"""Cursor pagination: one rule for every listing.

Rules:
- A listing is ordered by a unique integer key (the id, ascending or descending). A page holds
  ``limit`` rows; the repository is asked for ``limit + 1`` (``fetch``), and only when the extra
  row exists does the page carry a ``next_cursor``: a last page is never followed by an empty one.
- A cursor is opaque to clients: URL-safe base64 of ``{"after": <last key of the page>}``. The
  next page holds the rows past that key in the listing's order (``id > after`` ascending,
  ``id < after`` descending). Anything else a client sends as a cursor is a 422 naming
  ``cursor``, never a 500.
- Ids are BIGINT: anything outside ``1..MAX_ID`` names no object.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from promodesk.kit.errors import ValidationFailed

MAX_ID = 2**63 - 1

T = TypeVar("T")

_BAD = "cursor is not one this API returned"


class Page(BaseModel, Generic[T]):
    """A page of a listing; ``next_cursor`` is null on the last page."""

    items: list[T]
    # Required (always present, null on the last page), so clients can rely on the key.
    next_cursor: str | None


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    """The cursor's fields; ``{}`` for no cursor; 422 for anything this API did not return."""
    if not cursor:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==="))
    except (ValueError, RecursionError):  # bad base64, bad JSON, bad UTF-8 (all ValueErrors)
        raise ValidationFailed(_BAD, field="cursor") from None
    if not isinstance(data, dict):
        raise ValidationFailed(_BAD, field="cursor")
    return data


def cursor_int(cursor: dict[str, Any], key: str) -> int | None:
    """An integer field of a decoded cursor, in ``0..MAX_ID``; 422 otherwise."""
    value = cursor.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise ValidationFailed(_BAD, field="cursor")
    return value


def after(cursor: str | None) -> int | None:
    """The key the page starts past (``None``: the first page)."""
    return cursor_int(decode_cursor(cursor), "after")


def fetch(limit: int) -> int:
    """How many rows to ask the repository for: one more than the page shows."""
    return limit + 1


def page(
    rows: Sequence[T],
    limit: int,
    key: Callable[[T], int] = lambda row: row.id,  # type: ignore[attr-defined]
) -> dict[str, Any]:
    """``{"items", "next_cursor"}`` from ``fetch(limit)`` rows."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return {
        "items": items,
        "next_cursor": encode_cursor({"after": key(items[-1])}) if more else None,
    }
