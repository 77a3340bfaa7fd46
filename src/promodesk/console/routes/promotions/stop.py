"""Stop everywhere, the preview: choose promotions (ticked in the list) or a product, give the
reason, and see per channel the path, the money and what is refused and why. Nothing changes
(``promotions.service.stop``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console.labels import LABELS, label
from promodesk.console.routes.promotions.index import money_text
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit
from promodesk.kit.errors import ValidationFailed
from promodesk.promotions.domain import stop as rules
from promodesk.promotions.domain.index import products as product_ids
from promodesk.promotions.service.products import product_titles
from promodesk.promotions.service.stop import preview_stop

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/promotions/stop")
def stop_preview(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The form (reason, ads action) and, once a reason is given, the preview."""
    q = request.query_params
    refs = [r.strip() for r in q.getlist("refs") if r.strip()][: rules.MAX_SELECTED]
    products = [p.strip() for p in q.getlist("product") if p.strip()][:100]
    reason = q.get("reason", "").strip()[:32]
    reason_text = q.get("reason_text", "").strip()[:1000]
    ads_action = q.get("ads_action", "pause").strip()[:16]
    plan = None
    error = None
    if reason:
        try:
            plan = preview_stop(
                uow,
                visit.principal.workspace_id,
                refs=refs,
                products=sorted(product_ids(products)),
                reason=reason,
                reason_text=reason_text,
                ads_action=ads_action,
            )
        except ValidationFailed as exc:
            error = exc
    return visit.page(
        "promotions/stop.html",
        status=422 if error else 200,
        refs=refs,
        products=products,
        # each product by its title where it is one of the workspace's (the id otherwise)
        titles={
            str(i): t
            for i, t in product_titles(
                uow,
                visit.principal.workspace_id,
                [int(p) for p in products if p.isdigit() and len(p) <= 18],
            ).items()
        },
        reason=reason,
        reason_text=reason_text,
        ads_action=ads_action,
        reasons=[r.value for r in rules.Reason],
        plan=plan,
        error_field=error.field if error else None,
        error_text=visit.error_text(error) if error else None,
        money=lambda m: money_text(visit, m),
        refusal=lambda code: label(
            "promotion_stop_code" if code in LABELS["promotion_stop_code"] else "shop_item_code",
            code,
            visit._,
        ),
    )
