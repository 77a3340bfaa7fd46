"""The object lists (campaigns, ad groups, ads) at agency scale: search, status words, metric
columns over a range of each ad account's local days, totals of the whole filtered list, sorts
by any column with keyset cursor pages. Exports of these lists: ``exports``.

Rules: ``campaigns.domain.lists`` and ``campaigns.domain.campaigns`` (unknown values are 422s
naming the field, never a wider list). Paging follows ``kit.pagination`` (``limit + 1`` rows,
opaque cursors) with the sort key, the sort and the range in the cursor: a cursor made under
another sort or range is refused, since following it would skip or repeat rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.domain import campaigns as words
from promodesk.campaigns.domain import lists as domain
from promodesk.campaigns.domain.reports import Level, Metrics
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.campaigns.repository.lists import Filters, ListsRepository, Window, metrics_of, zones
from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.money import exponent
from promodesk.kit.pagination import MAX_ID, cursor_int, decode_cursor, encode_cursor, fetch


def metrics_view(m: Metrics) -> dict[str, Any]:
    """Sums and ratios of ``m`` (ratios ``None`` where nothing divides)."""
    return {
        "spend_minor": m.spend_minor,
        "impressions": m.impressions,
        "clicks": m.clicks,
        "conversions": m.conversions,
        "ctr": m.ctr,
        "cpc_minor": m.cpc_minor,
        "cpm_minor": m.cpm_minor,
        "cost_per_result_minor": m.cost_per_result_minor,
    }


def campaign_item(
    c: Any,
    a: Any,
    client_name: str | None,
    adv_name: str | None,
    currency: str,
    account_name: str | None = None,
    account_advertiser_id: str | None = None,
) -> dict[str, Any]:
    """A campaign as every list and detail shows it (without metrics)."""
    status = words.status_of(c.operation_status, c.secondary_status, c.deleted, c.vanished)
    return {
        "id": c.id,
        "ad_account_id": c.ad_account_id,
        "ad_account_name": account_name,
        "ad_account_advertiser_id": account_advertiser_id,
        "campaign_id": c.campaign_id,
        "name": c.name,
        "objective_type": c.objective_type,
        "budget_mode": c.budget_mode,
        "budget_minor": c.budget_minor,
        "currency": currency,
        "operation_status": c.operation_status,
        "secondary_status": c.secondary_status,
        "status": status.value,
        "status_reason": c.secondary_status if status is words.ListStatus.NOT_DELIVERING else None,
        "create_time": c.create_time,
        "modify_time": c.modify_time,
        "deleted": c.deleted,
        "vanished": c.vanished,
        "allocation": allocation_view(a, client_name, adv_name),
    }


def allocation_view(a: Any, client_name: str | None, adv_name: str | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "id": a.id,
        "client_account_id": a.client_account_id,
        "client_account_name": client_name,
        "advertiser_id": a.advertiser_id,
        "advertiser_name": adv_name,
        "initialized": a.initialized,
    }


def _child_item(level: Level, row: Any) -> dict[str, Any]:
    obj = row[0]
    status = domain.status_at(
        level, obj.operation_status, obj.secondary_status, obj.deleted, obj.vanished
    )
    item = {
        "id": obj.id,
        "level": level.value,
        "ad_account_id": obj.ad_account_id,
        "ad_account_name": row.account_name,
        "ad_account_advertiser_id": row.account_advertiser_id,
        "tiktok_id": obj.adgroup_id if level is Level.ADGROUP else obj.ad_id,
        "name": obj.name,
        "campaign_id": obj.campaign_id,
        "campaign_row_id": row.campaign_row_id,
        "campaign_name": row.campaign_name,
        "adgroup_id": obj.adgroup_id,
        "adgroup_name": row.adgroup_name if level is Level.AD else obj.name,
        "budget_mode": getattr(obj, "budget_mode", None),
        "budget_minor": getattr(obj, "budget_minor", None),
        "currency": row.currency,
        "operation_status": obj.operation_status,
        "secondary_status": obj.secondary_status,
        "status": status.value,
        "status_reason": obj.secondary_status
        if status is words.ListStatus.NOT_DELIVERING
        else None,
        "create_time": obj.create_time,
        "modify_time": obj.modify_time,
        "deleted": obj.deleted,
        "vanished": obj.vanished,
        "allocation": allocation_view(row[1], row.client_name, row.advertiser_name),
    }
    return item


def _item(level: Level, row: Any) -> dict[str, Any]:
    if level is Level.CAMPAIGN:
        item = campaign_item(
            row[0],
            row[1],
            row.client_name,
            row.advertiser_name,
            row.currency,
            row.account_name,
            row.account_advertiser_id,
        )
    else:
        item = _child_item(level, row)
    item["time_zone"] = row.timezone
    item["metrics"] = metrics_view(metrics_of(row))
    return item


def windows(
    uow: UnitOfWork, workspace_id: int, chosen: domain.MetricRange, at: datetime | None = None
) -> tuple[list[Window], list[dict[str, Any]]]:
    """The range as local days per ad account, grouped by time zone: (windows for the query,
    ``[{"time_zone", "since", "until"}]`` with ``until`` included, for people)."""
    at = at or now()
    by_zone: dict[str, list[int]] = defaultdict(list)
    for account_id, zone in zones(uow, workspace_id):
        by_zone[zone].append(account_id)
    out: list[Window] = []
    shown: list[dict[str, Any]] = []
    for zone, ids in sorted(by_zone.items()):
        since, until = chosen.days(domain.local_today(zone, at))
        ids_or_all = None if len(by_zone) == 1 else tuple(ids)
        out.append(Window(ids_or_all, since.isoformat(), until.isoformat()))
        last = date.fromordinal(until.toordinal() - 1)
        shown.append({"time_zone": zone, "since": since.isoformat(), "until": last.isoformat()})
    return out, shown


def object_page(
    uow: UnitOfWork,
    workspace_id: int,
    level: Level | str = Level.CAMPAIGN,
    *,
    ad_account_id: int | None = None,
    advertiser_id: int | None = None,
    campaign_row_id: int | None = None,
    candidates_only: bool = False,
    include_deleted: bool = True,
    search: str | None = None,
    status: str | None = None,
    sort: str | None = None,
    range: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
    with_totals: bool = True,
    at: datetime | None = None,
) -> dict[str, Any]:
    """A page of a list: ``{"items", "next_cursor", "prev_cursor", "totals", "range"}``.

    Each item carries ``metrics`` over ``range`` (``metrics_view``); ``totals`` sums the whole
    filtered list, whatever the page: ``count`` and ``by_currency`` (``currency``, ``count``,
    ``metrics``; money of different currencies is never added up); ``range`` says the days
    (``range``: the token; ``days``: per time zone, ``since`` and ``until`` both included)."""
    lvl = level if isinstance(level, Level) else domain.level(level)
    if candidates_only and lvl is not Level.CAMPAIGN:
        raise ValidationFailed("only campaigns are allocated", field="candidates")
    filters = Filters(
        ad_account_id=ad_account_id,
        advertiser_id=advertiser_id,
        campaign_row_id=campaign_row_id,
        candidates_only=candidates_only,
        include_deleted=include_deleted,
        search=words.search_text(search),
        status=words.list_status(status),
    )
    order = domain.sort(sort, lvl)
    chosen = domain.metric_range(range, since, until)
    key, after_id, back = _read_cursor(cursor, order, chosen)
    if ad_account_id is not None:
        accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    if (
        campaign_row_id is not None
        and CampaignsRepository(uow).get(workspace_id, campaign_row_id) is None
    ):
        raise NotFound(f"campaign {campaign_row_id} not found")
    wins, shown_days = windows(uow, workspace_id, chosen, at)
    repo = ListsRepository(uow)
    rows = repo.page(
        workspace_id,
        lvl,
        filters,
        wins,
        order.reversed() if back else order,
        after_key=key,
        after_id=after_id,
        limit=fetch(limit),
    )
    shown = list(rows[:limit])
    more = len(rows) > limit
    if back:
        shown.reverse()
    has_next = more if not back else bool(shown)
    has_prev = more if back else bool(after_id)
    result: dict[str, Any] = {
        "items": [_item(lvl, r) for r in shown],
        "next_cursor": _cursor(order, chosen, shown[-1], back=False)
        if has_next and shown
        else None,
        "prev_cursor": _cursor(order, chosen, shown[0], back=True) if has_prev and shown else None,
        "range": {"range": chosen.token, "days": shown_days},
        "totals": None,
    }
    if with_totals:
        per = repo.totals(workspace_id, lvl, filters, wins)
        result["totals"] = {
            "count": sum(n for _c, n, _m in per),
            "by_currency": [
                {"currency": cur, "count": n, "metrics": metrics_view(m)} for cur, n, m in per
            ],
        }
    return result


def _cursor(order: domain.Sort, chosen: domain.MetricRange, row: Any, *, back: bool) -> str:
    value: dict[str, Any] = {"sort": order.token, "range": chosen.token, "after": row[0].id}
    if not order.by_id:
        value["key"] = row.sort_key
    if back:
        value["back"] = True
    return encode_cursor(value)


def _read_cursor(
    cursor: str | None, order: domain.Sort, chosen: domain.MetricRange
) -> tuple[Any, int, bool]:
    """(sort key, id, back) the page starts past; (None, 0, False) for the first page. A cursor
    without a range (made before ranges existed) reads as one of the default range."""
    data = decode_cursor(cursor)
    if not data:
        return None, 0, False
    bad = ValidationFailed(
        "cursor was made for another sort or range, or is not one this API returned",
        field="cursor",
    )
    if data.get("sort", "id") != order.token:
        raise bad
    if data.get("range", domain.DEFAULT_RANGE.value) != chosen.token:
        raise bad
    after_id = cursor_int(data, "after")
    back = data.get("back", False)
    if not after_id or not isinstance(back, bool):
        raise bad
    key = None
    if not order.by_id:
        key = data.get("key")
        kind = int if isinstance(order.key, domain.MetricKey) else words.SORT_KEY_TYPES[order.key]
        if not isinstance(key, kind) or isinstance(key, bool):
            raise bad
        if isinstance(key, str) and (len(key) > 512 or "\x00" in key):
            raise bad
        if isinstance(key, int) and not -MAX_ID <= key <= MAX_ID:  # a BIGINT, never a 500
            raise bad
    return key, after_id, back


def major(minor: int | Decimal | None, currency: str) -> Decimal | None:
    """An amount (or a ratio) in minor units as major units of ``currency``, exactly."""
    if minor is None:
        return None
    return Decimal(minor).scaleb(-exponent(currency))
