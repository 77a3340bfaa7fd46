"""The Budget view (per client account, advertiser and ad account) and reallocating freed budget.

- ``/budget``: the tables (filters ``client_id``, ``advertiser_id``, ``ad_account_id``), the
  freed-budget pools with a "Reallocate…" button and, where a Business Center is configured
  and at least two agency-paid ad accounts exist, "Move cash…". Viewers see; operators act.
- ``/budget/reallocate?pool=KEY``: choose campaigns and amounts → the same URL (POST) shows
  before → after and the pool left → "Yes, reallocate" (the one-time submit token, also the
  reallocation's request key) → ``/budget/reallocations/{id}``: per campaign the result and
  its read-back, with "Retry" for what TikTok did not answer.
- ``/budget/transfer``: the Business Center transfer form, its confirmation, and
  ``/budget/transfers/{id}``.

The request's unit of work ends before TikTok is called (``close_unit``).
"""

from __future__ import annotations

from typing import Any, NoReturn

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.errors import AuthorizationRevoked, TikTokUnavailable
from promodesk.campaigns.errors import (
    NoBusinessCenter,
    PoolTooSmall,
    ReallocationRefused,
    TransferRefused,
)
from promodesk.campaigns.service import freed, transfers
from promodesk.campaigns.service.budget import pools as pool_service
from promodesk.campaigns.service.budget import view as budget_service
from promodesk.campaigns.service.reallocation import plan as realloc_plan
from promodesk.campaigns.service.reallocation import settle as realloc_settle
from promodesk.campaigns.service.reallocation import start as realloc_start
from promodesk.campaigns.service.reallocation import views as realloc_views
from promodesk.console.core import N_
from promodesk.console.formerrors import FormRefused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, Visit, close_unit, console_of
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, PromodeskError, ValidationFailed
from promodesk.kit.money import Money, parse_plain, price_text
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PROBLEMS = {
    "no_targets": N_("Enter an amount for at least one campaign."),
    "duplicate_target": N_("A campaign is chosen twice."),
    "campaign_not_found": N_("The campaign was not found."),
    "amount_not_positive": N_("The amount must be more than 0."),
    "currency_mismatch": N_("The campaign's ad account pays in another currency than the pool."),
    "campaign_deleted": N_("The campaign is deleted on TikTok; it cannot take a budget."),
    "budget_unlimited": N_("The campaign has no budget limit to raise."),
    "not_in_pool": N_("The campaign belongs to another advertiser or ad account than the pool."),
    "below_minimum": N_("The budget after is below TikTok's minimum of %(minimum)s."),
    "pool_too_small": N_("Only %(left)s left in the pool."),
}
TRANSFER_PROBLEMS = {
    "amount_not_positive": N_("The amount must be more than 0."),
    "same_account": N_("Choose two different ad accounts."),
    "not_agency_paid": N_("Only agency-paid ad accounts are funded through the Business Center."),
    "currency_mismatch": N_("The two ad accounts pay in different currencies."),
}


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationFailed("not an id", field="id")
    return int(value)


@router.get("/budget")
def budget_page(request: Request, visit: ViewerVisit) -> Response:
    q = request.query_params
    try:
        filters = budget_service.Filters(
            _int(q.get("client_id")), _int(q.get("advertiser_id")), _int(q.get("ad_account_id"))
        )
    except ValidationFailed:
        raise NotFound("no such client, advertiser or ad account") from None
    workspace_id = visit.principal.workspace_id
    close_unit(request, None)  # no transaction waits on TikTok's balances
    db = console_of(request).st.db
    view = budget_service.budget_view(db, workspace_id, filters)
    agency: list[dict[str, Any]] = []
    if view["business_center_id"]:
        with db.read() as uow:
            agency = _agency_accounts(uow, workspace_id)
    return visit.page(
        "campaigns/budget.html",
        view=view,
        filters=filters,
        can_transfer=len(agency) >= 2,
    )


def _agency_accounts(uow: UnitOfWork, workspace_id: int) -> list[dict[str, Any]]:
    view = budget_service.overview(uow, workspace_id)
    accounts = {
        a["id"]: a
        for client in view["clients"]
        for adv in client["advertisers"]
        for a in adv["ad_accounts"]
    }
    ids = transfers.agency_accounts(uow, workspace_id, sorted(accounts))
    return [accounts[i] for i in ids]


# reallocation ------------------------------------------------------------------------------


def _pool(visit: Visit, key: str) -> freed.Pool:
    try:
        return freed.parse_pool(key)
    except ValidationFailed:
        raise NotFound("no such freed-budget pool") from None


def _form_page(
    visit: Visit, uow: UnitOfWork, pool: freed.Pool, amounts: dict[int, str]
) -> Response:
    workspace_id = visit.principal.workspace_id
    state = freed.pool_state(uow, workspace_id, pool)
    if state is None:
        raise NotFound("no such freed-budget pool")
    return visit.page(
        "campaigns/budget_reallocate.html",
        pool=state,
        pool_label=pool_service.pool_label(uow, workspace_id, state),
        candidates=realloc_plan.candidates(uow, workspace_id, pool),
        amounts=amounts,
    )


@router.get("/budget/pools/{key}")
def pool_page(visit: ViewerVisit, uow: Uow, key: str) -> Response:
    pool = _pool(visit, key)
    workspace_id = visit.principal.workspace_id
    return visit.page(
        "campaigns/budget_pool.html",
        p=pool_service.pool_history(uow, workspace_id, pool),
        reallocations=realloc_views.reallocation_page(uow, workspace_id, pool=pool, limit=50),
    )


@router.get("/budget/reallocate")
def reallocate_form(visit: OperatorVisit, uow: Uow, pool: str = "") -> Response:
    return _form_page(visit, uow, _pool(visit, pool), {})


def _targets(visit: Visit) -> tuple[list[realloc_plan.Target], dict[int, str]]:
    amounts: dict[int, str] = {}
    for name, value in visit.form.items():
        if name.startswith("amount_") and value.strip():
            row = name.removeprefix("amount_")
            if row.isdigit() and len(row) <= 18:
                amounts[int(row)] = value.strip()
    return [realloc_plan.Target(row, amount) for row, amount in amounts.items()], amounts


def _problem_text(visit: Visit, p: dict[str, Any], currency: str, plan: dict[str, Any]) -> str:
    code = p["code"]
    if code == "below_minimum":
        line = next(x for x in plan["lines"] if x["campaign_id"] == p["campaign_id"])
        minimum = price_text(Money(int(line["minimum_minor"] or 0), currency), visit.locale)
        return visit._(PROBLEMS[code], minimum=minimum)
    if code == "pool_too_small":
        left = price_text(Money(max(int(plan["pool_before_minor"]), 0), currency), visit.locale)
        return visit._(PROBLEMS[code], left=left)
    return visit._(PROBLEMS.get(code, N_("The reallocation is refused.")))


@router.post("/budget/reallocate")
def reallocate(request: Request, visit: OperatorVisit, uow: Uow) -> Response:
    the_pool = _pool(visit, visit.form.get("pool", ""))
    back = f"/budget/reallocate?pool={freed.key_of(the_pool)}"
    targets, amounts = _targets(visit)
    workspace_id = visit.principal.workspace_id
    try:
        plan = realloc_plan.plan_view(
            realloc_plan.preview(uow, workspace_id, the_pool, targets), the_pool
        )
    except ValidationFailed as exc:
        return _refused(visit, exc, back)
    if not plan["ok"]:
        texts = [_problem_text(visit, p, the_pool.currency, plan) for p in plan["problems"]]
        raise FormRefused(texts, status=409, page=back)
    if visit.form.get("confirm") != "yes":
        return visit.page(
            "campaigns/budget_reallocate_confirm.html", plan=plan, pool=the_pool, amounts=amounts
        )
    token = visit.form.get("submit_token", "")
    close_unit(request, None)  # the form's token is spent; no transaction waits on TikTok
    try:
        out = realloc_start.reallocate(
            console_of(request).st.db,
            workspace_id,
            the_pool,
            targets,
            actor=visit.principal.actor,
            request_key=f"console:{token}" if token else None,
            note=visit.form.get("note", "")[:2000],
        )
    except (PoolTooSmall, ReallocationRefused, ValidationFailed) as exc:
        return _refused(visit, exc, back)
    if out["status"] == "done":
        visit.flash("success", visit._("The budgets are raised on TikTok and read back."))
    else:
        visit.flash("warning", visit._("Not every campaign took its new budget: see below."))
    return visit.redirect(f"/budget/reallocations/{out['id']}")


def _refused(visit: Visit, exc: PromodeskError, back: str) -> NoReturn:
    if isinstance(exc, PoolTooSmall):
        left = Money(int(exc.extra.get("left_minor", 0)), str(exc.extra.get("currency", "USD")))
        text = visit._(PROBLEMS["pool_too_small"], left=price_text(left, visit.locale))
    elif isinstance(exc, ValidationFailed):
        text = visit._("Enter amounts as plain decimals in the pool's currency, e.g. 50.00.")
    elif isinstance(exc, NoBusinessCenter):
        text = visit._("No Business Center is configured for the agency.")
    elif isinstance(exc, TransferRefused):
        reason = str(exc.extra.get("reason", ""))
        text = visit._(TRANSFER_PROBLEMS.get(reason, N_("The transfer is refused.")))
    else:
        text = visit.error_text(exc)
    raise FormRefused(text, status=exc.status_code, page=back)


@router.get("/budget/reallocations/{reallocation_id}")
def reallocation_page(visit: ViewerVisit, uow: Uow, reallocation_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    out = realloc_views.view(uow, workspace_id, reallocation_id)
    by = tenancy.actor_name(uow, workspace_id, str(out["created_by"]))
    return visit.page("campaigns/budget_reallocation.html", r=out, by=by)


@router.post("/budget/reallocations/{reallocation_id}/retry")
def reallocation_retry(
    request: Request, visit: OperatorVisit, uow: Uow, reallocation_id: int
) -> Response:
    workspace_id = visit.principal.workspace_id
    realloc_views.view(uow, workspace_id, reallocation_id)  # 404 first
    close_unit(request, None)
    realloc_settle.retry(
        console_of(request).st.db, workspace_id, reallocation_id, actor=visit.principal.actor
    )
    return visit.redirect(f"/budget/reallocations/{reallocation_id}")


# Business Center transfers -----------------------------------------------------------------


@router.get("/budget/transfer")
def transfer_form(visit: OperatorVisit, uow: Uow) -> Response:
    accounts = _agency_accounts(uow, visit.principal.workspace_id)
    return visit.page("campaigns/budget_transfer.html", accounts=accounts, confirm=None)


@router.post("/budget/transfer")
def transfer(request: Request, visit: OperatorVisit, uow: Uow) -> Response:
    back = "/budget/transfer"
    workspace_id = visit.principal.workspace_id
    form = visit.form
    try:
        source = _int(form.get("from_ad_account_id")) or 0
        target = _int(form.get("to_ad_account_id")) or 0
    except ValidationFailed:
        raise FormRefused(visit._("Choose two ad accounts."), status=422, page=back) from None
    accounts = {a["id"]: a for a in _agency_accounts(uow, workspace_id)}
    if source not in accounts or target not in accounts:
        raise FormRefused(visit._("Choose two agency-paid ad accounts."), status=422, page=back)
    if form.get("confirm") != "yes":
        try:
            amount = parse_plain(form.get("amount", ""), accounts[source]["currency"])
        except ValidationFailed:
            raise FormRefused(
                visit._("Enter the amount as a plain decimal, e.g. 250.00."),
                status=422,
                field="amount",
                page=back,
            ) from None
        return visit.page(
            "campaigns/budget_transfer.html",
            accounts=list(accounts.values()),
            confirm={
                "from": accounts[source],
                "to": accounts[target],
                "amount": amount,
                "amount_text": form.get("amount", ""),
                "note": form.get("note", ""),
            },
        )
    token = form.get("submit_token", "")
    close_unit(request, None)
    try:
        out = transfers.transfer(
            console_of(request).st.db,
            workspace_id,
            from_ad_account_id=source,
            to_ad_account_id=target,
            amount=form.get("amount", ""),
            actor=visit.principal.actor,
            request_key=f"console:{token}" if token else None,
            note=form.get("note", "")[:2000],
        )
    except (
        NoBusinessCenter,
        TransferRefused,
        ValidationFailed,
        AuthorizationRevoked,
        TikTokUnavailable,
    ) as exc:
        return _refused(visit, exc, back)
    return visit.redirect(f"/budget/transfers/{out['id']}")


@router.get("/budget/transfers/{transfer_id}")
def transfer_page(visit: ViewerVisit, uow: Uow, transfer_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    t = transfers.get(uow, workspace_id, transfer_id)
    by = tenancy.actor_name(uow, workspace_id, str(t["created_by"]))
    return visit.page("campaigns/budget_transfer_result.html", t=t, by=by)


@router.post("/budget/transfers/{transfer_id}/retry")
def transfer_retry(request: Request, visit: OperatorVisit, uow: Uow, transfer_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    transfers.get(uow, workspace_id, transfer_id)  # 404 first
    close_unit(request, None)
    transfers.run(console_of(request).st.db, workspace_id, transfer_id, actor=visit.principal.actor)
    return visit.redirect(f"/budget/transfers/{transfer_id}")
