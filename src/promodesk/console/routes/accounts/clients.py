"""Client accounts (create, rename, archive), their advertisers, "Manage default TikTok
accounts", and "Request a new TikTok ad account"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.domain import AccountRequestInput, Refusal
from promodesk.accounts.service import accounts as service
from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import clients as clients_service
from promodesk.accounts.service import imports as import_service
from promodesk.accounts.service import requests as requests_service
from promodesk.console import forms, pickers
from promodesk.console.core import N_
from promodesk.console.routes.accounts.common import refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.kit.errors import NotFound, ValidationFailed

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
# Stored as written here (the account manager reads them); shown in the user's language.
INDUSTRIES = (
    N_("E-commerce"),
    N_("Retail"),
    N_("Games"),
    N_("Apps"),
    N_("Beauty"),
    N_("Food and beverage"),
    N_("Travel"),
    N_("Education"),
    N_("Finance"),
    N_("Other"),
)


@router.post("/accounts/clients")
def create_client(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    client = clients_service.create_client(
        uow,
        principal.workspace_id,
        forms.clean(visit.form.get("name", ""), 200),
        actor=principal.actor,
    )
    visit.flash("success", visit._("Client account %(name)s is created.", name=client.name))
    return visit.redirect(f"/accounts/clients/{client.id}")


@router.get("/accounts/clients/{client_account_id}")
def client_page(request: Request, visit: ViewerVisit, uow: Uow, client_account_id: int) -> Response:
    """The client account: rename/archive, its advertisers with their ad accounts, goals and
    tags, and "Manage default TikTok accounts" (a dialog when ``?deallocate=`` names the
    allocation whose deallocation needs another default first)."""
    workspace_id = visit.principal.workspace_id
    client = clients_service.get_client(uow, workspace_id, client_account_id)
    choice = allocation_service.default_choice(uow, workspace_id, client.id)
    advertisers = service.client_overview(uow, workspace_id, client.id)
    pending = _pending_deallocation(
        uow, workspace_id, client.id, request.query_params.get("deallocate")
    )
    return visit.page(
        "accounts/client.html",
        client=client,
        advertisers=advertisers,
        default_id=choice.default_ad_account_id,
        candidates=service.views(uow, workspace_id, choice.candidates),
        pending=pending,
        pins=[
            {
                "value": f"{adv['id']}:{acc['id']}",
                "label": f"{adv['name']} / {acc['advertiser_id']} {acc['name']}",
            }
            for adv in advertisers
            if adv["status"] == "active"
            for acc in adv["ad_accounts"]
        ],
    )


def _pending_deallocation(
    uow: Any, workspace_id: int, client_id: int, raw: str | None
) -> dict[str, Any] | None:
    """The deallocation the user started, when it is of this client account and still there."""
    allocation_id = forms.optional_id(raw or "")
    if allocation_id is None:
        return None
    try:
        alloc = allocation_service.get_allocation(uow, workspace_id, allocation_id)
    except NotFound:
        return None
    if alloc.client_account_id != client_id:
        return None
    account = allocation_service.get_ad_account(uow, workspace_id, alloc.ad_account_id)
    return {
        "allocation_id": alloc.id,
        "ad_account_id": account.id,
        "ad_account": f"{account.advertiser_id} {account.name or ''}".strip(),
        "advertiser": clients_service.get_advertiser(uow, workspace_id, alloc.advertiser_id).name,
    }


@router.post("/accounts/clients/{client_account_id}")
def update_client(visit: OperatorVisit, uow: Uow, client_account_id: int) -> Response:
    principal = visit.principal
    name = visit.form.get("name")
    status = visit.form.get("status")
    clients_service.update_client(
        uow,
        principal.workspace_id,
        client_account_id,
        name=forms.clean(name, 200) if name is not None else None,
        status=status or None,
        actor=principal.actor,
    )
    visit.flash("success", visit._("Saved."))
    return visit.redirect(f"/accounts/clients/{client_account_id}")


@router.post("/accounts/clients/{client_account_id}/advertisers")
def create_advertiser(visit: OperatorVisit, uow: Uow, client_account_id: int) -> Response:
    principal = visit.principal
    clients_service.create_advertiser(
        uow,
        principal.workspace_id,
        client_account_id,
        forms.clean(visit.form.get("name", ""), 200),
        actor=principal.actor,
    )
    visit.flash("success", visit._("Saved."))
    return visit.redirect(f"/accounts/clients/{client_account_id}")


@router.post("/accounts/advertisers/{advertiser_id}")
def update_advertiser(visit: OperatorVisit, uow: Uow, advertiser_id: int) -> Response:
    principal = visit.principal
    name = visit.form.get("name")
    row = clients_service.update_advertiser(
        uow,
        principal.workspace_id,
        advertiser_id,
        name=forms.clean(name, 200) if name is not None else None,
        status=visit.form.get("status") or None,
        actor=principal.actor,
    )
    visit.flash("success", visit._("Saved."))
    return visit.redirect(f"/accounts/clients/{row.client_account_id}")


@router.post("/accounts/clients/{client_account_id}/default")
def set_default(visit: OperatorVisit, uow: Uow, client_account_id: int) -> Response:
    """Change the default; with ``then_deallocate``, also remove that allocation, in the same
    transaction (the "Manage default TikTok accounts" dialog of a refused deallocation)."""
    back = f"/accounts/clients/{client_account_id}#defaults"
    principal = visit.principal
    try:
        workspace_id = principal.workspace_id
        allocation_service.set_default(
            uow,
            workspace_id,
            client_account_id,
            forms.required_id(visit.form.get("ad_account_id"), "ad_account_id"),
            actor=principal.actor,
        )
        then = forms.optional_id(visit.form.get("then_deallocate") or "")
        if then is None:
            visit.flash("success", visit._("The default TikTok account is changed."))
            return visit.redirect(back)
        alloc = allocation_service.get_allocation(uow, workspace_id, then)
        if alloc.client_account_id != client_account_id:
            raise NotFound(f"allocation {then} not found")
        allocation_service.deallocate(uow, workspace_id, then, actor=principal.actor)
        visit.flash(
            "success",
            visit._("The default TikTok account is changed and the ad account is deallocated."),
        )
        return visit.redirect(f"/accounts/{alloc.ad_account_id}")
    except Refusal as exc:
        return refused(visit, exc, back)


@router.post("/accounts/clients/{client_account_id}/pins")
def create_pin(visit: OperatorVisit, uow: Uow, client_account_id: int) -> Response:
    """A conversion goal or a remarketing tag of an advertiser on one of its ad accounts."""
    back = f"/accounts/clients/{client_account_id}#pins"
    principal = visit.principal
    try:
        workspace_id = principal.workspace_id
        raw_adv, _, raw_account = (visit.form.get("pin") or "").partition(":")
        advertiser_id = forms.required_id(raw_adv, "pin")
        if clients_service.get_advertiser(uow, workspace_id, advertiser_id).client_account_id != (
            client_account_id
        ):
            raise NotFound(f"advertiser {advertiser_id} not found", field="pin")
        kind = visit.form.get("kind", "goal")
        create = {"goal": clients_service.create_goal, "tag": clients_service.create_tag}
        if kind not in create:
            raise ValidationFailed("kind is goal or tag", field="kind")
        create[kind](
            uow,
            workspace_id,
            advertiser_id,
            forms.required_id(raw_account, "pin"),
            forms.clean(visit.form.get("name", ""), 200),
            actor=principal.actor,
        )
        visit.flash("success", visit._("Saved."))
        return visit.redirect(back)
    except Refusal as exc:
        return refused(visit, exc, back)


@router.get("/accounts/request")
def request_form(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    workspace_id = visit.principal.workspace_id
    return visit.page(
        "accounts/request.html",
        industries=INDUSTRIES,
        requests=requests_service.list_requests(uow, workspace_id, limit=50),
        business_center=requests_service.business_center_id(),
        grants=[
            g for g in import_service.authorizations(uow, workspace_id) if g.status == "active"
        ],
    )


@router.post("/accounts/request")
def submit_request(request: Request, visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    f = visit.form
    row = requests_service.submit(
        uow,
        principal.workspace_id,
        AccountRequestInput(
            forms.clean(f.get("name", ""), 200),
            forms.clean(f.get("industry", ""), 100),
            pickers.country(visit, f.get("country", "").strip(), "country"),
            pickers.currency(visit, f.get("currency", "USD").strip(), "currency"),
            pickers.time_zone(visit, f.get("timezone", "Asia/Singapore").strip(), "timezone"),
        ),
        actor=principal.actor,
    )
    visit.flash("success", visit._("Request #%(id)s is sent to your account manager.", id=row.id))
    return visit.redirect("/accounts/request")


@router.post("/accounts/request/{request_id}/fulfil")
def fulfil_request(request: Request, visit: OperatorVisit, uow: Uow, request_id: int) -> Response:
    """Create the ad account in the Business Center with a grant of its admin, and import it."""
    principal = visit.principal
    row = requests_service.fulfil(
        uow,
        principal.workspace_id,
        request_id,
        forms.required_id(visit.form.get("authorization_id"), "authorization_id"),
        actor=principal.actor,
    )
    visit.flash(
        "success",
        visit._("Ad account %(id)s is created and imported.", id=row.advertiser_id or ""),
    )
    return visit.redirect("/accounts/request")
