"""Read the report store: metrics per object over a range of days, and series per day or hour.

Days are the ad account's local days as TikTok reports them; ``until`` is exclusive. The store
is filled by the report sync; an object with no row has spent nothing (``ZERO``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from promodesk.campaigns.domain.reports import ZERO, Grain, Level, Metrics, day_text
from promodesk.campaigns.repository.reports import ReportsRepository
from promodesk.kit.db import UnitOfWork

__all__ = ["ZERO", "Grain", "Level", "Metrics", "hourly", "per_day", "totals"]


def totals(
    uow: UnitOfWork,
    workspace_id: int,
    level: Level,
    since: date,
    until: date,
    *,
    ad_account_id: int | None = None,
    object_ids: Iterable[str] | None = None,
) -> dict[tuple[int, str], Metrics]:
    """Per (ad account row id, object id): the sum of daily rows ``since <= day < until``."""
    return ReportsRepository(uow).totals(
        workspace_id,
        level.value,
        Grain.DAY.value,
        day_text(since),
        day_text(until),
        ad_account_id=ad_account_id,
        object_ids=object_ids,
    )


def per_day(
    uow: UnitOfWork,
    workspace_id: int,
    level: Level,
    since: date,
    until: date,
    *,
    ad_account_id: int | None = None,
    object_ids: Iterable[str] | None = None,
) -> list[tuple[str, Metrics]]:
    """One point per day that has rows, summed over the objects (days without rows are absent)."""
    return ReportsRepository(uow).series(
        workspace_id,
        level.value,
        Grain.DAY.value,
        day_text(since),
        day_text(until),
        ad_account_id=ad_account_id,
        object_ids=object_ids,
    )


def hourly(
    uow: UnitOfWork,
    workspace_id: int,
    level: Level,
    since: datetime,
    until: datetime,
    *,
    ad_account_id: int | None = None,
    object_ids: Iterable[str] | None = None,
) -> list[tuple[str, Metrics]]:
    """One point per local hour (``YYYY-MM-DD HH:00:00``) in ``since <= hour < until``."""
    fmt = "%Y-%m-%d %H:00:00"
    return ReportsRepository(uow).series(
        workspace_id,
        level.value,
        Grain.HOUR.value,
        since.strftime(fmt),
        until.strftime(fmt),
        ad_account_id=ad_account_id,
        object_ids=object_ids,
    )
