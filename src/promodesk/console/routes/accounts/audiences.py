"""Audiences of one synced ad account: the list (with a switcher of the workspace's ad accounts
and pages in id order, like the campaign list) and their allocation to advertisers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import accounts
from promodesk.campaigns.service import allocation as allocation_service
from promodesk.campaigns.service import campaigns as service
from promodesk.console import forms
from promodesk.console.paging import forward
from promodesk.console.routes.accounts.common import pair, pairs, refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.kit.errors import NotFound

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 200


def _page_url(ad_account_id: int, after: int | None) -> str:
    url = f"/accounts/{ad_account_id}/audiences"
    return f"{url}?after={after}" if after else url


@router.get("/accounts/{ad_account_id}/audiences")
def audiences_page(request: Request, visit: ViewerVisit, uow: Uow, ad_account_id: int) -> Response:
    """``?ad_account_id=`` (the switcher, a GET form) goes to that ad account's audiences."""
    q = request.query_params
    workspace_id = visit.principal.workspace_id
    account = accounts.ad_account_view(uow, workspace_id, ad_account_id)
    ad_accounts = accounts.list_ad_accounts(uow, workspace_id, limit=500)
    if "ad_account_id" in q:
        switch = forms.optional_id(q["ad_account_id"])
        if switch is None or switch not in {a["id"] for a in ad_accounts}:
            raise NotFound("ad account not found")
        if switch != ad_account_id:
            return visit.redirect(_page_url(switch, None))
    after = forms.optional_id(q.get("after", "")) or 0
    rows = service.list_audiences(uow, workspace_id, ad_account_id, after_id=after, limit=LIMIT + 1)
    path = f"/accounts/{ad_account_id}/audiences"
    rows, next_url, first_url = forward(rows, LIMIT, path, {}, after)
    return visit.page(
        "accounts/audiences.html",
        account=account,
        ad_accounts=ad_accounts,
        audiences=rows,
        after=after,
        next_url=next_url,
        first_url=first_url,
        pairs=pairs(uow, workspace_id, ad_account_id),
    )


@router.post("/accounts/{ad_account_id}/audiences")
def allocate_audiences(visit: OperatorVisit, uow: Uow, ad_account_id: int) -> Response:
    back = _page_url(ad_account_id, None)
    principal = visit.principal
    try:
        back = _page_url(ad_account_id, forms.optional_id(visit.form.get("after") or ""))
        client, adv = pair(visit.form.get("pair"))
        made = allocation_service.allocate_audiences(
            uow,
            principal.workspace_id,
            ad_account_id,
            client_account_id=client,
            advertiser_id=adv,
            audience_ids=forms.ticked_ids(visit.form, "a_", field="audience_ids"),
            actor=principal.actor,
        )
        visit.flash("success", visit._("%(n)s audience(s) allocated.", n=len(made)))
        return visit.redirect(back)
    except Refusal as exc:
        return refused(visit, exc, back)


@router.get("/accounts/audience-allocations/{audience_allocation_id}/delete")
def deallocate_audience_preview(
    visit: OperatorVisit, uow: Uow, audience_allocation_id: int
) -> Response:
    principal = visit.principal
    d = allocation_service.audience_deallocation_preview(
        uow, principal.workspace_id, audience_allocation_id
    )
    return visit.page(
        "accounts/item_deallocate.html",
        kind="audience",
        d=d,
        reason=None,
        action=f"/accounts/audience-allocations/{d.allocation_id}/delete",
        back=_page_url(d.ad_account.id, None),
    )


@router.post("/accounts/audience-allocations/{audience_allocation_id}/delete")
def deallocate_audience(visit: OperatorVisit, uow: Uow, audience_allocation_id: int) -> Response:
    principal = visit.principal
    workspace_id = principal.workspace_id
    d = allocation_service.audience_deallocation_preview(uow, workspace_id, audience_allocation_id)
    if visit.form.get("confirm") != "yes":
        return visit.redirect(f"/accounts/audience-allocations/{d.allocation_id}/delete")
    allocation_service.deallocate_audience(
        uow, workspace_id, audience_allocation_id, actor=principal.actor
    )
    visit.flash("success", visit._("The audience is deallocated."))
    return visit.redirect(_page_url(d.ad_account.id, None))
