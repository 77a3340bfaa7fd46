"""Campaigns read side: the campaign list (search, status words, sorts, cursor pages); detail
of mirrored campaigns, ad groups and ads; audiences with their allocations; spend from TikTok's
report endpoint."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.accounts.domain import to_minor
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.campaigns.domain import detail as detail_rules
from promodesk.campaigns.domain import lists as list_rules
from promodesk.campaigns.domain.campaigns import ListStatus
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.campaigns.repository.lists import first_day
from promodesk.campaigns.service import lists, reports
from promodesk.integrations.tiktok.errors import TikTokError
from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound

_campaign = lists.campaign_item


def _row(row: Any) -> dict[str, Any]:
    c, a, client_name, adv_name, account_name, account_advertiser_id, currency, _key = row
    return _campaign(c, a, client_name, adv_name, currency, account_name, account_advertiser_id)


def list_campaigns(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    ad_account_id: int | None = None,
    advertiser_id: int | None = None,
    candidates_only: bool = False,
    include_deleted: bool = True,
    after_id: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Up to ``limit`` campaigns past the id ``after_id``, in id order."""
    if ad_account_id is not None:
        accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    rows = CampaignsRepository(uow).campaigns(
        workspace_id,
        ad_account_id=ad_account_id,
        advertiser_id=advertiser_id,
        candidates_only=candidates_only,
        include_deleted=include_deleted,
        after_id=after_id,
        limit=limit,
    )
    return [_row(r) for r in rows]


def campaign_page(uow: UnitOfWork, workspace_id: int, **kw: Any) -> dict[str, Any]:
    """A page of the campaign list (``service.lists.object_page`` at the campaign level)."""
    return lists.object_page(uow, workspace_id, Level.CAMPAIGN, **kw)


def campaign_view(uow: UnitOfWork, workspace_id: int, row_id: int) -> dict[str, Any]:
    """One campaign as the list shows it (allocation names left out)."""
    repo = CampaignsRepository(uow)
    c = repo.get(workspace_id, row_id)
    if c is None:
        raise NotFound(f"campaign {row_id} not found")
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    return _campaign(
        c,
        repo.allocation_of_campaign(c.id),
        None,
        None,
        account.currency,
        account.name,
        account.advertiser_id,
    )


def campaign_detail(
    uow: UnitOfWork,
    workspace_id: int,
    row_id: int,
    *,
    chart: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One campaign with everything a review needs (``campaigns.domain.detail``): objective,
    budget and mode, schedule (the ad account's zone, named), spent to date and today from the
    report store, the remaining budget, one point per day for the chart (``chart``: ``life`` or
    ``last_30_days``), and its ad groups and ads with their status words."""
    span = detail_rules.chart_span(chart)
    repo = CampaignsRepository(uow)
    c = repo.get(workspace_id, row_id)
    if c is None:
        raise NotFound(f"campaign {row_id} not found")
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    alloc = repo.allocation_of_campaign(c.id)
    detail = _campaign(c, alloc, None, None, account.currency, account.name, account.advertiser_id)
    groups = repo.ad_groups(c.ad_account_id, c.campaign_id)
    ads = repo.ads(c.ad_account_id, [g.adgroup_id for g in groups])
    detail["ad_account"] = {
        "id": account.id,
        "advertiser_id": account.advertiser_id,
        "name": account.name,
    }
    detail["ad_groups"] = [
        {
            "id": g.id,
            "adgroup_id": g.adgroup_id,
            "name": g.name,
            "budget_mode": g.budget_mode,
            "budget_minor": g.budget_minor,
            "schedule_type": g.schedule_type,
            "schedule_start_time": g.schedule_start_time,
            "schedule_end_time": g.schedule_end_time,
            "operation_status": g.operation_status,
            "secondary_status": g.secondary_status,
            "deleted": g.deleted,
            **_words(Level.ADGROUP, g),
            "ads": [
                {
                    "id": ad.id,
                    "ad_id": ad.ad_id,
                    "name": ad.name,
                    "operation_status": ad.operation_status,
                    "secondary_status": ad.secondary_status,
                    "deleted": ad.deleted,
                    **_words(Level.AD, ad),
                }
                for ad in ads
                if ad.adgroup_id == g.adgroup_id
            ],
        }
        for g in groups
    ]
    zone = account.timezone or "UTC"
    planned = detail_rules.schedule(
        [(g.schedule_type, g.schedule_start_time, g.schedule_end_time, g.deleted) for g in groups]
    )
    detail["time_zone"] = zone
    detail["schedule"] = {"start": planned.start, "end": planned.end, "time_zone": zone}
    today = list_rules.local_today(zone, at or now())
    first = first_day(uow, c.ad_account_id, Level.CAMPAIGN, c.campaign_id)
    first_date = date.fromisoformat(first) if first else None
    mine: dict[str, Any] = {"ad_account_id": c.ad_account_id, "object_ids": [c.campaign_id]}
    key = (c.ad_account_id, c.campaign_id)
    end = today + timedelta(days=1)
    to_date = reports.totals(uow, workspace_id, Level.CAMPAIGN, date(1970, 1, 1), end, **mine)
    on_day = reports.totals(uow, workspace_id, Level.CAMPAIGN, today, end, **mine)
    spent, spent_today = to_date.get(key, reports.ZERO), on_day.get(key, reports.ZERO)
    left = detail_rules.remaining(
        c.budget_mode, c.budget_minor, spent.spend_minor, spent_today.spend_minor
    )
    detail["spent_to_date"] = {**lists.metrics_view(spent), "first_day": first}
    detail["spent_today"] = {**lists.metrics_view(spent_today), "day": today.isoformat()}
    detail["remaining_budget_minor"] = left.minor
    detail["remaining_basis"] = left.basis
    days = detail_rules.chart_days(span, first_date, today)
    points = dict(reports.per_day(uow, workspace_id, Level.CAMPAIGN, days[0], end, **mine))
    detail["daily"] = {
        "chart": span.value,
        "points": [
            {
                "day": d.isoformat(),
                "spend_minor": points.get(d.isoformat(), reports.ZERO).spend_minor,
                "conversions": points.get(d.isoformat(), reports.ZERO).conversions,
                "clicks": points.get(d.isoformat(), reports.ZERO).clicks,
                "impressions": points.get(d.isoformat(), reports.ZERO).impressions,
            }
            for d in days
        ],
    }
    return detail


def _words(level: Level, obj: Any) -> dict[str, Any]:
    status = list_rules.status_at(
        level, obj.operation_status, obj.secondary_status, obj.deleted, obj.vanished
    )
    reason = obj.secondary_status if status is ListStatus.NOT_DELIVERING else None
    return {"status": status.value, "status_reason": reason}


def spend(uow: UnitOfWork, workspace_id: int, row_id: int) -> dict[str, Any]:
    """Lifetime spend, impressions and clicks of one campaign from ``report/integrated/get/``.
    ``available`` is False when TikTok could not be asked (no active grant, an error)."""
    repo = CampaignsRepository(uow)
    c = repo.get(workspace_id, row_id)
    if c is None:
        raise NotFound(f"campaign {row_id} not found")
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    access = grants.tiktok_access(uow, account)
    empty = {
        "available": False,
        "spend_minor": None,
        "currency": account.currency,
        "impressions": None,
        "clicks": None,
    }
    if access is None:
        return empty
    try:
        pages = access.api().report_pages(
            account.advertiser_id,
            data_level="AUCTION_CAMPAIGN",
            dimensions=["campaign_id"],
            metrics=["spend", "impressions", "clicks"],
            query_lifetime=True,
            include_deleted=True,
            filtering=[
                {
                    "field_name": "campaign_ids",
                    "filter_type": "IN",
                    "filter_value": f'["{c.campaign_id}"]',
                }
            ],
        )
        for page in pages:
            for row in page.items:
                if row.dimensions.get("campaign_id") != c.campaign_id:
                    continue
                return {
                    "available": True,
                    "currency": account.currency,
                    "spend_minor": to_minor(_dec(row.metric("spend")), account.currency),
                    "impressions": _int(row.metric("impressions")),
                    "clicks": _int(row.metric("clicks")),
                }
    except TikTokError:
        return empty
    return {**empty, "available": True, "spend_minor": 0, "impressions": 0, "clicks": 0}


def _dec(value: str | None) -> Decimal | None:
    if value in (None, "", "-"):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _int(value: str | None) -> int | None:
    dec = _dec(value)
    return None if dec is None else int(dec)


def list_audiences(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    *,
    after_id: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    repo = CampaignsRepository(uow)
    audiences = repo.audiences(workspace_id, ad_account_id, after_id=after_id, limit=limit)
    allocs: dict[int, list[dict[str, Any]]] = {a.id: [] for a in audiences}
    for alloc, adv_name in repo.audience_allocations(list(allocs)):
        allocs[alloc.audience_row_id].append(
            {
                "id": alloc.id,
                "advertiser_id": alloc.advertiser_id,
                "advertiser_name": adv_name,
                "client_account_id": alloc.client_account_id,
            }
        )
    return [
        {
            "id": a.id,
            "audience_id": a.audience_id,
            "name": a.name,
            "audience_type": a.audience_type,
            "cover_num": a.cover_num,
            "is_valid": a.is_valid,
            "vanished": a.vanished,
            "allocations": allocs[a.id],
        }
        for a in audiences
    ]
