"""The campaign, ad group and ad lists: filter bar, range of the metric columns, sortable
headers, totals and pages; with "Only campaigns to allocate" the campaign list is also step 3 of
allocating campaigns."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.service import accounts
from promodesk.accounts.service import clients as clients_service
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.service import lists
from promodesk.console import forms
from promodesk.console.core import N_
from promodesk.console.routes.accounts.campaigns.texts import budget_text, metric_texts
from promodesk.console.routes.accounts.common import pairs
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 200


def _advertisers(uow: Any, workspace_id: int) -> list[dict[str, Any]]:
    """Every (client account, advertiser) pair, for the "Allocated to" filter."""
    out = []
    for client in clients_service.list_clients(uow, workspace_id, limit=500):
        for adv in clients_service.list_advertisers(uow, workspace_id, client.id):
            out.append({"id": adv.id, "label": f"{client.name} / {adv.name}"})
    return out


# the list's status words (``campaigns.domain.ListStatus``), in the order of the filter
STATUS_WORDS = [
    ("active", N_("Active")),
    ("not_delivering", N_("Not delivering")),
    ("paused", N_("Paused")),
    ("deleted", N_("Deleted")),
]
RANGE_WORDS = [
    ("today", N_("Today")),
    ("yesterday", N_("Yesterday")),
    ("last_7_days", N_("Last 7 days")),
    ("last_30_days", N_("Last 30 days")),
    ("custom", N_("Custom")),
]
SORTABLE = (
    "name",
    "id",
    "budget",
    "status",
    "last_change",
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "conversions",
    "cost_per_result",
)
PATHS = {
    Level.CAMPAIGN: "/campaigns",
    Level.ADGROUP: "/campaigns/adgroups",
    Level.AD: "/campaigns/ads",
}


def list_query(request: Request) -> dict[str, str]:
    """The list's own parameters from the query string, trimmed (absent ones empty)."""
    q = request.query_params
    keys = ("search", "status", "sort", "range", "since", "until", "cursor", "hide_deleted")
    return {k: q.get(k, "").strip() for k in keys}


def _metric_list(
    visit: Visit,
    uow: Any,
    level: Level,
    query: dict[str, str],
    *,
    ad_account_id: int | None,
    advertiser_id: int | None,
    campaign_row_id: int | None = None,
    candidates: bool = False,
) -> dict[str, Any]:
    """A page of a list with its metric texts, totals and range, as the templates show it.
    A range the reader got wrong (custom without both days, since after until) keeps the input
    and says so beside the range fields; the list then shows the default range."""
    range_word = query["range"] or ("custom" if query["since"] or query["until"] else "")

    def page(word: str, since: str | None, until: str | None) -> dict[str, Any]:
        return lists.object_page(
            uow,
            visit.principal.workspace_id,
            level,
            ad_account_id=ad_account_id,
            # candidates are unallocated, so "allocated to" cannot narrow them
            advertiser_id=None if candidates else advertiser_id,
            campaign_row_id=campaign_row_id,
            candidates_only=candidates,
            include_deleted=query["hide_deleted"] != "1",
            search=query["search"],
            status=query["status"],
            sort=query["sort"],
            range=word,
            since=since,
            until=until,
            cursor=query["cursor"] or None,
            limit=LIMIT,
        )

    range_error = None
    custom = range_word == "custom"
    try:
        listed = page(
            range_word, query["since"] if custom else None, query["until"] if custom else None
        )
    except ValidationFailed as exc:
        if exc.field not in ("since", "until") or not custom:
            raise
        range_error = visit.error_text(exc)
        query["cursor"] = ""
        listed = page("", None, None)
    listed["range_error"] = range_error
    for r in listed["items"]:
        r["budget_text"] = budget_text(visit, r, r["currency"]) if r.get("budget_mode") else "-"
        r["m"] = metric_texts(r["metrics"], r["currency"])
    for t in listed["totals"]["by_currency"]:
        t["m"] = metric_texts(t["metrics"], t["currency"])
    listed["range_word"] = range_word or "last_7_days"
    listed["status_code"] = 422 if range_error else 200
    return listed


def _pages(path: str, kept: dict[str, str], listed: dict[str, Any]) -> dict[str, Any]:
    urls: dict[str, Any] = {"next_url": None, "prev_url": None, "first_url": None}
    if listed["items"]:
        if listed["next_cursor"]:
            urls["next_url"] = _url({**kept, "cursor": listed["next_cursor"]}, path)
        if listed["prev_cursor"]:
            urls["prev_url"] = _url({**kept, "cursor": listed["prev_cursor"]}, path)
            urls["first_url"] = _url(kept, path)
    return urls


def _export_urls(path: str, kept: dict[str, str]) -> dict[str, str]:
    return {fmt: _url({**kept, "format": fmt}, f"{path}/export") for fmt in ("csv", "xlsx")}


def _owner_filters(
    request: Request, visit: Visit, uow: Any
) -> tuple[list[Any], int | None, list[Any], int | None, bool]:
    """The ad accounts and advertisers to choose from, the chosen ones (None: not one of this
    workspace's), and whether a filter named one that is not: such a list shows nothing (never
    every object) and says so."""
    q = request.query_params
    workspace_id = visit.principal.workspace_id
    ad_accounts = accounts.list_ad_accounts(uow, workspace_id, limit=500)
    chosen = forms.optional_id(q.get("ad_account_id", ""))
    if chosen is not None and chosen not in {a["id"] for a in ad_accounts}:
        chosen = None
    advertisers = _advertisers(uow, workspace_id)
    advertiser = forms.optional_id(q.get("advertiser_id", ""))
    if advertiser is not None and advertiser not in {a["id"] for a in advertisers}:
        advertiser = None
    unknown = (bool(q.get("ad_account_id", "").strip()) and chosen is None) or (
        bool(q.get("advertiser_id", "").strip()) and advertiser is None
    )
    return ad_accounts, chosen, advertisers, advertiser, unknown


@router.get("/campaigns/adgroups")
def adgroups_home(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The ad group list (as the campaign list; ``campaign_id``: one campaign's)."""
    return _children_home(request, visit, uow, Level.ADGROUP)


@router.get("/campaigns/ads")
def ads_home(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The ad list (as the campaign list; ``campaign_id``: one campaign's)."""
    return _children_home(request, visit, uow, Level.AD)


def _children_home(request: Request, visit: Visit, uow: Any, level: Level) -> Response:
    q = request.query_params
    ad_accounts, chosen, advertisers, advertiser, unknown = _owner_filters(request, visit, uow)
    campaign = forms.optional_id(q.get("campaign_id", ""))
    query = list_query(request)
    listed = _metric_list(
        visit,
        uow,
        level,
        query,
        ad_account_id=chosen,
        advertiser_id=advertiser,
        campaign_row_id=campaign,
    )
    rows = [] if unknown else listed["items"]
    filters = {
        "ad_account_id": str(chosen or ""),
        "advertiser_id": str(advertiser or ""),
        "campaign_id": str(campaign or ""),
        "hide_deleted": "1" if query["hide_deleted"] == "1" else "",
        "search": query["search"],
        "status": query["status"],
        "range": listed["range_word"] if query["range"] or query["since"] else "",
        "since": query["since"] if listed["range_word"] == "custom" else "",
        "until": query["until"] if listed["range_word"] == "custom" else "",
    }
    path = PATHS[level]
    kept = {k: v for k, v in {**filters, "sort": query["sort"]}.items() if v}
    return visit.page(
        "campaigns/objects.html",
        status=listed["status_code"],
        level=level.value,
        path=path,
        ad_accounts=ad_accounts,
        advertisers=advertisers,
        chosen=chosen,
        advertiser=advertiser,
        campaign=campaign,
        hide_deleted=query["hide_deleted"] == "1",
        search=query["search"],
        status_filter=query["status"],
        status_words=STATUS_WORDS,
        range_words=RANGE_WORDS,
        listed=listed,
        since=query["since"],
        until=query["until"],
        sort=query["sort"],
        sort_links=_sort_links(filters, query["sort"], path),
        filtered=any(v for k, v in filters.items() if k != "range") or unknown,
        unknown_filter=unknown,
        rows=rows,
        totals=[] if unknown else listed["totals"]["by_currency"],
        export_urls=_export_urls(path, kept),
        **_pages(path, kept, listed),
    )


@router.get("/campaigns")
def campaigns_home(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The campaign list with its filter bar (ad account, allocation, search, status word,
    range of the metric columns), sortable column headers (metrics included), the totals of the
    whole filtered list, exports and Previous / Next pages (``campaigns.service.lists``: an
    unknown status, sort, range or cursor is refused, never a wider list); ticked rows go to the
    Cancel preview; with "Only campaigns to allocate" and an ad account chosen it is also step 3
    of allocating campaigns (tick them, choose the pair)."""
    q = request.query_params
    workspace_id = visit.principal.workspace_id
    ad_accounts, chosen, advertisers, advertiser, unknown = _owner_filters(request, visit, uow)
    asked_candidates = q.get("candidates") == "1"
    candidates = asked_candidates and chosen is not None
    query = list_query(request)
    listed = _metric_list(
        visit,
        uow,
        Level.CAMPAIGN,
        query,
        ad_account_id=chosen,
        advertiser_id=advertiser,
        candidates=candidates,
    )
    rows = [] if unknown else listed["items"]
    filters = {
        "ad_account_id": str(chosen or ""),
        "advertiser_id": str(advertiser or ""),
        "candidates": "1" if asked_candidates else "",
        "hide_deleted": "1" if query["hide_deleted"] == "1" else "",
        "search": query["search"],
        "status": query["status"],
        "range": listed["range_word"] if query["range"] or query["since"] else "",
        "since": query["since"] if listed["range_word"] == "custom" else "",
        "until": query["until"] if listed["range_word"] == "custom" else "",
    }
    kept = {k: v for k, v in {**filters, "sort": query["sort"]}.items() if v}
    return visit.page(
        "accounts/campaigns.html",
        status=listed["status_code"],
        ad_accounts=ad_accounts,
        advertisers=advertisers,
        chosen=chosen,
        advertiser=advertiser,
        candidates=candidates,
        needs_account=asked_candidates and chosen is None,
        hide_deleted=query["hide_deleted"] == "1",
        search=query["search"],
        status_filter=query["status"],
        status_words=STATUS_WORDS,
        range_words=RANGE_WORDS,
        listed=listed,
        since=query["since"],
        until=query["until"],
        sort=query["sort"],
        sort_links=_sort_links(filters, query["sort"], "/campaigns"),
        filtered=any(v for k, v in filters.items() if k != "range") or unknown,
        unknown_filter=unknown,
        campaigns=rows,
        totals=[] if unknown else listed["totals"]["by_currency"],
        export_urls=_export_urls("/campaigns", kept),
        pairs=pairs(uow, workspace_id, chosen),
        **_pages("/campaigns", kept, listed),
    )


def _url(params: dict[str, str], path: str = "/campaigns") -> str:
    return path + ("?" + urlencode(params) if params else "")


def _sort_links(
    filters: dict[str, str], sort: str, path: str = "/campaigns"
) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (ascending first, then the other way
    when it is already the sort) and the arrow of the current sort ("" for other columns).
    A new sort starts at the first page: a cursor belongs to one sort."""
    kept = {k: v for k, v in filters.items() if v}
    current = sort.lower() or "id"
    links = {}
    for key in SORTABLE:
        arrow = "▲" if current == key else "▼" if current == f"-{key}" else ""
        target = f"-{key}" if current == key else key
        links[key] = {"url": _url({**kept, "sort": target}, path), "arrow": arrow}
    return links
