"""A cancellation's stop as monitoring, the watch and the retrospective read it: when the objects
stopped, in which zone, which objects count, and what they spent after the stop.

Spend after the stop per item: its hourly rows after the stop hour (the stop hour itself
mixes before and after), or, when the hourly history no longer covers it, its daily rows
after the stop day. Days and hours are the ad account's local ones, as the report store
keeps them. An object cancelled at ad group or ad level inside a campaign cancelled with it
is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promodesk.campaigns.domain.reports import Level, Metrics, day_text
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import CampaignCancellation, CampaignCancellationItem

HOUR_FMT = "%Y-%m-%d %H:00:00"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def get_cancellation(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int
) -> CampaignCancellation:
    found = RetrospectiveRepository(uow).get(workspace_id, cancellation_id)
    if found is None:
        raise NotFound(f"cancellation {cancellation_id} not found", field="cancellation_id")
    return found


def metrics_dict(m: Metrics) -> dict[str, Any]:
    cpr = m.cost_per_result_minor
    return {
        "spend_minor": m.spend_minor,
        "impressions": m.impressions,
        "clicks": m.clicks,
        "conversions": m.conversions,
        "cost_per_result_minor": str(cpr) if cpr is not None else None,
    }


def stop_time(
    cancellation: CampaignCancellation, items: Iterable[CampaignCancellationItem]
) -> datetime:
    """When the objects stopped: the first recorded stop, else when the cancellation began."""
    stops = [clock.ensure_utc(i.stopped_at) for i in items if i.stopped_at is not None]
    return min(stops) if stops else clock.ensure_utc(cancellation.created_at)


def counted_objects(items: Sequence[CampaignCancellationItem]) -> dict[str, list[str]]:
    """Object ids per level, without ad groups and ads of a campaign cancelled with them."""
    campaigns = {i.object_id for i in items if i.level == Level.CAMPAIGN}
    out: dict[str, list[str]] = {}
    for i in items:
        if i.level != Level.CAMPAIGN and i.campaign_id in campaigns:
            continue
        ids = out.setdefault(i.level, [])
        if i.object_id not in ids:
            ids.append(i.object_id)
    return out


def local_hours(start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> list[str]:
    """Local hour keys from ``start_utc`` up to ``end_utc`` (exclusive), in order, no repeats."""
    out: list[str] = []
    at = start_utc.replace(minute=0, second=0, microsecond=0)
    while at < end_utc:
        key = at.astimezone(tz).strftime(HOUR_FMT)
        if not out or out[-1] != key:
            out.append(key)
        at += timedelta(hours=1)
    return out


def spend_after_stop(
    uow: UnitOfWork,
    workspace_id: int,
    account_id: int,
    items: Sequence[CampaignCancellationItem],
    stopped: datetime,
    tz: ZoneInfo,
    now_utc: datetime,
) -> dict[int, int]:
    """Per item id: spend in the report store after its stop (see the module's rule)."""
    repo = RetrospectiveRepository(uow)
    out: dict[int, int] = {}
    by_level: dict[str, list[CampaignCancellationItem]] = {}
    for i in items:
        by_level.setdefault(i.level, []).append(i)
    far = (now_utc + timedelta(days=2)).astimezone(tz)
    for level, level_items in by_level.items():
        stop_of = {
            i.id: clock.ensure_utc(i.stopped_at) if i.stopped_at is not None else stopped
            for i in level_items
        }
        earliest = min(stop_of.values()).astimezone(tz)
        ids = [i.object_id for i in level_items]
        hourly = repo.object_series(
            workspace_id,
            account_id,
            level,
            ids,
            "hour",
            earliest.strftime(HOUR_FMT),
            far.strftime(HOUR_FMT),
        )
        daily = repo.object_series(
            workspace_id,
            account_id,
            level,
            ids,
            "day",
            day_text(earliest.date()),
            day_text(far.date()),
        )
        for i in level_items:
            local = stop_of[i.id].astimezone(tz)
            stop_hour, stop_day = local.strftime(HOUR_FMT), day_text(local.date())
            hours = [m.spend_minor for t, m in hourly.get(i.object_id, []) if t > stop_hour]
            if hours:
                out[i.id] = sum(hours)
            else:
                out[i.id] = sum(
                    m.spend_minor for t, m in daily.get(i.object_id, []) if t > stop_day
                )
    return out
