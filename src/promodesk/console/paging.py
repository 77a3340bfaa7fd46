"""Keyset paging for console lists: ``?before=<id>`` pages towards older rows (``Pager``);
``?after=<id>`` pages through a list in id order (``forward``: audiences)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from promodesk.kit.errors import ValidationFailed

PAGE_SIZE = 25
T = TypeVar("T")


def parse_before(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ValidationFailed("the page link is not valid", field="before")
    return int(value)


@dataclass(frozen=True)
class Pager:
    """The links under a list. ``rows`` was fetched with ``PAGE_SIZE + 1`` to see if more exist."""

    next_url: str | None
    first_url: str | None

    @classmethod
    def of(
        cls, rows: list[Any], path: str, filters: dict[str, str], before: int | None
    ) -> tuple[list[Any], Pager]:
        shown = rows[:PAGE_SIZE]
        kept = {k: v for k, v in filters.items() if v}
        nxt = None
        if len(rows) > PAGE_SIZE:
            nxt = path + "?" + urlencode({**kept, "before": shown[-1].id})
        first = (path + ("?" + urlencode(kept) if kept else "")) if before is not None else None
        return shown, cls(nxt, first)


def forward(
    rows: list[dict[str, Any]], limit: int, path: str, filters: dict[str, str], after: int
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """The rows to show and the "Next" and "First" links. ``rows`` were fetched after the id
    ``after`` (0: the first page), with ``limit + 1`` to see if more exist."""
    shown = rows[:limit]
    kept = {k: v for k, v in filters.items() if v}
    nxt = None
    if len(rows) > limit and shown:
        nxt = path + "?" + urlencode({**kept, "after": shown[-1]["id"]})
    first = (path + ("?" + urlencode(kept) if kept else "")) if after else None
    return shown, nxt, first
