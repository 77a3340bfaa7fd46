"""The review (复盘) of a shop in an activity: cancellations by reason and the cancel ratio
against the activity's threshold and the platform average as charts (the console's SVG chart
code), forced violations, verification failures, products short of safety stock,
recommendations, and the CSV export."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.core import N_
from promodesk.console.routes.shop.common import REASONS
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.service import catalog as catalog_service
from promodesk.shop.service import review as review_service
from promodesk.shop.service import shops as shops_service

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

RECOMMENDATIONS = {
    "safety_stock": N_(
        "Keep %(n)s%% of expected sales as safety stock for hot products (10–15%% works well)."
    ),
    "screen_products": N_(
        "Check prices and product details before enrolling; test a product on a small scale "
        "before promoting it widely."
    ),
    "cancel_ratio": N_(
        "The cancel ratio is close to the activity's limit: prefer replacing a product or "
        "setting its stock to zero."
    ),
    "avoid_forcing": N_(
        "Forced cancellations triggered risk control; plan enrollments so that the rules need "
        "not be forced."
    ),
    "verification": N_(
        "Some cancellations did not take effect; check the linked coupons and discounts after "
        "every change."
    ),
    "keep_going": N_("No problem found in this activity."),
}


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _ids(request: Request) -> tuple[int, int]:
    activity_id = forms.optional_id(request.query_params.get("activity_id"))
    shop_id = forms.optional_id(request.query_params.get("shop_id"))
    if activity_id is None or shop_id is None:
        raise ValidationFailed("choose an activity and a shop", field="activity_id")
    return activity_id, shop_id


def _charts(visit: Visit, data: dict[str, Any]) -> dict[str, Any]:
    reasons = [
        {"label": visit._(REASONS.get(code, code)), "spend": n, "results": 0}
        for code, n in sorted(data["cancellations_by_reason"].items())
    ]
    ratio = [
        {"label": visit._("This shop"), "spend": data["cancel_ratio_percent"], "results": 0},
        {
            "label": visit._("Average of this workspace's shops"),
            "spend": data["platform_average_percent"],
            "results": 0,
        },
        {"label": visit._("Threshold"), "spend": data["threshold_percent"], "results": 0},
    ]
    return {"reasons_json": _json(reasons), "ratio_json": _json(ratio)}


@router.get("/shop/review")
def review(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    workspace_id = visit.principal.workspace_id
    if not request.query_params.get("activity_id"):
        pairs = [
            (a, s)
            for a in catalog_service.list_activities(uow, workspace_id, limit=200)
            for s in shops_service.list_shops(uow, workspace_id, limit=200)
        ]
        return visit.page("shop/review_pick.html", pairs=pairs)
    activity_id, shop_id = _ids(request)
    data = review_service.review(uow, workspace_id, activity_id, shop_id)
    texts = []
    for r in data["recommendations"]:
        message = RECOMMENDATIONS.get(r["code"])
        texts.append(visit._(message, n=data["safety_stock_percent"]) if message else r["text"])
    return visit.page(
        "shop/review.html",
        zone=shops_service.get_shop(uow, workspace_id, shop_id).timezone,
        data=data,
        recommendations=texts,
        reasons=REASONS,
        **_charts(visit, data),
    )


@router.get("/shop/review.csv")
def review_csv(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    activity_id, shop_id = _ids(request)
    text = review_service.review_csv(
        uow, visit.principal.workspace_id, activity_id, shop_id, label=visit._
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="review-{activity_id}-{shop_id}.csv"'
        },
    )
