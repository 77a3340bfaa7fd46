"""Cursor paging as the platform pages: ``page_token`` in, ``next_page_token`` out (``""`` on
the last page). A token is opaque to clients: the last id served, tied to the list it pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from promodesk.shop_sandbox.wire import invalid


def encode(kind: str, last_id: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode(kind: str, token: str | None) -> str | None:
    """The last id served before, or None for the first page; 36009004 for a foreign token."""
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("Invalid parameter: page_token is not a token this list gave.") from None
    found, _, last = text.partition(":")
    if found != kind or not (last.isascii() and last.isdigit()):
        raise invalid("Invalid parameter: page_token is not a token this list gave.")
    return last


def page(
    kind: str, ids: Sequence[str], token: str | None, size: int, *, descending: bool = False
) -> tuple[list[str], str]:
    """One page of ``ids`` (sorted by number, ascending or ``descending``) after the token's
    id, and the next token."""
    last = decode(kind, token)
    start = 0
    if last is not None:
        # Resume after the last id served, not at an offset: rows added or removed in between
        # neither repeat nor skip any.
        key = int(last)
        start = next(
            (i for i, v in enumerate(ids) if (int(v) < key if descending else int(v) > key)),
            len(ids),
        )
    chunk = list(ids[start : start + size])
    more = start + size < len(ids)
    return chunk, encode(kind, chunk[-1]) if more and chunk else ""
