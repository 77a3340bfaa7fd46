"""Page through list endpoints one page at a time (never holding more than one page).

Stop rule: after ``page_info.total_page``, or at the first short page when ``page_info`` is
missing (Airbyte's rule), or at an empty page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.entities import Page, ReportRow

T = TypeVar("T")


def iter_pages(
    client: TikTokClient,
    path: str,
    *,
    token: str,
    params: Mapping[str, Any],
    parse: Callable[[dict[str, Any]], T],
    page_size: int,
    start_page: int = 1,
    list_key: str = "list",
) -> Iterator[Page[T]]:
    """Pages of ``path``."""
    page = start_page
    while True:
        query = {**params, "page": page, "page_size": page_size}
        data = client.request("GET", path, token=token, params=query)
        client.stats.add(pages=1)
        raw_items = data.get(list_key) or []
        info = data.get("page_info") or {}
        total_page = _int_or_none(info.get("total_page"))
        yield Page(
            items=[parse(item) for item in raw_items],
            page=page,
            page_size=page_size,
            total_number=_int_or_none(info.get("total_number")),
            total_page=total_page,
        )
        if not _more(len(raw_items), page, page_size, total_page):
            return
        page += 1


def iter_report_pages(
    client: TikTokClient,
    path: str,
    *,
    token: str,
    params: Mapping[str, Any],
    page_size: int,
    start_page: int = 1,
    truncation_header: str | None = None,
) -> Iterator[Page[ReportRow]]:
    """``iter_pages`` for reports, rows decoded straight from the answer's bytes. With
    ``truncation_header``, a page whose answer carries that header (any value but empty, ``0``
    or ``false``) is marked ``truncated``."""
    page = start_page
    while True:
        query = {**params, "page": page, "page_size": page_size}
        found = client.request_report(path, token=token, params=query)
        truncated = False
        if truncation_header is not None:
            flag = str(found.headers.get(truncation_header) or "").strip().lower()
            truncated = flag not in ("", "0", "false")
        client.stats.add(pages=1)
        info = found.page_info
        total_page = _int_or_none(info.get("total_page"))
        yield Page(
            items=found.items,
            page=page,
            page_size=page_size,
            total_number=_int_or_none(info.get("total_number")),
            total_page=total_page,
            truncated=truncated,
        )
        if not _more(len(found.items), page, page_size, total_page):
            return
        page += 1


def iter_raw_pages(
    client: TikTokClient,
    path: str,
    *,
    token: str,
    params: Mapping[str, Any],
    page_size: int,
    start_page: int = 1,
) -> Iterator[Page[Any]]:
    """``iter_pages`` with each item as its raw JSON (``TikTokClient.request_list``)."""
    page = start_page
    while True:
        found = client.request_list(
            path, token=token, params={**params, "page": page, "page_size": page_size}
        )
        client.stats.add(pages=1)
        info = found.page_info
        total_page = _int_or_none(info.get("total_page"))
        yield Page(
            items=found.items,
            page=page,
            page_size=page_size,
            total_number=_int_or_none(info.get("total_number")),
            total_page=total_page,
        )
        if not _more(len(found.items), page, page_size, total_page):
            return
        page += 1


def _more(count: int, page: int, page_size: int, total_page: int | None) -> bool:
    if not count:
        return False
    if total_page is not None:
        return page < total_page
    return count >= page_size


def iter_items(pages: Iterator[Page[T]]) -> Iterator[T]:
    for page in pages:
        yield from page.items


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
