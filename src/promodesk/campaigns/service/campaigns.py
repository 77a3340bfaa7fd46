"""Campaigns read side: the campaign list (search, status words, sorts, cursor pages); detail
of mirrored campaigns, ad groups and ads; audiences with their allocations; spend from TikTok's
report endpoint."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.accounts.domain import to_minor
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.campaigns.domain import campaigns as domain
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.integrations.tiktok.errors import TikTokError
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.pagination import MAX_ID, cursor_int, decode_cursor, encode_cursor, fetch
from promodesk.models import TikTokCampaign


def _campaign(
    c: TikTokCampaign,
    a: Any,
    client_name: str | None,
    adv_name: str | None,
    currency: str,
    account_name: str | None = None,
    account_advertiser_id: str | None = None,
) -> dict[str, Any]:
    status = domain.status_of(c.operation_status, c.secondary_status, c.deleted, c.vanished)
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
        "status_reason": c.secondary_status if status is domain.ListStatus.NOT_DELIVERING else None,
        "create_time": c.create_time,
        "modify_time": c.modify_time,
        "deleted": c.deleted,
        "vanished": c.vanished,
        "allocation": None
        if a is None
        else {
            "id": a.id,
            "client_account_id": a.client_account_id,
            "client_account_name": client_name,
            "advertiser_id": a.advertiser_id,
            "advertiser_name": adv_name,
            "initialized": a.initialized,
        },
    }


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


def campaign_page(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    ad_account_id: int | None = None,
    advertiser_id: int | None = None,
    candidates_only: bool = False,
    include_deleted: bool = True,
    search: str | None = None,
    status: str | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """A page of the campaign list: ``{"items", "next_cursor", "prev_cursor"}``.

    Search, status words and sorts follow ``campaigns.domain`` (unknown values are 422s naming
    ``search``, ``status`` or ``sort``). Paging follows ``kit.pagination`` (``limit + 1`` rows,
    opaque cursors, a 422 naming ``cursor`` for anything else), with the sort key in the cursor:
    ``{"sort", "key", "after"}`` (the key and id of the row the page starts past), ``"back":
    true`` for the page before it. A cursor made under another sort is refused: following it
    would skip or repeat rows. ``prev_cursor`` is null on the first page."""
    words = domain.search_text(search)
    wanted = domain.list_status(status)
    order = domain.list_sort(sort)
    key, after_id, back = _read_cursor(cursor, order)
    if ad_account_id is not None:
        accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    walk = domain.ListSort(order.key, not order.descending) if back else order
    rows = CampaignsRepository(uow).campaigns(
        workspace_id,
        ad_account_id=ad_account_id,
        advertiser_id=advertiser_id,
        candidates_only=candidates_only,
        include_deleted=include_deleted,
        search=words,
        status=wanted,
        sort=walk,
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
    return {
        "items": [_row(r) for r in shown],
        "next_cursor": _cursor(order, shown[-1], back=False) if has_next and shown else None,
        "prev_cursor": _cursor(order, shown[0], back=True) if has_prev and shown else None,
    }


def _cursor(order: domain.ListSort, row: Any, *, back: bool) -> str:
    value: dict[str, Any] = {"sort": order.token, "after": row[0].id}
    if order.key is not domain.SortKey.ID:
        value["key"] = row[-1]
    if back:
        value["back"] = True
    return encode_cursor(value)


def _read_cursor(cursor: str | None, order: domain.ListSort) -> tuple[Any, int, bool]:
    """(sort key, id, back) the page starts past; (None, 0, False) for the first page. A cursor
    of the id sort made before sorts existed (``{"after": id}``) still reads as one."""
    data = decode_cursor(cursor)
    if not data:
        return None, 0, False
    bad = ValidationFailed(
        "cursor was made for another sort or is not one this API returned", field="cursor"
    )
    if data.get("sort", "id") != order.token:
        raise bad
    after_id = cursor_int(data, "after")
    back = data.get("back", False)
    if not after_id or not isinstance(back, bool):
        raise bad
    key = None
    if order.key is not domain.SortKey.ID:
        key = data.get("key")
        kind = domain.SORT_KEY_TYPES[order.key]
        if not isinstance(key, kind) or isinstance(key, bool):
            raise bad
        if isinstance(key, str) and (len(key) > 512 or "\x00" in key):
            raise bad
        if isinstance(key, int) and not -MAX_ID <= key <= MAX_ID:  # a BIGINT, never a 500
            raise bad
    return key, after_id, back


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


def campaign_detail(uow: UnitOfWork, workspace_id: int, row_id: int) -> dict[str, Any]:
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
            "ads": [
                {
                    "ad_id": ad.ad_id,
                    "name": ad.name,
                    "operation_status": ad.operation_status,
                    "secondary_status": ad.secondary_status,
                    "deleted": ad.deleted,
                }
                for ad in ads
                if ad.adgroup_id == g.adgroup_id
            ],
        }
        for g in groups
    ]
    return detail


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
