"""Truncated reports.

TikTok cuts an answer short past 20,000 ads and says so in a header (spec §6.9). A truncated
page is not stored; the window is read again in parts, each narrowed to at most 100 campaigns
(every campaign that can have rows in the window: those with campaign rows stored, the campaign
level being read first, and every mirrored one), and a part still truncated is halved, down to
one campaign. The parts live in the plan beside the cursor (window, part, page). Only a single
campaign over the limit keeps its truncated rows, counted in ``truncated_pages`` and reported as
an error of the operation, never silently.
"""

from __future__ import annotations

from typing import Any

from promodesk.campaigns.domain.report_sync import Window
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.integrations.tiktok.api.reports import REPORT_ID_FILTER_MAX
from promodesk.kit.db import Database


def split_parts(
    parts: list[list[str]] | None, part: int, campaign_ids: list[str]
) -> list[list[str]] | None:
    """The parts of a window after a truncated page of ``part``: a whole window (no parts yet)
    becomes ``campaign_ids`` in chunks of TikTok's 100-id filter; a part of several campaigns
    is halved in place. None when nothing narrower exists (one campaign, or no ids known)."""
    if parts is None:
        if not campaign_ids:
            return None
        size = REPORT_ID_FILTER_MAX
        return [campaign_ids[i : i + size] for i in range(0, len(campaign_ids), size)]
    ids = parts[part]
    if len(ids) < 2:
        return None
    half = len(ids) // 2
    return [*parts[:part], ids[:half], ids[half:], *parts[part + 1 :]]


def split_window(
    db: Database,
    plan_: dict[str, Any],
    window: Window,
    parts: list[list[str]] | None,
    part: int,
) -> list[list[str]] | None:
    ids: list[str] = []
    if parts is None:
        with db.read() as uow:
            ids = ReportSyncRepository(uow).campaign_ids(
                int(plan_["ad_account_id"]), window.since.isoformat(), window.until.isoformat()
            )
    return split_parts(parts, part, ids)
