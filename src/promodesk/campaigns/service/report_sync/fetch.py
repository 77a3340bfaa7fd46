"""Fetch a step's report pages from TikTok.

``prefetch`` makes a step's TikTok calls with no transaction open: up to ``pages_per_step``
pages of the cursor's window (1,000 rows each, every status: deleted objects included), turned
into store rows (``rows``). Every call goes through the process-wide client and its limiter; a
TikTok error is kept in ``Fetched.error`` for the step to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.campaigns.service.report_sync.progress import (
    cursor_of,
    parts_of,
    plan_of,
    windows_of,
)
from promodesk.campaigns.service.report_sync.rows import convert
from promodesk.campaigns.service.report_sync.truncation import split_window
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok.errors import TikTokError
from promodesk.kit.db import Database
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES


@dataclass
class Fetched:
    """A step's pages, fetched before its transaction: rows for the store and the cursor after."""

    cursor: dict[str, int]
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # in ``ROW_COLUMNS`` order
    pages: int = 0
    next_cursor: dict[str, int] | None = None  # None: nothing fetched (see ``error``)
    window_done: bool = False
    malformed: int = 0
    throttles: int = 0
    retries: int = 0
    error: TikTokError | None = None
    # The window's campaign-id parts after this step, when it split them (see ``truncation``).
    parts: list[list[str]] | None = None
    truncated: int = 0  # truncated pages kept (one campaign over TikTok's limit)


def prefetch(db: Database, operation_id: int, *, max_pages: int | None = None) -> Fetched | None:
    """The next pages of the sync, fetched with no transaction open (None: nothing to do)."""
    with db.read() as uow:
        op = operations.get_unscoped(uow, operation_id)
        if op.state in FINAL_STATES:
            return None
        plan_ = plan_of(op)
        workspace_id = op.workspace_id
        account = accounts_alloc.get_ad_account(uow, op.workspace_id, int(plan_["ad_account_id"]))
        access = grants.tiktok_access(uow, account)
    if access is None:
        return None
    cursor = cursor_of(plan_)
    all_windows = windows_of(plan_)
    fetched = Fetched(cursor)
    if cursor["window"] >= len(all_windows):
        fetched.next_cursor = cursor
        return fetched
    window = all_windows[cursor["window"]]
    parts = parts_of(plan_)
    part = cursor["part"]
    api = access.api()
    settings = campaigns_settings()
    budget = max_pages or settings.report_pages_per_step
    before = api.client.stats.snapshot()
    page_no = cursor["page"]

    def after_last() -> dict[str, int]:
        """The cursor after the last page of the current part (or of the whole window)."""
        if parts is not None and part + 1 < len(parts):
            return {"window": cursor["window"], "page": 1, "part": part + 1}
        fetched.window_done = True
        return {"window": cursor["window"] + 1, "page": 1, "part": 0}

    try:
        pages = api.basic_report_pages(
            access.advertiser_id,
            data_level=window.data_level,  # type: ignore[arg-type]
            dimensions=window.dimensions(),
            metrics=window.metrics(),
            start_date=window.since.isoformat(),
            end_date=window.until.isoformat(),
            start_page=page_no,
            page_size=settings.report_page_size,
            campaign_ids=parts[part] if parts is not None else None,
        )
        for page in pages:
            if page.truncated:
                split = split_window(db, plan_, window, parts, part)
                if split is not None:  # read the window again, narrower; this page is dropped
                    fetched.parts = split
                    fetched.next_cursor = {"window": cursor["window"], "page": 1, "part": part}
                    break
                fetched.truncated += 1
            convert(fetched, window, page.items, plan_, workspace_id)
            fetched.pages += 1
            last = not page.items or (
                page.total_page <= page.page
                if page.total_page is not None
                else len(page.items) < page.page_size
            )
            if last:
                fetched.next_cursor = after_last()
                break
            fetched.next_cursor = {"window": cursor["window"], "page": page.page + 1, "part": part}
            if fetched.pages >= budget:
                break
        else:  # the generator ended by itself: the part (or window) is complete
            fetched.next_cursor = after_last()
    except TikTokError as exc:
        fetched.error = exc
    delta = api.client.stats.snapshot() - before
    fetched.throttles, fetched.retries = int(delta.throttles), int(delta.retries)
    return fetched
