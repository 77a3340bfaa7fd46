"""Cursor paging (spec §1.1): send ``page_token`` (empty first), read ``next_page_token``;
an empty ``next_page_token`` ends the list. One page is held at a time.

A cursor that comes back unchanged would loop forever: it ends the list with an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from promodesk.integrations.tiktok_shop.envelope import Reply
from promodesk.integrations.tiktok_shop.errors import UnexpectedResponse


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_page_token: str = ""
    total_count: int | None = None
    request_id: str | None = None
    page_token: str = ""  # the cursor this page was asked with (to resume a sync)


def iter_pages(
    fetch: Callable[[str], Reply], *, list_key: str, start_token: str = ""
) -> Iterator[Page]:
    """Call ``fetch(page_token)`` until the cursor is empty."""
    token = start_token
    seen: set[str] = set()
    while True:
        reply = fetch(token)
        data = reply.data
        raw_items = data.get(list_key) or []
        if not isinstance(raw_items, list):
            raise UnexpectedResponse(f"'{list_key}' is not a list", request_id=reply.request_id)
        following = str(data.get("next_page_token") or "")
        total = data.get("total_count")
        yield Page(
            items=[item for item in raw_items if isinstance(item, dict)],
            next_page_token=following,
            total_count=int(total) if isinstance(total, int) else None,
            request_id=reply.request_id,
            page_token=token,
        )
        if not following:
            return
        if following in seen or following == token:
            raise UnexpectedResponse(
                "the platform sent the same page cursor twice", request_id=reply.request_id
            )
        seen.add(token)
        token = following
