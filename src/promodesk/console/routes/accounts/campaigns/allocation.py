"""Allocating campaigns to a (client account, advertiser) pair and deallocating one, with
its confirmation page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.accounts.domain import Refusal
from promodesk.campaigns.service import allocation as allocation_service
from promodesk.console import forms
from promodesk.console.routes.accounts.common import pair, reason, refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


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
