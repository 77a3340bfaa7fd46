"""A campaign's page: everything to review it, and its change forms
(``accounts/campaign_changes``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.service import clients as clients_service
from promodesk.campaigns.service import campaigns as service
from promodesk.campaigns.service import lists
from promodesk.console.routes.accounts import campaign_changes as changes
from promodesk.console.routes.accounts.campaigns.lists import STATUS_WORDS
from promodesk.console.routes.accounts.campaigns.texts import (
    budget_text,
    metric_texts,
    money_text,
)
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, visit: ViewerVisit, uow: Uow, campaign_id: int) -> Response:
    """Everything to review a campaign: budget and mode, schedule in the ad account's zone,
    spent to date and today, remaining budget, daily spend and conversions as a chart (its
    life or the last 30 days), ad groups and ads with their status words."""
    workspace_id = visit.principal.workspace_id
    chart = request.query_params.get("chart", "").strip() or None
    detail = service.campaign_detail(uow, workspace_id, campaign_id, chart=chart)
    currency = detail["currency"]
    detail["budget_text"] = budget_text(visit, detail, currency)
    for g in detail["ad_groups"]:
        g["budget_text"] = budget_text(visit, g, currency)
    alloc = detail["allocation"]
    if alloc is not None:
        alloc["client_account_name"] = clients_service.get_client(
            uow, workspace_id, alloc["client_account_id"]
        ).name
        alloc["advertiser_name"] = clients_service.get_advertiser(
            uow, workspace_id, alloc["advertiser_id"]
        ).name
    points = detail["daily"]["points"]
    spec = {
        "x": [p["day"] for p in points],
        "series": [
            {
                "name": visit._("Spend") + f" ({currency})",
                "y": [float(lists.major(p["spend_minor"], currency) or 0) for p in points],
                "kind": "bar",
                "axis": "y",
            },
            {
                "name": visit._("Conversions"),
                "y": [p["conversions"] for p in points],
                "kind": "line",
                "axis": "y2",
            },
        ],
        "markers": [],
        "y_title": visit._("Spend") + f" ({currency})",
        "y2_title": visit._("Conversions"),
    }
    spent, today = detail["spent_to_date"], detail["spent_today"]
    return visit.page(
        "accounts/campaign.html",
        c=detail,
        spent_text=money_text(spent["spend_minor"], currency),
        spent_m=metric_texts(spent, currency),
        today_text=money_text(today["spend_minor"], currency),
        remaining_text=money_text(detail["remaining_budget_minor"], currency),
        chart_spec=spec,
        chart_total=money_text(sum(p["spend_minor"] for p in points), currency),
        status_words=STATUS_WORDS,
        **changes.change_context(detail),
    )
