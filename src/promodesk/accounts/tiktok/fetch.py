"""The TikTok side of a sync step: pages fetched and turned into rows, as ordered events.

Nothing here touches the database, so a step can fetch before its transaction opens
(``accounts.service.sync.prefetch``) and only write inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from promodesk.accounts.domain import STAGES, SyncScope, next_stage
from promodesk.accounts.tiktok.mapping import row_of
from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.api.access import ENTITY_PAGE_MAX
from promodesk.integrations.tiktok.api.entities import AUDIENCE_PAGE_MAX, entity_filtering
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.entities import Page
from promodesk.integrations.tiktok.errors import TikTokError
from promodesk.integrations.tiktok.paging import iter_raw_pages
from promodesk.kit import clock

# stage -> (path, page size cap, filtering level)
_LISTS: dict[str, tuple[str, int, str | None]] = {
    "campaigns": (endpoints.CAMPAIGN_GET, ENTITY_PAGE_MAX, "campaign"),
    "adgroups": (endpoints.ADGROUP_GET, ENTITY_PAGE_MAX, "adgroup"),
    "ads": (endpoints.AD_GET, ENTITY_PAGE_MAX, "ad"),
    "audiences": (endpoints.AUDIENCE_LIST, AUDIENCE_PAGE_MAX, None),
}


@dataclass
class Event:
    """One unit of a sync's progress, fetched from TikTok; applied in order in a transaction."""

    stage: str
    # "totals" (list sizes at the start), "advertiser" (infos), "page" (rows of one page) or
    # "done" (stage complete)
    kind: str
    page: int = 0
    # A page's items stay raw JSON (views of the answer's bytes) until they are written: a
    # prefetched step then holds ~1 KB per item, not the several of a built row.
    items: list[Any] = field(default_factory=list)
    currency: str = ""
    total: int | None = None
    infos: list[Any] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """The page's mirror rows; malformed items are left out (count them by difference)."""
        now = clock.now()
        built = (row_of(self.stage, item, self.currency, now) for item in self.items)
        return [row for row in built if row is not None]


@dataclass
class Fetched:
    """A step's TikTok calls made ahead of its transaction (see ``prefetch``): the events in
    order, and the error that stopped the fetching, if any."""

    cursor: dict[str, Any]
    events: list[Event]
    error: TikTokError | None = None


def walk(
    client: TikTokClient,
    token: str,
    scope: str,
    advertiser_id: str,
    currency: str,
    cursor: dict[str, Any],
    budget: int,
) -> Iterator[Event]:
    """The TikTok side of a step: from ``cursor``, up to ``budget`` pages, as events.

    A run's first step ends with the sizes of the lists it has not reached (``totals``): counted
    after its first pages, so the busiest list starts at once."""
    stages = STAGES[SyncScope(scope)]
    stage: str | None = cursor.get("stage") or stages[0]
    page_no = int(cursor.get("page") or 1)
    first = stage == stages[0] and page_no == 1
    reached: set[str] = set()
    while stage is not None and budget > 0:
        if stage == "advertiser":
            infos = client.for_token(token).advertiser_info([advertiser_id])
            yield Event(stage, "advertiser", infos=list(infos))
            budget -= 1
        else:
            reached.add(stage)
            complete = True
            for page in _pages(client, stage, advertiser_id, token, page_no):
                yield Event(
                    stage,
                    "page",
                    page=page.page,
                    items=page.items,
                    currency=currency,
                    total=page.total_number,
                )
                budget -= 1
                if budget <= 0 and not _last(page):
                    complete = False
                    break
            if not complete:
                break
            yield Event(stage, "done")
        stage, page_no = next_stage(scope, stage), 1
    if first:
        rest = tuple(s for s in stages if s not in reached)
        totals = dict(_count_lists(client, token, advertiser_id, rest))
        if totals:
            yield Event(stages[0], "totals", totals=totals)


def _count_lists(
    client: TikTokClient, token: str, advertiser_id: str, stages: tuple[str, ...]
) -> Iterator[tuple[str, int]]:
    """One single-item page of each list gives its ``total_number``, so a run's progress has
    its whole total from the first step. These calls go to the endpoints of the later lists,
    not to the busiest one, so they do not lengthen a sync."""
    for stage in (s for s in stages if s in _LISTS):
        for page in _pages(client, stage, advertiser_id, token, 1, size=1):
            if page.total_number is not None:
                yield stage, page.total_number
            break


def _last(page: Page[Any]) -> bool:
    if not page.items:
        return True
    if page.total_page is not None:
        return page.page >= page.total_page
    return len(page.items) < page.page_size


def _pages(
    client: TikTokClient,
    stage: str,
    advertiser_id: str,
    token: str,
    start_page: int,
    *,
    size: int | None = None,
) -> Iterator[Page[Any]]:
    path, cap, level = _LISTS[stage]
    params: dict[str, Any] = {"advertiser_id": advertiser_id}
    if level is not None:
        params["filtering"] = entity_filtering(level, None, include_deleted=True)  # type: ignore[arg-type]
    size = size or min(cap, client.settings.page_size)
    return iter_raw_pages(
        client, path, token=token, params=params, page_size=size, start_page=start_page
    )
