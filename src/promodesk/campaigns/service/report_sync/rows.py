"""Report rows turned into store rows: the object, its campaign, the stat time, whether the day
is final, and the metrics (spend parsed exactly into minor units of the account's currency)."""

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

if TYPE_CHECKING:
    from promodesk.campaigns.service.report_sync.fetch import Fetched


def convert(fetched: Fetched, window: Window, items: list[Any], plan_: dict[str, Any]) -> None:
    level, grain = window.level, window.grain
    id_key, time_key = f"{level.value}_id", TIME_DIMENSION[grain]
    currency = str(plan_["currency"])
    final_before = date.fromisoformat(plan_["final_before"])
    for item in items:
        object_id = str(item.dimensions.get(id_key) or "")
        stamp = stat_time(grain, str(item.dimensions.get(time_key) or ""))
        if not object_id or stamp is None:
            fetched.malformed += 1
            continue
        campaign_id = (
            object_id if level == Level.CAMPAIGN else str(item.metric("campaign_id") or "")
        )
        row: dict[str, Any] = {
            "workspace_id": 0,  # set by the step
            "ad_account_id": int(plan_["ad_account_id"]),
            "level": level.value,
            "grain": grain.value,
            "object_id": object_id[:32],
            "campaign_id": campaign_id[:32],
            "stat_time": stamp,
            "time_zone": str(plan_["time_zone"])[:64],
            "currency": currency,
            "final": is_final(stamp, final_before),
        }
        for metric, column in METRICS.items():
            value = item.metric(metric)
            row[column] = spend_minor(value, currency) if metric == "spend" else count(value)
        fetched.rows.append(row)
