"""Stock to zero for several products at once, from the multi-select of "My activities": a
preview (GET, writes nothing) that says per product whether it can be stock-zeroed and when
its delist runs in the shop's time zone, then the confirmation (POST) with per-product results
(the ones that fail keep their error code; the rest succeed).

Rules: the selection is explicit enrollment ids (checkboxes ``e`` on the GET, the comma-joined
``ids`` field on the POST), at most ``MAX_IDS``; the service checks each one again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console.core import N_
from promodesk.console.routes.shop_common import BADGES, STATES, local, parse_ids, titles
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Visit, console_of, open_visit
from promodesk.kit.errors import ValidationFailed
from promodesk.shop import catalog_service, stock_zero_service
from promodesk.tenancy.domain import Role

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

CODES = {
    "ENROLLMENT_NOT_FOUND": N_("Enrollment not found"),
    "ALREADY_STOCK_ZEROED": N_("Stock is zero already"),
    "NOT_STOCK_ZEROABLE": N_("Not possible in this stage"),
    "ACTIVITY_IMMUTABLE": N_("The activity is immutable"),
    "ACTIVITY_ENDED": N_("The activity has ended"),
    "CHANGED_MEANWHILE": N_("Changed by someone else meanwhile; try again"),
}


def _ids(raw: list[str] | str) -> list[int]:
    ids = parse_ids(",".join(raw) if isinstance(raw, list) else raw, "ids")
    if not ids:
        raise ValidationFailed("select at least one product", field="ids")
    return ids


def _view(uow: Any, visit: Visit, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Titles, activity names and local delist times for the items."""
    ws = visit.principal.workspace_id
    shops = {s: catalog_service.get_shop(uow, ws, s) for s in {i["shop_id"] for i in items} if s}
    names = titles(uow, ws, set(shops))
    activities = {a.id: a.name for a in catalog_service.list_activities(uow, ws, limit=500)}
    for item in items:
        shop = shops.get(item["shop_id"])
        item["title"] = names.get(item["product_id"] or 0, f"#{item['enrollment_id']}")
        item["activity"] = activities.get(item["activity_id"] or 0, "—")
        item["delist_local"] = local(item["delist_at"], shop.timezone) if shop else "—"
    return {
        "results": items,
        "ok_count": sum(1 for i in items if i["ok"]),
        "codes": CODES,
        "states": STATES,
        "badges": BADGES,
    }


@router.get("/shop/stock-zero")
def preview(request: Request) -> Response:
    picked = [v[:30] for v in request.query_params.getlist("e")[:2000]]
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        ids = _ids(picked)
        items = stock_zero_service.check(uow, visit.principal.workspace_id, ids)
        return visit.page(
            "shop/stock_zero.html",
            done=False,
            ids=",".join(str(i) for i in ids),
            **_view(uow, visit, items),
        )


@router.post("/shop/stock-zero")
def run(request: Request) -> Response:
    with console_of(request).st.db.transaction() as uow:
        visit = open_visit(request, uow)
        principal = visit.require(Role.OPERATOR)
        ids = _ids(visit.form.get("ids", ""))
        result = stock_zero_service.stock_to_zero_many(
            uow, principal.workspace_id, ids, actor=principal.actor
        )
        visit.flash(
            "success" if not result["failed"] else "warning",
            visit._(
                "%(done)s products are stock-zeroed and will be delisted after the activity's "
                "delay unless restocked; %(failed)s could not be.",
                done=result["done"],
                failed=result["failed"],
            ),
        )
        return visit.page(
            "shop/stock_zero.html", done=True, ids="", **_view(uow, visit, result["items"])
        )
