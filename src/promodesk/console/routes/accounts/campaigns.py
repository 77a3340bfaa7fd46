"""Campaigns of the synced ad accounts: list, detail with spend from TikTok's report,
allocation. Changing a campaign on TikTok (status, budget): ``campaign_changes``;
audiences: ``audiences``."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import accounts
from promodesk.accounts.service import clients as clients_service
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.service import allocation as allocation_service
from promodesk.campaigns.service import campaigns as service
from promodesk.campaigns.service import lists
from promodesk.console import forms
from promodesk.console.labels import N_, label
from promodesk.console.routes.accounts import campaign_changes as changes
from promodesk.console.routes.accounts.common import pair, pairs, reason, refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 200
INFINITE = "BUDGET_MODE_INFINITE"


def _money(minor: int | None, currency: str) -> str:
    if minor is None:
        return "-"
    try:
        return Money(int(minor), currency).format()
    except (ValueError, TypeError):
        return f"{minor} {currency}"


def _budget(visit: Visit, row: dict[str, Any], currency: str) -> str:
    """TikTok reports an unlimited budget as 0; say so instead of showing a budget of 0."""
    if row.get("budget_mode") == INFINITE:
        return visit._("No limit")
    return _money(row.get("budget_minor"), currency)


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


def _ratio_money(minor: Decimal | None, currency: str) -> str:
    """A money ratio (CPC, CPM, cost per result) in minor units, shown to the minor unit."""
    if minor is None:
        return "-"
    return _money(int(minor.to_integral_value(rounding=ROUND_HALF_EVEN)), currency)


def _metric_texts(m: dict[str, Any], currency: str) -> dict[str, str]:
    return {
        "spend": _money(m["spend_minor"], currency),
        "impressions": f"{m['impressions']:,}",
        "clicks": f"{m['clicks']:,}",
        "ctr": "-" if m["ctr"] is None else f"{m['ctr']}%",
        "cpc": _ratio_money(m["cpc_minor"], currency),
        "cpm": _ratio_money(m["cpm_minor"], currency),
        "conversions": f"{m['conversions']:,}",
        "cost_per_result": _ratio_money(m["cost_per_result_minor"], currency),
    }


def _list_query(request: Request) -> dict[str, str]:
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
        r["budget_text"] = _budget(visit, r, r["currency"]) if r.get("budget_mode") else "-"
        r["m"] = _metric_texts(r["metrics"], r["currency"])
    for t in listed["totals"]["by_currency"]:
        t["m"] = _metric_texts(t["metrics"], t["currency"])
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


@router.get("/campaigns/export")
def campaigns_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    return _export(request, visit, uow, Level.CAMPAIGN)


@router.get("/campaigns/adgroups/export")
def adgroups_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    return _export(request, visit, uow, Level.ADGROUP)


@router.get("/campaigns/ads/export")
def ads_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    return _export(request, visit, uow, Level.AD)


def _export(request: Request, visit: Visit, uow: Any, level: Level) -> Response:
    """The list as shown (filters, range, sort, every page, totals) as CSV or XLSX, with the
    header and status words in the reader's language."""
    q = request.query_params
    query = _list_query(request)
    range_word = query["range"] or ("custom" if query["since"] or query["until"] else "")
    candidates = level is Level.CAMPAIGN and q.get("candidates") == "1"
    chosen = forms.optional_id(q.get("ad_account_id", ""))
    body, media, name = lists.export(
        uow,
        visit.principal.workspace_id,
        level,
        q.get("format", ""),
        tr=visit._,
        reason=lambda code: label("tiktok_secondary_status", code, visit._),
        ad_account_id=chosen,
        advertiser_id=None if candidates else forms.optional_id(q.get("advertiser_id", "")),
        campaign_row_id=forms.optional_id(q.get("campaign_id", "")),
        candidates_only=candidates and chosen is not None,
        include_deleted=query["hide_deleted"] != "1",
        search=query["search"],
        status=query["status"],
        sort=query["sort"],
        range=range_word,
        since=query["since"] if range_word == "custom" else None,
        until=query["until"] if range_word == "custom" else None,
    )
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


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
    workspace_id = visit.principal.workspace_id
    ad_accounts = accounts.list_ad_accounts(uow, workspace_id, limit=500)
    chosen = forms.optional_id(q.get("ad_account_id", ""))
    if chosen is not None and chosen not in {a["id"] for a in ad_accounts}:
        chosen = None
    advertisers = _advertisers(uow, workspace_id)
    advertiser = forms.optional_id(q.get("advertiser_id", ""))
    if advertiser is not None and advertiser not in {a["id"] for a in advertisers}:
        advertiser = None
    campaign = forms.optional_id(q.get("campaign_id", ""))
    unknown = (bool(q.get("ad_account_id", "").strip()) and chosen is None) or (
        bool(q.get("advertiser_id", "").strip()) and advertiser is None
    )
    query = _list_query(request)
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
    ad_accounts = accounts.list_ad_accounts(uow, workspace_id, limit=500)
    chosen = forms.optional_id(q.get("ad_account_id", ""))
    if chosen is not None and chosen not in {a["id"] for a in ad_accounts}:
        chosen = None
    advertisers = _advertisers(uow, workspace_id)
    advertiser = forms.optional_id(q.get("advertiser_id", ""))
    if advertiser is not None and advertiser not in {a["id"] for a in advertisers}:
        advertiser = None
    # a filter naming no ad account / advertiser of this workspace shows no campaigns
    # (never every campaign) and says so
    unknown = (bool(q.get("ad_account_id", "").strip()) and chosen is None) or (
        bool(q.get("advertiser_id", "").strip()) and advertiser is None
    )
    asked_candidates = q.get("candidates") == "1"
    candidates = asked_candidates and chosen is not None
    query = _list_query(request)
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


@router.post("/campaigns/allocate")
def allocate_campaigns(visit: OperatorVisit, uow: Uow) -> Response:
    back = "/campaigns"
    principal = visit.principal
    try:
        account = forms.required_id(visit.form.get("ad_account_id"), "ad_account_id")
        back = f"/campaigns?ad_account_id={account}&candidates=1"
        client, adv = pair(visit.form.get("pair"))
        made = allocation_service.allocate_campaigns(
            uow,
            principal.workspace_id,
            account,
            client_account_id=client,
            advertiser_id=adv,
            campaign_ids=forms.ticked_ids(visit.form, "c_", field="campaign_ids"),
            actor=principal.actor,
        )
        visit.flash("success", visit._("%(n)s campaign(s) allocated.", n=len(made)))
        return visit.redirect(back)
    except Refusal as exc:
        return refused(visit, exc, back)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, visit: ViewerVisit, uow: Uow, campaign_id: int) -> Response:
    """Everything to review a campaign: budget and mode, schedule in the ad account's zone,
    spent to date and today, remaining budget, daily spend and conversions as a chart (its
    life or the last 30 days), ad groups and ads with their status words."""
    workspace_id = visit.principal.workspace_id
    chart = request.query_params.get("chart", "").strip() or None
    detail = service.campaign_detail(uow, workspace_id, campaign_id, chart=chart)
    currency = detail["currency"]
    detail["budget_text"] = _budget(visit, detail, currency)
    for g in detail["ad_groups"]:
        g["budget_text"] = _budget(visit, g, currency)
    alloc = detail["allocation"]
    if alloc is not None:
        alloc["client_account_name"] = clients_service.get_client(
            uow, workspace_id, alloc["client_account_id"]
        ).name
        alloc["advertiser_name"] = clients_service.get_advertiser(
            uow, workspace_id, alloc["advertiser_id"]
        ).name
    points = detail["daily"]["points"]
    spec = {
        "x": [p["day"] for p in points],
        "series": [
            {
                "name": visit._("Spend") + f" ({currency})",
                "y": [float(lists.major(p["spend_minor"], currency) or 0) for p in points],
                "kind": "bar",
                "axis": "y",
            },
            {
                "name": visit._("Conversions"),
                "y": [p["conversions"] for p in points],
                "kind": "line",
                "axis": "y2",
            },
        ],
        "markers": [],
        "y_title": visit._("Spend") + f" ({currency})",
        "y2_title": visit._("Conversions"),
    }
    spent, today = detail["spent_to_date"], detail["spent_today"]
    return visit.page(
        "accounts/campaign.html",
        c=detail,
        spent_text=_money(spent["spend_minor"], currency),
        spent_m=_metric_texts(spent, currency),
        today_text=_money(today["spend_minor"], currency),
        remaining_text=_money(detail["remaining_budget_minor"], currency),
        chart_spec=spec,
        chart_total=_money(sum(p["spend_minor"] for p in points), currency),
        status_words=STATUS_WORDS,
        **changes.change_context(detail),
    )


@router.get("/campaigns/allocations/{campaign_allocation_id}/delete")
def deallocate_campaign_preview(
    visit: OperatorVisit, uow: Uow, campaign_allocation_id: int
) -> Response:
    """The confirmation page: what deallocating does, or why it cannot be done."""
    principal = visit.principal
    d = allocation_service.campaign_deallocation_preview(
        uow, principal.workspace_id, campaign_allocation_id
    )
    return visit.page(
        "accounts/item_deallocate.html",
        kind="campaign",
        d=d,
        reason=reason(visit, d.refusal) if d.refusal else None,
        action=f"/campaigns/allocations/{d.allocation_id}/delete",
        back=f"/campaigns/{d.row_id}",
    )


@router.post("/campaigns/allocations/{campaign_allocation_id}/delete")
def deallocate_campaign(visit: OperatorVisit, uow: Uow, campaign_allocation_id: int) -> Response:
    back = "/campaigns"
    principal = visit.principal
    try:
        workspace_id = principal.workspace_id
        d = allocation_service.campaign_deallocation_preview(
            uow, workspace_id, campaign_allocation_id
        )
        back = f"/campaigns/{d.row_id}"
        if visit.form.get("confirm") != "yes":
            return visit.redirect(f"/campaigns/allocations/{d.allocation_id}/delete")
        allocation_service.deallocate_campaign(
            uow, workspace_id, campaign_allocation_id, actor=principal.actor
        )
        visit.flash("success", visit._("The campaign is deallocated."))
        return visit.redirect(back)
    except Refusal as exc:
        return refused(visit, exc, back)
