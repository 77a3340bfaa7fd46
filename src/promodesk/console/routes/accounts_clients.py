"""Client accounts (create, rename, archive), their advertisers, "Manage default TikTok
accounts", and "Request a new TikTok ad account"."""

from __future__ import annotations

import zoneinfo

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts import (
    allocation_service,
    clients_service,
    import_service,
    requests_service,
    service,
)
from promodesk.accounts.domain import AccountRequestInput, Refusal
from promodesk.console.routes.accounts_common import refused, safe_id
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Visit, clean, console_of, open_visit
from promodesk.tenancy.domain import Role

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CURRENCIES = ("USD", "EUR", "GBP", "SGD", "MYR", "IDR", "THB", "VND", "JPY", "AUD", "CNY")
INDUSTRIES = (
    "E-commerce",
    "Retail",
    "Games",
    "Apps",
    "Beauty",
    "Food and beverage",
    "Travel",
    "Education",
    "Finance",
    "Other",
)


@router.post("/accounts/clients")
def create_client(request: Request) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        client = clients_service.create_client(
            uow,
            principal.workspace_id,
            clean(visit.form.get("name", ""), 200),
            actor=principal.actor,
        )
        visit.flash("success", visit._("Client account %(name)s is created.", name=client.name))
        return visit.redirect(f"/accounts/clients/{client.id}")


@router.get("/accounts/clients/{client_account_id}")
def client_page(request: Request, client_account_id: int) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        ws = visit.principal.workspace_id
        client = clients_service.get_client(uow, ws, client_account_id)
        choice = allocation_service.default_choice(uow, ws, client.id)
        return visit.page(
            "accounts/client.html",
            client=client,
            advertisers=clients_service.list_advertisers(uow, ws, client.id),
            default_id=choice.default_ad_account_id,
            candidates=service.views(uow, ws, choice.candidates),
        )


@router.post("/accounts/clients/{client_account_id}")
def update_client(request: Request, client_account_id: int) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        name = visit.form.get("name")
        status = visit.form.get("status")
        clients_service.update_client(
            uow,
            principal.workspace_id,
            client_account_id,
            name=clean(name, 200) if name is not None else None,
            status=status or None,
            actor=principal.actor,
        )
        visit.flash("success", visit._("Saved."))
        return visit.redirect(f"/accounts/clients/{client_account_id}")


@router.post("/accounts/clients/{client_account_id}/advertisers")
def create_advertiser(request: Request, client_account_id: int) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        clients_service.create_advertiser(
            uow,
            principal.workspace_id,
            client_account_id,
            clean(visit.form.get("name", ""), 200),
            actor=principal.actor,
        )
        visit.flash("success", visit._("Saved."))
        return visit.redirect(f"/accounts/clients/{client_account_id}")


@router.post("/accounts/advertisers/{advertiser_id}")
def update_advertiser(request: Request, advertiser_id: int) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        row = clients_service.update_advertiser(
            uow,
            principal.workspace_id,
            advertiser_id,
            status=visit.form.get("status") or None,
            actor=principal.actor,
        )
        visit.flash("success", visit._("Saved."))
        return visit.redirect(f"/accounts/clients/{row.client_account_id}")


@router.post("/accounts/clients/{client_account_id}/default")
def set_default(request: Request, client_account_id: int) -> Response:
    back = f"/accounts/clients/{client_account_id}#defaults"
    visit: Visit | None = None
    try:
        with console_of(request).st.db.transaction() as uow:
            visit = open_visit(request, uow)
            principal = visit.require(Role.OPERATOR)
            allocation_service.set_default(
                uow,
                principal.workspace_id,
                client_account_id,
                safe_id(visit.form.get("ad_account_id"), "ad_account_id"),
                actor=principal.actor,
            )
            visit.flash("success", visit._("The default TikTok account is changed."))
            return visit.redirect(back)
    except Refusal as exc:
        assert visit is not None
        return refused(visit, exc, back)


def _countries() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


@router.get("/accounts/request")
def request_form(request: Request) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        ws = visit.principal.workspace_id
        return visit.page(
            "accounts/request.html",
            countries=_countries(),
            currencies=CURRENCIES,
            industries=INDUSTRIES,
            timezones=sorted(zoneinfo.available_timezones()),
            requests=requests_service.list_requests(uow, ws, limit=50),
            business_center=requests_service.business_center_id(),
            grants=[g for g in import_service.authorizations(uow, ws) if g.status == "active"],
        )


@router.post("/accounts/request")
def submit_request(request: Request) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        f = visit.form
        row = requests_service.submit(
            uow,
            principal.workspace_id,
            AccountRequestInput(
                clean(f.get("name", ""), 200),
                clean(f.get("industry", ""), 100),
                clean(f.get("country", ""), 8),
                clean(f.get("currency", "USD"), 8),
                clean(f.get("timezone", "Asia/Singapore"), 64),
            ),
            actor=principal.actor,
        )
        visit.flash(
            "success", visit._("Request #%(id)s is sent to your account manager.", id=row.id)
        )
        return visit.redirect("/accounts/request")


@router.post("/accounts/request/{request_id}/fulfil")
def fulfil_request(request: Request, request_id: int) -> Response:
    """Create the ad account in the Business Center with a grant of its admin, and import it."""
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        row = requests_service.fulfil(
            uow,
            principal.workspace_id,
            request_id,
            safe_id(visit.form.get("authorization_id"), "authorization_id"),
            actor=principal.actor,
        )
        visit.flash(
            "success",
            visit._("Ad account %(id)s is created and imported.", id=row.advertiser_id or ""),
        )
        return visit.redirect("/accounts/request")
