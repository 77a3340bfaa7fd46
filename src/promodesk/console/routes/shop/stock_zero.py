"""Stock to zero for several products at once, from the multi-select of "My activities": a
preview (GET, writes nothing) that says per product whether it can be stock-zeroed and when
its delist runs in the shop's time zone, then the confirmation (POST) with per-product results
(the ones that fail keep their error code; the rest succeed).

Rules: the selection is explicit enrollment ids (checkboxes ``e`` on the GET, the comma-joined
``ids`` field on the POST), at most ``MAX_IDS``; the service checks each one again.
The stock is the product's: the preview lists every enrollment of the selected products in
every activity with its effect and verdict. When another activity's rules would break, the
confirmation is refused unless an admin ticks ``force`` (audited); the refusal comes back on
this page with the list.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.core import N_
from promodesk.console.labels import LABELS
from promodesk.console.routes.shop.common import BADGES, STATES, local, page_zone, titles
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.errors import BreaksOtherActivity
from promodesk.shop.service import catalog as catalog_service
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service import stock_zero as stock_zero_service

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

EFFECTS = {
    "stock_zeroed": N_("Stock to zero here"),
    "paused": N_("Shared stock: not purchasable, leaves the activity at the delist"),
    "ends": N_("Leaves the activity"),
    "resumes": N_("Back in its stage"),
    "unchanged": N_("Unchanged"),
}
VERDICTS = {
    "ok": N_("OK"),
    "already_ended": N_("Already out of the activity"),
    "activity_ended": N_("The activity has ended"),
    "breaks_min_products": N_("Would break the activity's minimum product count"),
    "breaks_cancel_ratio": N_("Would break the activity's cancellation cap"),
    "activity_immutable": N_("The activity is immutable"),
}


def _ids(raw: list[str] | str) -> list[int]:
    ids = forms.id_list(",".join(raw) if isinstance(raw, list) else raw, "ids")
    if not ids:
        raise ValidationFailed("select at least one product", field="ids")
    return ids


def _view(uow: Any, visit: Visit, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Titles, activity names and local delist times for the items."""
    workspace_id = visit.principal.workspace_id
    shops = {
        s: shops_service.get_shop(uow, workspace_id, s) for s in {i["shop_id"] for i in items} if s
    }
    names = titles(uow, workspace_id, set(shops))
    activities = {
        a.id: a.name for a in catalog_service.list_activities(uow, workspace_id, limit=500)
    }
    for item in items:
        shop = shops.get(item["shop_id"])
        item["title"] = names.get(item["product_id"] or 0, f"#{item['enrollment_id']}")
        item["activity"] = activities.get(item["activity_id"] or 0, "—")
        item["delist_local"] = local(item["delist_at"], shop.timezone) if shop else "—"
    plan = [p | {"title": names.get(p["product_id"], "")} for i in items for p in i["enrollments"]]
    return {
        "results": items,
        "ok_count": sum(1 for i in items if i["ok"]),
        "zone": page_zone(list(shops.values())),
        "codes": LABELS["shop_item_code"],  # the plan's refusal codes
        "states": STATES,
        "badges": BADGES,
        "plan": plan,
        "refused": [p for p in plan if not p["ok"]],
        "forceable": all(p["verdict"] != "activity_immutable" for p in plan),
        "effects": EFFECTS,
        "verdicts": VERDICTS,
    }


@router.get("/shop/stock-zero")
def preview(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    picked = [v[:30] for v in request.query_params.getlist("e")[:2000]]
    ids = _ids(picked)
    items = stock_zero_service.check(uow, visit.principal.workspace_id, ids)
    return visit.page(
        "shop/stock_zero.html",
        done=False,
        ids=",".join(str(i) for i in ids),
        **_view(uow, visit, items),
    )


@router.post("/shop/stock-zero")
def run(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    ids = _ids(visit.form.get("ids", ""))
    force = visit.form.get("force") == "1"
    try:
        with uow.savepoint():
            result = stock_zero_service.stock_to_zero_many(
                uow,
                principal.workspace_id,
                ids,
                actor=principal.actor,
                force=force,
                role=principal.role,
            )
    except BreaksOtherActivity:
        items = stock_zero_service.check(uow, principal.workspace_id, ids)
        visit.flash(
            "error",
            visit._(
                "Nothing was changed: the stock to zero would break another activity's "
                "rules (listed below). An admin may force it."
            ),
        )
        return visit.page(
            "shop/stock_zero.html",
            status=409,
            done=False,
            ids=",".join(str(i) for i in ids),
            **_view(uow, visit, items),
        )
    if result["overridden"]:
        visit.flash(
            "warning",
            visit._(
                "Forced over %(n)s refusals of other activities; this is recorded in the "
                "audit log.",
                n=len(result["overridden"]),
            ),
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
