"""Stop everywhere, the confirm and after: the preview's confirm button (its fingerprint and the
one-time submit token: a replay stops nothing twice), the stop's page with each channel's step
and the progress, the retry of the failed steps (``promotions.service.stops``) and the restart
of what can be undone (``promotions.service.restart``: TikTok is called after the request's
unit of work ends)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, close_unit, console_of
from promodesk.promotions.domain.index import products as product_ids
from promodesk.promotions.service import restart as restarts
from promodesk.promotions.service import retry as retries
from promodesk.promotions.service import stops

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _split(text: str, most: int) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()][:most]


@router.post("/promotions/stop")
def confirm(visit: OperatorVisit, uow: Uow) -> Response:
    """Stop what the preview showed; a changed situation sends the operator back to the new
    preview."""
    f = visit.form
    refs, products = _split(f.get("refs", ""), 500), _split(f.get("products", ""), 100)
    kw = {
        "reason": f.get("reason", "")[:32],
        "reason_text": f.get("reason_text", "")[:1000],
        "ads_action": f.get("ads_action", "pause")[:16],
    }
    try:
        stop = stops.confirm_stop(
            uow,
            visit.principal.workspace_id,
            refs=refs,
            products=sorted(product_ids(products)),
            fingerprint=f.get("fingerprint", "")[:64],
            actor=visit.principal.actor,
            role=visit.principal.role,
            **kw,
        )
    except stops.PreviewChanged:
        visit.flash("error", visit._("The situation changed since the preview: check it again."))
        query = urlencode([("refs", r) for r in refs] + [("product", p) for p in products])
        return visit.redirect(f"/promotions/stop?{query}&{urlencode(kw)}")
    visit.flash("info", visit._("Stopping everywhere: each channel's step is below."))
    return visit.redirect(f"/promotions/stops/{stop.id}")


@router.get("/promotions/stops/{stop_id}")
def show(visit: ViewerVisit, uow: Uow, stop_id: int) -> Response:
    stop = stops.get_stop(uow, visit.principal.workspace_id, stop_id)
    data = stops.view(uow, stop)
    can_restart = any(
        st["reversible"] and st["status"] == "done" and not st["restarted"] for st in data["steps"]
    )
    return visit.page(
        "promotions/stopped.html",
        stop=data,
        running=data["running"] > 0,
        can_restart=can_restart,
    )


@router.post("/promotions/stops/{stop_id}/retry")
def retry(visit: OperatorVisit, uow: Uow, stop_id: int) -> Response:
    principal = visit.principal
    retries.retry(uow, principal.workspace_id, stop_id, actor=principal.actor, role=principal.role)
    visit.flash("info", visit._("The failed steps run again."))
    return visit.redirect(f"/promotions/stops/{stop_id}")


@router.post("/promotions/stops/{stop_id}/restart")
def restart(request: Request, visit: OperatorVisit, uow: Uow, stop_id: int) -> Response:
    principal = visit.principal
    stops.get_stop(uow, principal.workspace_id, stop_id)
    close_unit(request, None)  # no transaction waits on TikTok
    db = console_of(request).st.db
    restarts.restart(db, principal.workspace_id, stop_id, actor=principal.actor)
    visit.flash("success", visit._("What could be undone is on again; the rest was final."))
    return visit.redirect(f"/promotions/stops/{stop_id}")
