"""Accounts: the TikTok ad account list, import through the authorization popup, one ad
account's allocations and syncs. Client accounts and requests: ``clients``; campaigns and
audiences: ``campaigns`` and ``audiences``; deallocation (after its confirmation page):
``removals``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from promodesk.accounts.domain import PaymentMode, Refusal, SyncScope
from promodesk.accounts.service import accounts as service
from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import clients as clients_service
from promodesk.accounts.service import imports as import_service
from promodesk.accounts.service import sync as sync_service
from promodesk.campaigns.service.report_sync import progress as sync_progress
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.console import forms
from promodesk.console.routes.accounts.common import refused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, Visit, console_of
from promodesk.kit.errors import ValidationFailed

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CALLBACK = "/accounts/tiktok/callback"


@router.get("/accounts")
def accounts_home(visit: ViewerVisit, uow: Uow) -> Response:
    workspace_id = visit.principal.workspace_id
    accounts = service.list_ad_accounts(uow, workspace_id, limit=500)
    clients = clients_service.list_clients(uow, workspace_id, limit=500)
    return visit.page("accounts/home.html", accounts=accounts, clients=clients)


def _redirect_uri(request: Request) -> str:
    public = console_of(request).st.settings.public_url.rstrip("/")
    base = public or str(request.base_url).rstrip("/")
    return base + CALLBACK


@router.get("/accounts/tiktok/authorize")
def authorize(request: Request, visit: OperatorVisit) -> Response:
    """Opened in a popup: straight on to TikTok's authorization page with a signed state."""
    principal = visit.principal
    url = import_service.authorization_url(
        principal.workspace_id, principal.actor, _redirect_uri(request)
    )
    return RedirectResponse(url, status_code=303)


@router.get(CALLBACK)
def callback(request: Request, visit: OperatorVisit) -> Response:
    """TikTok sends the user back here; the import happens on "Confirm" (a CSRF-checked POST)."""
    q = request.query_params
    code = forms.clean(q.get("auth_code") or q.get("code") or "", 500)
    state = forms.clean(q.get("state", ""), 2000)
    return visit.page("accounts/callback.html", auth_code=code, state=state, result=None)


@router.post(CALLBACK)
def confirm_import(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    result = import_service.complete(
        uow,
        principal.workspace_id,
        state=visit.form.get("state", ""),
        auth_code=visit.form.get("auth_code", ""),
        actor=principal.actor,
    )
    return visit.page(
        "accounts/callback.html",
        auth_code="",
        state="",
        result={"added": len(result.added), "updated": len(result.updated)},
    )


@router.get("/accounts/{ad_account_id}")
def ad_account_page(visit: ViewerVisit, uow: Uow, ad_account_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    account = service.ad_account_view(uow, workspace_id, ad_account_id)
    pairs = []
    for client in clients_service.list_clients(uow, workspace_id, limit=500, status="active"):
        for adv in clients_service.list_advertisers(uow, workspace_id, client.id):
            if adv.status == "active":
                pairs.append((client, adv))
    current = {a["advertiser_id"]: a["payment_mode"] for a in account["allocations"]}
    return visit.page(
        "accounts/ad_account.html",
        account=account,
        pairs=pairs,
        current=current,
        modes=[m.value for m in PaymentMode],
        runs=sync_service.runs(uow, workspace_id, ad_account_id),
        scopes=[s.value for s in SyncScope],
        reports=sync_progress.where(uow, workspace_id, ad_account_id),
    )


@router.post("/accounts/{ad_account_id}/allocations")
def allocate(visit: OperatorVisit, uow: Uow, ad_account_id: int) -> Response:
    back = f"/accounts/{ad_account_id}"
    principal = visit.principal
    try:
        workspace_id = principal.workspace_id
        advertiser_id = forms.required_id(visit.form.get("advertiser_id"), "advertiser_id")
        advertiser = clients_service.get_advertiser(uow, workspace_id, advertiser_id)
        # an empty choice ("keep the current mode") keeps an existing pair's mode
        mode = visit.form.get("payment_mode") or None
        if mode is not None and mode not in {m.value for m in PaymentMode}:
            raise ValidationFailed("payment_mode is self or agency", field="payment_mode")
        before = allocation_service.current_mode(uow, workspace_id, ad_account_id, advertiser.id)
        allocation_service.allocate(
            uow,
            workspace_id,
            ad_account_id,
            client_account_id=advertiser.client_account_id,
            advertiser_id=advertiser.id,
            payment_mode=mode,
            actor=principal.actor,
        )
        visit.flash("success", _allocation_message(visit, before, mode))
        return visit.redirect(back)
    except Refusal as exc:
        return refused(visit, exc, back)


def _allocation_message(visit: Visit, before: str | None, mode: str | None) -> str:
    if before is None:
        return visit._("The ad account is allocated.")
    labels = {PaymentMode.SELF.value: visit._("self"), PaymentMode.AGENCY.value: visit._("agency")}
    if mode is None or mode == before:
        return visit._(
            "The allocation is kept; its payment mode is still %(mode)s.", mode=labels[before]
        )
    return visit._(
        "The payment mode changed from %(before)s to %(after)s.",
        before=labels[before],
        after=labels[mode],
    )


@router.post("/accounts/{ad_account_id}/sync")
def start_sync(visit: OperatorVisit, uow: Uow, ad_account_id: int) -> Response:
    principal = visit.principal
    scope = visit.form.get("scope", "account")
    run = sync_service.start(
        uow, principal.workspace_id, ad_account_id, scope, actor=principal.actor
    )
    visit.flash("success", visit._("The sync is queued; it runs as fast as TikTok allows."))
    return visit.redirect(f"/operations/{run.operation_id}")


@router.post("/accounts/{ad_account_id}/report-sync")
def start_report_sync(visit: OperatorVisit, uow: Uow, ad_account_id: int) -> Response:
    principal = visit.principal
    state = sync_start.start(uow, principal.workspace_id, ad_account_id, actor=principal.actor)
    visit.flash("success", visit._("The report sync is queued; it runs as fast as TikTok allows."))
    return visit.redirect(f"/operations/{state.last_operation_id}")
