"""Monitoring after a cancellation (before/after charts): ``/cancellations/{id}/monitor``, per
ad account (its currency and zone named), daily spend and results before and after the stop with
a marker at the stop, spend per hour around it, and the objects', ad account's, other campaigns'
and advertiser's totals before vs after. The retrospective of cancellations: ``retrospective``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.campaigns.service.monitor import before_after
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit
from promodesk.kit.money import Money

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def major(minor: int, currency: str) -> str:
    """An amount for a chart's data (a decimal string: plotly reads it as a number)."""
    try:
        return str(Money(int(minor), currency).decimal)
    except (ValueError, TypeError):
        return str(minor)


def monitor_charts(visit: Visit, account: dict[str, Any]) -> dict[str, Any]:
    cur = account["currency"]
    stop = visit._("Stop")
    daily = {
        "x": [d["day"] for d in account["daily"]],
        "series": [
            {
                "name": visit._("Cancelled objects: spend"),
                "y": [major(d["objects"]["spend_minor"], cur) for d in account["daily"]],
                "kind": "bar",
                "axis": "y",
            },
            {
                "name": visit._("Ad account: spend"),
                "y": [major(d["account_spend_minor"], cur) for d in account["daily"]],
                "kind": "line",
                "axis": "y",
            },
            {
                "name": visit._("Cancelled objects: results"),
                "y": [d["objects"]["conversions"] for d in account["daily"]],
                "kind": "line",
                "axis": "y2",
            },
        ],
        "markers": [{"x": account["stop_day"], "label": stop}],
        "y_title": cur,
        "y2_title": visit._("Results"),
    }
    hourly = {
        "x": [h["hour"] for h in account["hourly"]],
        "series": [
            {
                "name": visit._("Cancelled objects: spend"),
                "y": [major(h["spend_minor"], cur) for h in account["hourly"]],
                "kind": "bar",
                "axis": "y",
            },
            {
                "name": visit._("Cancelled objects: results"),
                "y": [h["conversions"] for h in account["hourly"]],
                "kind": "line",
                "axis": "y2",
            },
        ],
        "markers": [{"x": account["stop_hour"], "label": stop}],
        "y_title": cur,
        "y2_title": visit._("Results"),
    }
    return {"daily": daily, "hourly": hourly}


@router.get("/cancellations/{cancellation_id}/monitor")
def monitor_page(visit: ViewerVisit, uow: Uow, cancellation_id: int) -> Response:
    data = before_after.monitor(uow, visit.principal.workspace_id, cancellation_id)
    charts = {a["ad_account_id"]: monitor_charts(visit, a) for a in data["accounts"]}
    return visit.page("campaigns/monitor.html", d=data, charts=charts)
