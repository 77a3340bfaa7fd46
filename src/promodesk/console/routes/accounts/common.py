"""Shared by the accounts pages: refusals in the user's language, the (client account,
advertiser) pairs of an ad account."""

from __future__ import annotations

from typing import Any, NoReturn

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import allocation as allocation_service
from promodesk.console import forms
from promodesk.console.core import N_
from promodesk.console.formerrors import FormRefused
from promodesk.console.visit import Visit

REASONS = {
    "campaigns_allocated": N_(
        "%(n)s campaign(s) of this advertiser use the ad account: deallocate them first."
    ),
    "conversion_goals": N_(
        "%(n)s conversion goal(s) of this advertiser use the ad account: delete them first."
    ),
    "remarketing_tags": N_(
        "%(n)s remarketing tag(s) of this advertiser use the ad account: delete them first."
    ),
    "default_account": N_("This is the client account's default TikTok account."),
    "not_allocated": N_("Only an ad account allocated to the client account can be its default."),
    "advertiser_not_of_client": N_("The advertiser is not of that client account."),
    "client_archived": N_("The client account is archived."),
    "advertiser_archived": N_("The advertiser is archived."),
    "campaign_allocated": N_("The campaign is already allocated."),
    "ad_account_not_allocated": N_("The ad account is not allocated to that advertiser."),
    "campaign_initialized": N_("The campaign is initialized in promodesk and stays allocated."),
}


def reason(visit: Visit, exc: Refusal) -> str:
    """The refusal's reason in the user's language (with its count)."""
    message = REASONS.get(exc.reason)
    if message is None:
        return visit.error_text(exc)
    if "%(n)s" in message:
        return visit._(message, n=exc.extra.get("count", ""))
    return visit._(message)


def refused(visit: Visit, exc: Refusal, back: str) -> NoReturn:
    """The refusal's reason, on the form again with what was typed (``back``: the form's page
    when the request does not name it)."""
    raise FormRefused(reason(visit, exc), status=exc.status_code, field=exc.field, page=back)


def pairs(uow: Any, workspace_id: int, ad_account_id: int | None) -> list[dict[str, Any]]:
    """(client account, advertiser) pairs allocated to the ad account, for the dropdown."""
    if ad_account_id is None:
        return []
    out = []
    for client in allocation_service.clients_of_ad_account(uow, workspace_id, ad_account_id):
        for adv in client["advertisers"]:
            out.append(
                {
                    "value": f"{client['id']}:{adv['id']}",
                    "label": f"{client['name']} / {adv['name']}",
                }
            )
    return out


def pair(value: str | None) -> tuple[int, int]:
    """A dropdown's ``client:advertiser`` value."""
    client, _, adv = (value or "").partition(":")
    return forms.required_id(client, "pair"), forms.required_id(adv, "pair")
