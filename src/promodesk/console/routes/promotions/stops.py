"""Stop everywhere, the confirm and after: the preview's confirm button (its fingerprint and the
one-time submit token: a replay stops nothing twice), the stop's page with each channel's step
and the progress, the retry of the failed steps (``promotions.service.stops``) and the restart
of what can be undone (``promotions.service.restart``: TikTok is called after the request's
unit of work ends)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import lessons
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, close_unit, console_of
from promodesk.kit.errors import ValidationFailed
from promodesk.operations.domain import FINAL_STATES
from promodesk.promotions.domain.index import products as product_ids
from promodesk.promotions.domain.stop_list import can_restart
from promodesk.promotions.service import notes as stop_notes
from promodesk.promotions.service import restart as restarts
from promodesk.promotions.service import retry as retries
from promodesk.promotions.service import stop_watch, stops
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BLANK_ITEMS = 2  # empty action item rows offered under the saved ones


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
    stop = stop_watch.get_stop(uow, visit.principal.workspace_id, stop_id)
    data = stop_watch.view(uow, stop)
    op = data["operation"]
    running = data["running"] > 0
    return visit.page(
        "promotions/stopped.html",
        stop=data,
        made_by=tenancy.actor_name(uow, visit.principal.workspace_id, data["created_by"]),
        running=running,
        # the page follows the operation until it is over, then shows the outcome once
        live=running and op is not None and op["state"] not in FINAL_STATES,
        can_restart=can_restart(data["steps"]),
        blank_items=BLANK_ITEMS,
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
    stop_watch.get_stop(uow, principal.workspace_id, stop_id)
    close_unit(request, None)  # no transaction waits on TikTok
    db = console_of(request).st.db
    restarts.restart(db, principal.workspace_id, stop_id, actor=principal.actor)
    visit.flash("success", visit._("What could be undone is on again; the rest was final."))
    return visit.redirect(f"/promotions/stops/{stop_id}")


@router.post("/promotions/stops/{stop_id}/notes")
def save_notes(visit: OperatorVisit, uow: Uow, stop_id: int) -> Response:
    """The stop's lessons and action items (the rows as sent replace the saved ones; empty
    rows are dropped), by the rules of a campaign cancellation's; audited. A refused form
    comes back with what was typed and the message beside the field."""
    form = visit.form
    page = f"/promotions/stops/{stop_id}"
    try:
        stop_notes.update_notes(
            uow,
            visit.principal.workspace_id,
            stop_id,
            lessons=lessons.lessons(form),
            action_items=lessons.action_items(form),
            actor=visit.principal.actor,
        )
    except ValidationFailed as exc:
        raise lessons.refused(visit, exc, page) from exc
    visit.flash("success", visit._("Lessons and action items are saved."))
    return visit.redirect(f"{page}#stop-retrospective")
