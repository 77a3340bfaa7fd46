"""TikTok list items (raw JSON, as the client's list pages carry them) -> mirror rows.

Items are decoded to plain dicts, not through the typed models: a sync handles millions of them
and validating each costs more than the rest of the row. The ``raw`` column keeps the item's
JSON text exactly as TikTok sent it (never re-encoded). Budgets arrive as ``Decimal`` major
units and are kept as integer minor units of the ad account's currency, rounded half up
(TikTok shows budgets with the currency's decimals).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from promodesk.accounts.domain import is_deleted, to_minor
from promodesk.integrations.tiktok.envelope import ITEM


def _s(value: Any, size: int) -> str:
    return "" if value is None else str(value)[:size]


def _common(item: dict[str, Any], name_key: str, now: datetime) -> dict[str, Any]:
    secondary = _s(item.get("secondary_status"), 64)
    return {
        "name": _s(item.get(name_key), 512),
        "operation_status": _s(item.get("operation_status"), 16),
        "secondary_status": secondary,
        "create_time": _s(item.get("create_time"), 19),
        "modify_time": _s(item.get("modify_time"), 19),
        "deleted": is_deleted(secondary),
        "synced_at": now,
    }


def campaign_row(c: dict[str, Any], currency: str, now: datetime) -> dict[str, Any]:
    return {
        **_common(c, "campaign_name", now),
        "campaign_id": _s(c.get("campaign_id"), 32),
        "objective_type": _s(c.get("objective_type"), 48),
        "budget_mode": _s(c.get("budget_mode"), 48),
        "budget_minor": to_minor(c.get("budget"), currency),
    }


def adgroup_row(g: dict[str, Any], currency: str, now: datetime) -> dict[str, Any]:
    return {
        **_common(g, "adgroup_name", now),
        "adgroup_id": _s(g.get("adgroup_id"), 32),
        "campaign_id": _s(g.get("campaign_id"), 32),
        "budget_mode": _s(g.get("budget_mode"), 48),
        "budget_minor": to_minor(g.get("budget"), currency),
        "schedule_type": _s(g.get("schedule_type"), 48),
        "schedule_start_time": _s(g.get("schedule_start_time"), 19),
        "schedule_end_time": _s(g.get("schedule_end_time"), 19),
    }


def ad_row(a: dict[str, Any], currency: str, now: datetime) -> dict[str, Any]:
    return {
        **_common(a, "ad_name", now),
        "ad_id": _s(a.get("ad_id"), 32),
        "adgroup_id": _s(a.get("adgroup_id"), 32),
        "campaign_id": _s(a.get("campaign_id"), 32),
    }


def audience_row(a: dict[str, Any], currency: str, now: datetime) -> dict[str, Any]:
    row = _common(a, "name", now)
    # Audiences have no status fields: a deleted audience simply stops being listed.
    row.update(operation_status="", secondary_status="", deleted=False)
    valid = a.get("is_valid")
    try:
        cover = int(a.get("cover_num") or 0)
    except (TypeError, ValueError):
        cover = 0
    return {
        **row,
        "audience_id": _s(a.get("audience_id"), 32),
        "audience_type": _s(a.get("audience_type"), 64),
        "cover_num": cover,
        "is_valid": True if valid is None else bool(valid),
    }


BUILDERS: dict[str, tuple[Any, str]] = {
    "campaigns": (campaign_row, "campaign_id"),
    "adgroups": (adgroup_row, "adgroup_id"),
    "ads": (ad_row, "ad_id"),
    "audiences": (audience_row, "audience_id"),
}


def row_of(stage: str, raw: Any, currency: str, now: datetime) -> dict[str, Any] | None:
    """The mirror row of one raw item, or None when it is malformed (not JSON, not an object,
    or without its id): TikTok's fault, skipped and counted by the caller."""
    build, key = BUILDERS[stage]
    try:
        item = ITEM.decode(raw)
    except msgspec.DecodeError:
        return None
    if not isinstance(item, dict) or not item.get(key):
        return None
    row: dict[str, Any] = build(item, currency, now)
    row["raw"] = bytes(raw).decode("utf-8", "replace")
    return row
