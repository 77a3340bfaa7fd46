"""Campaigns of the synced ad accounts: list, detail with spend from TikTok's report,
allocation. Changing a campaign on TikTok (status, budget): ``campaign_changes``;
audiences: ``audiences``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import accounts
from promodesk.accounts.service import clients as clients_service
from promodesk.campaigns.service import allocation as allocation_service
from promodesk.campaigns.service import campaigns as service
from promodesk.console import forms
from promodesk.console.labels import N_
from promodesk.console.routes.accounts import campaign_changes as changes
from promodesk.console.routes.accounts.common import pair, pairs, reason, refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, Visit
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


@router.get("/campaigns")
def campaigns_home(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The campaign list with its filter bar (ad account, allocation, search, status word),
    sortable column headers and Previous / Next pages (``campaigns.service.campaigns.
    campaign_page``: an unknown status, sort or cursor is refused, never a wider list); with
    "Only campaigns to allocate" and an ad account chosen it is also step 3 of allocating
    campaigns (tick them, choose the pair)."""
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
    hide_deleted = q.get("hide_deleted") == "1"
    search = q.get("search", "").strip()
    status = q.get("status", "").strip()
    sort = q.get("sort", "").strip()
    cursor = q.get("cursor", "") or None
    listed = service.campaign_page(
        uow,
        workspace_id,
        ad_account_id=chosen,
        # candidates are unallocated, so "allocated to" cannot narrow them
        advertiser_id=None if candidates else advertiser,
        candidates_only=candidates,
        include_deleted=not hide_deleted,
        search=search,
        status=status,
        sort=sort,
        cursor=cursor,
        limit=LIMIT,
    )
    rows = [] if unknown else listed["items"]
    filters = {
        "ad_account_id": str(chosen or ""),
        "advertiser_id": str(advertiser or ""),
        "candidates": "1" if asked_candidates else "",
        "hide_deleted": "1" if hide_deleted else "",
        "search": search,
        "status": status,
    }
    kept = {k: v for k, v in {**filters, "sort": sort}.items() if v}
    next_url = prev_url = first_url = None
    if rows:
        if listed["next_cursor"]:
            next_url = _url({**kept, "cursor": listed["next_cursor"]})
        if listed["prev_cursor"]:
            prev_url = _url({**kept, "cursor": listed["prev_cursor"]})
            first_url = _url(kept)
    for r in rows:
        r["budget_text"] = _budget(visit, r, r["currency"])
    return visit.page(
        "accounts/campaigns.html",
        ad_accounts=ad_accounts,
        advertisers=advertisers,
        chosen=chosen,
        advertiser=advertiser,
        candidates=candidates,
        needs_account=asked_candidates and chosen is None,
        hide_deleted=hide_deleted,
        search=search,
        status_filter=status,
        status_words=STATUS_WORDS,
        sort=sort,
        sort_links=_sort_links(filters, sort),
        filtered=any(filters.values()) or unknown,
        unknown_filter=unknown,
        campaigns=rows,
        pairs=pairs(uow, workspace_id, chosen),
        next_url=next_url,
        prev_url=prev_url,
        first_url=first_url,
    )


# the list's status words (``campaigns.domain.ListStatus``), in the order of the filter
STATUS_WORDS = [
    ("active", N_("Active")),
    ("not_delivering", N_("Not delivering")),
    ("paused", N_("Paused")),
    ("deleted", N_("Deleted")),
]
SORTABLE = ("name", "id", "budget", "status", "last_change")


def _url(params: dict[str, str]) -> str:
    return "/campaigns" + ("?" + urlencode(params) if params else "")


def _sort_links(filters: dict[str, str], sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (ascending first, then the other way
    when it is already the sort) and the arrow of the current sort ("" for other columns).
    A new sort starts at the first page: a cursor belongs to one sort."""
    kept = {k: v for k, v in filters.items() if v}
    current = sort.lower() or "id"
    links = {}
    for key in SORTABLE:
        arrow = "▲" if current == key else "▼" if current == f"-{key}" else ""
        target = f"-{key}" if current == key else key
        links[key] = {"url": _url({**kept, "sort": target}), "arrow": arrow}
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
def campaign_page(visit: ViewerVisit, uow: Uow, campaign_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    detail = service.campaign_detail(uow, workspace_id, campaign_id)
    spend = service.spend(uow, workspace_id, campaign_id)
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
    return visit.page(
        "accounts/campaign.html",
        c=detail,
        spend=spend,
        spend_text=_money(spend["spend_minor"], spend["currency"]),
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
