"""The scheduled refresh of links' tokens.

Rules:
- A refresh job runs before the access token expires (``refresh_due``).
"""

from __future__ import annotations

from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs.service import enqueue, ensure_schedule
from promodesk.models import ShopPlatformLink
from promodesk.shop.domain.platform import LinkStatus, refresh_due
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_links.tokens import Refreshed, access_of, fetch_refresh
from promodesk.shop.settings import shop_settings

REFRESH_SCHEDULE = "shop.platform_refresh_due"
REFRESH_JOB = "shop.platform_refresh"


def ensure_refresh_schedule(uow: UnitOfWork) -> None:
    ensure_schedule(
        uow,
        REFRESH_SCHEDULE,
        REFRESH_SCHEDULE,
        interval_seconds=shop_settings().platform_refresh_check_seconds,
    )


def enqueue_due_refreshes(uow: UnitOfWork) -> int:
    """One refresh job per active link whose access token expires within the margin."""
    settings = shop_settings()
    before = clock.now() + timedelta(seconds=settings.platform_refresh_before_seconds)
    count = 0
    repo = PlatformRepository(uow)
    for workspace_id, link_id in repo.due_for_refresh(LinkStatus.ACTIVE, before):
        row = repo.link(workspace_id, link_id)
        if row is None:
            continue
        stamp = int(row.access_expires_at.timestamp())
        enqueue(
            uow,
            REFRESH_JOB,
            {"workspace_id": workspace_id, "link_id": link_id},
            dedupe_key=f"{REFRESH_JOB}:{link_id}:{stamp}",
            workspace_id=workspace_id,
        )
        count += 1
    return count


def refresh_needed(row: ShopPlatformLink) -> bool:
    before = timedelta(seconds=shop_settings().platform_refresh_before_seconds)
    return row.status == LinkStatus.ACTIVE and refresh_due(
        row.access_expires_at, clock.now(), before
    )


def prefetch_refresh(db: Database, workspace_id: int, link_id: int) -> Refreshed | None:
    """The refresh job's platform call, made before its transaction opens; None when the
    link is gone, waits for re-authorization, or was refreshed meanwhile."""
    with db.read() as uow:
        row = PlatformRepository(uow).link(workspace_id, link_id)
        if row is None or not refresh_needed(row):
            return None
        link_access = access_of(row)
    return fetch_refresh(link_access)
