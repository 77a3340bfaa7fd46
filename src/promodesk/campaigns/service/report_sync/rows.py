"""Report rows turned into store rows: the object, its campaign, the stat time, whether the day
is final, and the metrics (spend parsed exactly into minor units of the account's currency).

A store row is a plain tuple in the order of the store's ``ROW_COLUMNS`` (a sync makes millions
of them); a stat time and its finality are worked out once per distinct time of a page."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from promodesk.campaigns.domain.report_sync import (
    METRICS,
    TIME_DIMENSION,
    Window,
    count,
    is_final,
    spend_minor,
    stat_time,
)
from promodesk.campaigns.domain.reports import Level
from promodesk.integrations.tiktok.entities import ReportRow

if TYPE_CHECKING:
    from promodesk.campaigns.service.report_sync.fetch import Fetched

_COUNTED = tuple(m for m in METRICS if m != "spend")  # after spend, as ``ROW_COLUMNS`` has them


def convert(
    fetched: Fetched,
    window: Window,
    items: list[ReportRow],
    plan_: dict[str, Any],
    workspace_id: int,
) -> None:
    level, grain = window.level, window.grain
    id_key, time_key = f"{level.value}_id", TIME_DIMENSION[grain]
    currency = str(plan_["currency"])
    final_before = date.fromisoformat(plan_["final_before"])
    head = (workspace_id, int(plan_["ad_account_id"]), level.value, grain.value)
    time_zone = str(plan_["time_zone"])[:64]
    of_campaign = level == Level.CAMPAIGN
    stamps: dict[str, tuple[str, bool] | None] = {}  # TikTok's time -> (stat time, final)
    append = fetched.rows.append
    for item in items:
        dimensions, metrics = item.dimensions, item.metrics
        object_id = dimensions.get(id_key) or ""
        raw = dimensions.get(time_key) or ""
        if raw in stamps:
            stamp = stamps[raw]
        else:
            text = stat_time(grain, raw)
            stamp = stamps[raw] = None if text is None else (text, is_final(text, final_before))
        if not object_id or stamp is None:
            fetched.malformed += 1
            continue
        if of_campaign:
            campaign_id = object_id
        else:
            campaign_id = metrics.get("campaign_id") or ""
            if campaign_id == "-":
                campaign_id = ""
        append(
            (
                *head,
                object_id[:32],
                campaign_id[:32],
                stamp[0],
                time_zone,
                currency,
                stamp[1],
                spend_minor(metrics.get("spend"), currency),
                *[count(metrics.get(m)) for m in _COUNTED],
            )
        )
