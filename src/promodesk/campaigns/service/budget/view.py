"""The Budget view itself: ``overview`` from the database in one read-only unit, then
``budget_view`` adds each ad account's TikTok balance (``balances``) with no transaction open."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promodesk.accounts.service import requests as account_requests
from promodesk.campaigns.domain import budget as rules
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.repository.budget import BudgetRepository
from promodesk.campaigns.service import freed, reports
from promodesk.campaigns.service.budget.balances import balances
from promodesk.campaigns.service.budget.pools import all_accounts, pool_names, pool_view
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound

NOT_ALLOCATED = "not_allocated"


@dataclass(frozen=True)
class Filters:
    client_id: int | None = None
    advertiser_id: int | None = None  # the client's advertiser (promodesk's id)
    ad_account_id: int | None = None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _spent_by_campaign_hourly(
    uow: UnitOfWork, workspace_id: int, account_id: int, today: date, ids: Iterable[str]
) -> int:
    start = datetime.combine(today, datetime.min.time())
    return sum(
        m.spend_minor
        for _hour, m in reports.hourly(
            uow,
            workspace_id,
            Level.CAMPAIGN,
            start,
            start + timedelta(days=1),
            ad_account_id=account_id,
            object_ids=list(ids),
        )
    )


def _account_view(
    uow: UnitOfWork,
    workspace_id: int,
    account: dict[str, Any],
    live: list[rules.LiveCampaign],
    now: datetime,
) -> dict[str, Any]:
    zone = _zone(account["timezone"])
    local = now.astimezone(zone)
    today = local.date()
    b = rules.budgets(live)
    day = reports.totals(
        uow,
        workspace_id,
        Level.CAMPAIGN,
        today,
        today + timedelta(days=1),
        ad_account_id=account["id"],
    )
    if day:
        spent_today = sum(m.spend_minor for m in day.values())
        spent_daily = sum(m.spend_minor for (_a, obj), m in day.items() if obj in b.daily_ids)
        source = "day"
    else:
        start = datetime.combine(today, datetime.min.time())
        hours = reports.hourly(
            uow,
            workspace_id,
            Level.CAMPAIGN,
            start,
            start + timedelta(days=1),
            ad_account_id=account["id"],
        )
        spent_today = sum(m.spend_minor for _h, m in hours)
        spent_daily = (
            _spent_by_campaign_hourly(uow, workspace_id, account["id"], today, b.daily_ids)
            if b.daily_ids
            else 0
        )
        source = "hour" if hours else "none"
    spent_percent = rules.percent(spent_daily, b.daily_minor)
    elapsed = rules.day_elapsed(local)
    return {
        "id": account["id"],
        "advertiser_id": account["advertiser_id"],
        "name": account["name"],
        "currency": account["currency"],
        "timezone": account["timezone"],
        "local_time": local.strftime("%Y-%m-%d %H:%M"),
        "allocations": account["allocations"],
        "active_campaigns": b.active_campaigns,
        "daily_budget_minor": b.daily_minor,
        "lifetime_budget_minor": b.lifetime_minor,
        "unlimited_campaigns": b.unlimited,
        "spent_today_minor": spent_today,
        "spent_today_daily_minor": spent_daily,
        "spent_today_source": source,  # day rows, hour rows, or none stored yet
        "pacing_percent": None if spent_percent is None else str(spent_percent),
        "day_elapsed_percent": str(elapsed),
        "pace": rules.pace(spent_percent, elapsed),
        "balance": {"available": False, "reason": "not asked", "cash_minor": None},
        "pools": [],
    }


def _check_filters(accounts: list[dict[str, Any]], f: Filters) -> None:
    """An unknown id is an error, never a wider view."""
    if f.ad_account_id is not None and not any(a["id"] == f.ad_account_id for a in accounts):
        raise NotFound(f"ad account {f.ad_account_id} not found", field="ad_account_id")
    pairs = [p for a in accounts for p in a["allocations"]]
    if f.client_id is not None and not any(p["client_account_id"] == f.client_id for p in pairs):
        raise NotFound(
            f"client account {f.client_id} not found or without ad accounts", field="client_id"
        )
    if f.advertiser_id is not None and not any(
        p["advertiser_id"] == f.advertiser_id for p in pairs
    ):
        raise NotFound(
            f"advertiser {f.advertiser_id} not found or without ad accounts",
            field="advertiser_id",
        )


def overview(uow: UnitOfWork, workspace_id: int, filters: Filters | None = None) -> dict[str, Any]:
    """The Budget view from the database (balances not yet asked: see ``with_balances``)."""
    f = filters or Filters()
    accounts = all_accounts(uow, workspace_id)
    _check_filters(accounts, f)
    live: dict[int, list[rules.LiveCampaign]] = {a["id"]: [] for a in accounts}
    for account_id, campaign_id, mode, amount in BudgetRepository(uow).live_campaigns(
        workspace_id, list(live)
    ):
        live[account_id].append(rules.LiveCampaign(campaign_id, mode, amount))
    now = clock.now()
    views = {a["id"]: _account_view(uow, workspace_id, a, live[a["id"]], now) for a in accounts}
    pools = freed.pools(uow, workspace_id)
    names = pool_names(accounts, pools)
    for p in pools:
        if p.pool.ad_account_id is not None and p.pool.ad_account_id in views:
            views[p.pool.ad_account_id]["pools"].append(pool_view(p, names))

    clients: dict[int, dict[str, Any]] = {}
    unallocated: list[dict[str, Any]] = []
    for a in accounts:
        view = views[a["id"]]
        if f.ad_account_id is not None and a["id"] != f.ad_account_id:
            continue
        pairs = [
            p
            for p in a["allocations"]
            if (f.client_id is None or p["client_account_id"] == f.client_id)
            and (f.advertiser_id is None or p["advertiser_id"] == f.advertiser_id)
        ]
        if not a["allocations"] and f.client_id is None and f.advertiser_id is None:
            unallocated.append({**view, "payment_mode": None})
        for p in pairs:
            client = clients.setdefault(
                int(p["client_account_id"]),
                {
                    "id": p["client_account_id"],
                    "name": p["client_account_name"],
                    "advertisers": {},
                },
            )
            adv = client["advertisers"].setdefault(
                int(p["advertiser_id"]),
                {"id": p["advertiser_id"], "name": p["advertiser_name"], "ad_accounts": []},
            )
            adv["ad_accounts"].append({**view, "payment_mode": p["payment_mode"]})
    adv_pools: dict[int, list[dict[str, Any]]] = {}
    for p in pools:
        if p.pool.advertiser_id is not None:
            adv_pools.setdefault(p.pool.advertiser_id, []).append(pool_view(p, names))
    out_clients = []
    for client in sorted(clients.values(), key=lambda c: str(c["name"]).lower()):
        advertisers = []
        for adv in sorted(client["advertisers"].values(), key=lambda a: str(a["name"]).lower()):
            adv["pools"] = adv_pools.get(int(adv["id"]), [])
            adv["totals"] = _totals(adv["ad_accounts"])
            advertisers.append(adv)
        out_clients.append({"id": client["id"], "name": client["name"], "advertisers": advertisers})
    shown_pools = [
        pool_view(p, names)
        for p in pools
        if _pool_shown(p, f, [a for a in accounts if a["id"] in views])
    ]
    bc = account_requests.business_center_id()
    return {
        "as_of": now,
        "business_center_id": bc or None,
        "clients": out_clients,
        "not_allocated": unallocated,
        "pools": shown_pools,
    }


def _pool_shown(p: freed.PoolState, f: Filters, accounts: list[dict[str, Any]]) -> bool:
    if f.ad_account_id is not None:
        if p.pool.ad_account_id is not None:
            return p.pool.ad_account_id == f.ad_account_id
        account = next(a for a in accounts if a["id"] == f.ad_account_id)
        return any(x["advertiser_id"] == p.pool.advertiser_id for x in account["allocations"])
    if f.advertiser_id is not None:
        return p.pool.advertiser_id == f.advertiser_id
    if f.client_id is not None:
        advertisers = {
            x["advertiser_id"]
            for a in accounts
            for x in a["allocations"]
            if x["client_account_id"] == f.client_id
        }
        return p.pool.advertiser_id in advertisers
    return True


def _totals(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per currency: the sums of the ad accounts' budgets and today's spend."""
    by: dict[str, dict[str, Any]] = {}
    for a in accounts:
        t = by.setdefault(
            a["currency"],
            {
                "currency": a["currency"],
                "daily_budget_minor": 0,
                "lifetime_budget_minor": 0,
                "spent_today_minor": 0,
                "active_campaigns": 0,
            },
        )
        for key in ("daily_budget_minor", "lifetime_budget_minor", "spent_today_minor"):
            t[key] += a[key]
        t["active_campaigns"] += a["active_campaigns"]
    return [by[c] for c in sorted(by)]


def _each_account(view: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield from view["not_allocated"]
    for client in view["clients"]:
        for adv in client["advertisers"]:
            yield from adv["ad_accounts"]


def budget_view(
    db: Database,
    workspace_id: int,
    filters: Filters | None = None,
    *,
    with_balances: bool = True,
) -> dict[str, Any]:
    """``overview`` and, unless ``with_balances`` is off, each ad account's TikTok balance."""
    with db.read() as uow:
        view = overview(uow, workspace_id, filters)
    if with_balances:
        found = balances(db, workspace_id, (a["id"] for a in _each_account(view)))
        for a in _each_account(view):
            a["balance"] = found.get(
                a["id"], {"available": False, "cash_minor": None, "reason": "not found"}
            )
    return view
