"""Deallocating an ad account from a (client account, advertiser) pair, and deleting a conversion
goal or a remarketing tag. Each GET is the confirmation page: what will happen, or the service's
refusal up front instead of the button; each POST does it only with ``confirm=yes`` (without it,
the browser goes to the confirmation page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import clients as clients_service
from promodesk.accounts.service.clients import PinPreview
from promodesk.console.core import N_
from promodesk.console.routes.accounts.common import reason, refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, close_unit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PIN_DELETED = {
    "goal": N_("The conversion goal %(name)s is deleted."),
    "tag": N_("The remarketing tag %(name)s is deleted."),
}


@router.get("/accounts/allocations/{allocation_id}/delete")
def deallocate_preview(visit: OperatorVisit, uow: Uow, allocation_id: int) -> Response:
    principal = visit.principal
    preview = allocation_service.deallocation_preview(uow, principal.workspace_id, allocation_id)
    return visit.page(
        "accounts/deallocate.html",
        p=preview,
        reason=reason(visit, preview.refusal) if preview.refusal else None,
    )


@router.post("/accounts/allocations/{allocation_id}/delete")
def deallocate(request: Request, visit: OperatorVisit, uow: Uow, allocation_id: int) -> Response:
    back, client_id = "/accounts", 0
    principal = visit.principal
    try:
        if visit.form.get("confirm") != "yes":
            return visit.redirect(f"/accounts/allocations/{allocation_id}/delete")
        workspace_id = principal.workspace_id
        alloc = allocation_service.get_allocation(uow, workspace_id, allocation_id)
        back, client_id = f"/accounts/{alloc.ad_account_id}", alloc.client_account_id
        allocation_service.deallocate(uow, workspace_id, allocation_id, actor=principal.actor)
        visit.flash("success", visit._("The ad account is deallocated."))
        return visit.redirect(back)
    except Refusal as exc:
        # something changed since the confirmation page was shown
        if exc.reason == "default_account":
            close_unit(request, exc)  # nothing of the refused deallocation is kept
            # "Manage default TikTok accounts" opens as a dialog to finish the deallocation
            visit.flash(
                "warning",
                visit._("Choose another default TikTok account first, then deallocate."),
            )
            return visit.redirect(
                f"/accounts/clients/{client_id}?deallocate={allocation_id}#defaults"
            )
        return refused(visit, exc, back)


def _pin(
    uow: UnitOfWork, workspace_id: int, client_account_id: int, kind: str, pin_id: int
) -> PinPreview:
    """The goal or tag, when it is of an advertiser of that client account."""
    preview = clients_service.pin_preview(uow, workspace_id, kind, pin_id)
    if preview.advertiser.client_account_id != client_account_id:
        raise NotFound(f"{kind} {pin_id} not found")
    return preview


@router.get("/accounts/clients/{client_account_id}/pins/{kind}/{pin_id}/delete")
def delete_pin_preview(
    visit: OperatorVisit, uow: Uow, client_account_id: int, kind: str, pin_id: int
) -> Response:
    workspace_id = visit.principal.workspace_id
    preview = _pin(uow, workspace_id, client_account_id, kind, pin_id)
    return visit.page(
        "accounts/pin_delete.html",
        p=preview,
        client=clients_service.get_client(uow, workspace_id, client_account_id),
    )


@router.post("/accounts/clients/{client_account_id}/pins/{kind}/{pin_id}/delete")
def delete_pin(
    visit: OperatorVisit, uow: Uow, client_account_id: int, kind: str, pin_id: int
) -> Response:
    here = f"/accounts/clients/{client_account_id}/pins/{kind}/{pin_id}/delete"
    principal = visit.principal
    workspace_id = principal.workspace_id
    preview = _pin(uow, workspace_id, client_account_id, kind, pin_id)
    if visit.form.get("confirm") != "yes":
        return visit.redirect(here)
    clients_service.delete_pin(uow, workspace_id, kind, pin_id, actor=principal.actor)
    visit.flash("success", visit._(PIN_DELETED[kind], name=preview.pin.name))
    return visit.redirect(f"/accounts/clients/{client_account_id}#pins")
