"""Change a campaign on TikTok from its page: Enable, Pause, and a budget form (a raise above
the confirmation factor shows a confirmation page first: before → after, per day or lifetime).
Deleting is a cancellation (``/campaigns/cancel``: money preview, reason, verification); the
old delete page and a DELETE posted here lead to its preview.

Rule: the request's unit of work (the session read, the budget preview) ends before TikTok is
called (``close_unit``); the change itself runs its own short units
(``campaigns.changes_service``), so no transaction waits on TikTok. A refusal brings the form
back with what was typed and the reason in the user's language (console/formerrors.py).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, NoReturn

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.domain import Refusal
from promodesk.accounts.errors import AuthorizationRevoked, TikTokUnavailable
from promodesk.campaigns.domain.campaigns import BUDGETED_MODES
from promodesk.campaigns.errors import BudgetConfirmationNeeded, TikTokRefused
from promodesk.campaigns.service import campaigns as service
from promodesk.campaigns.service import changes
from promodesk.console.core import N_
from promodesk.console.formerrors import FormRefused
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import (
    OperatorVisit,
    Uow,
    ViewerVisit,
    Visit,
    close_unit,
    console_of,
)
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import PromodeskError, ValidationFailed
from promodesk.kit.money import Money

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

REASONS = {
    "campaign_deleted": N_("The campaign is deleted on TikTok; it cannot be changed."),
    "campaign_vanished": N_("TikTok no longer lists the campaign; it cannot be changed."),
    "budget_unlimited": N_("The campaign has no budget limit, so there is no budget to change."),
    "budget_mode_unknown": N_("The campaign's budget mode is unknown: sync the ad account first."),
    "authorization_revoked": N_(
        "TikTok revoked the authorization of this ad account: import the ad account again "
        "(re-authorize), then retry."
    ),
    "budget_confirmation_needed": N_(
        "The campaign's budget changed meanwhile: check the new budget and set it again."
    ),
    "tiktok_unavailable": N_(
        "TikTok did not answer. Sync the ad account to see whether the change arrived, then "
        "retry if needed."
    ),
}
DONE = {
    "ENABLE": N_("The campaign is enabled on TikTok."),
    "DISABLE": N_("The campaign is paused on TikTok."),
}


def change_context(detail: dict[str, Any]) -> dict[str, Any]:
    """What the campaign page needs for its change controls."""
    changeable = not detail["deleted"] and not detail["vanished"]
    budget_value = ""
    # an ad account whose currency is not known yet: the form starts empty
    with suppress(ValueError, TypeError, PromodeskError):
        budget_value = str(Money(int(detail["budget_minor"]), detail["currency"]).decimal)
    return {
        "changeable": changeable,
        "budget_changeable": changeable and detail["budget_mode"] in BUDGETED_MODES,
        "budget_value": budget_value if detail["budget_minor"] else "",
    }


def _refused(visit: Visit, exc: PromodeskError, back: str) -> NoReturn:
    """The refusal in the member's words, on the form again with what was typed."""
    reason = str(exc.extra.get("reason", ""))
    field: str | None = None
    if isinstance(exc, TikTokRefused):
        message = str(exc.extra.get("tiktok_message") or exc.detail)
        text = visit._("TikTok refused the change: %(said)s", said=message)
    elif reason in REASONS:
        text = visit._(REASONS[reason])
    elif isinstance(exc, ValidationFailed) and exc.field == "budget":
        field = "budget"
        text = visit._(
            "Enter a budget above 0 in the ad account's currency, with no more decimals "
            "than the currency has."
        )
    elif isinstance(exc, ValidationFailed) and exc.field == "status":
        field = "status"
        text = visit._("Choose Enable, Pause or Delete.")
    else:
        field = exc.field
        text = visit.error_text(exc)
    raise FormRefused(text, status=exc.status_code, field=field, page=back)


CHANGE_ERRORS = (Refusal, AuthorizationRevoked, TikTokUnavailable, TikTokRefused, ValidationFailed)


def _cancel_preview(campaign_id: int) -> str:
    return f"/campaigns/cancel?level=campaign&ids={campaign_id}&action=delete"


@router.get("/campaigns/{campaign_id}/delete")
def delete_preview(visit: ViewerVisit, campaign_id: int) -> Response:
    """The old delete page: deleting is a cancellation now (money preview, reason,
    verification), so old links lead to its preview."""
    return visit.redirect(_cancel_preview(campaign_id))


@router.post("/campaigns/{campaign_id}/status")
def change_status(request: Request, visit: OperatorVisit, campaign_id: int) -> Response:
    close_unit(request, None)  # the session is read; no transaction waits on TikTok
    principal = visit.principal
    back = f"/campaigns/{campaign_id}"
    status = visit.form.get("status", "").strip().upper()
    if status == "DELETE":
        return visit.redirect(_cancel_preview(campaign_id))  # a delete is a cancellation
    try:
        changes.change_status(
            console_of(request).st.db,
            principal.workspace_id,
            campaign_id,
            status,
            actor=principal.actor,
        )
    except CHANGE_ERRORS as exc:
        return _refused(visit, exc, back)
    visit.flash("success", visit._(DONE[status]))
    return visit.redirect(back)


@router.post("/campaigns/{campaign_id}/budget")
def change_budget(request: Request, visit: OperatorVisit, uow: Uow, campaign_id: int) -> Response:
    back = f"/campaigns/{campaign_id}"
    principal = visit.principal
    amount = visit.form.get("budget", "")
    confirmed = visit.form.get("confirm") == "yes"
    if not confirmed:
        try:
            preview = changes.budget_preview(uow, principal.workspace_id, campaign_id, amount)
        except CHANGE_ERRORS as exc:
            return _refused(visit, exc, back)
        if preview.needs_confirmation:
            return _budget_confirmation(visit, uow, preview)
    close_unit(request, None)  # the preview is over; no transaction waits on TikTok
    try:
        changed = changes.change_budget(
            console_of(request).st.db,
            principal.workspace_id,
            campaign_id,
            amount,
            confirm=confirmed,
            actor=principal.actor,
        )
    except (*CHANGE_ERRORS, BudgetConfirmationNeeded) as exc:
        return _refused(visit, exc, back)
    amount = Money(int(changed["budget_minor"]), changed["currency"]).format()
    visit.flash("success", visit._("The budget is now %(amount)s on TikTok.", amount=amount))
    return visit.redirect(back)


def _budget_confirmation(visit: Visit, uow: UnitOfWork, preview: changes.BudgetPreview) -> Response:
    """before → after, per day or lifetime, with the button that sends ``confirm=yes``."""
    detail = service.campaign_detail(uow, visit.principal.workspace_id, preview.row_id)

    def shown(minor: int | None) -> str:
        return "-" if minor is None else Money(minor, preview.currency).format()

    return visit.page(
        "accounts/campaign_budget.html",
        c=detail,
        p=preview,
        before=shown(preview.before_minor),
        after=shown(preview.after_minor),
    )
