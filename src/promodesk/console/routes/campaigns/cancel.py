"""Cancel campaigns, ad groups and ads: the preview with money and a reason, the confirmation, the
cancellation pages (progress, verification, undo, re-create).

- ``GET /campaigns/cancel?level=campaign&ids=1&ids=2`` (ids comma-separated too): per object
  and per currency the money the cancel concerns, Pause (reversible) or Delete (final), a
  required reason and a note. Operators only (viewers get no action pages).
- ``POST /campaigns/cancel``: the cancellation starts (one-time submit token); a refusal (no
  reason, a note missing for "other") brings the form back with what was typed, the message
  beside the field. Then ``/cancellations/{id}``: progress bar, per-object results and
  verification, Retry / Undo / Re-create for operators.
- ``/cancellations``: the log (reason, who, when, objects, freed money).
Undo and re-create call TikTok: the request's unit of work ends first (``close_unit``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.campaigns.domain.cancellations import Action, ReasonCode
from promodesk.campaigns.domain.cancellations import row_ids as parse_row_ids
from promodesk.campaigns.service.cancellations import confirm as confirm_service
from promodesk.campaigns.service.cancellations import preview as preview_service
from promodesk.campaigns.service.cancellations import reads as reads_service
from promodesk.campaigns.service.cancellations import undo as cancel_undo
from promodesk.console.paging import PAGE_SIZE, parse_before
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
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
REASON_CODES = [r.value for r in ReasonCode]


def _query_ids(request: Request) -> list[str]:
    return request.query_params.getlist("ids")


@router.get("/campaigns/cancel")
def cancel_preview(request: Request, visit: OperatorVisit, uow: Uow) -> Response:
    level = request.query_params.get("level") or "campaign"
    action = request.query_params.get("action") or Action.PAUSE.value
    ids = parse_row_ids(_query_ids(request))
    preview = preview_service.preview(uow, visit.principal.workspace_id, level, ids, action)
    return visit.page(
        "campaigns/cancel_preview.html",
        p=preview,
        ids=",".join(str(i) for i in ids),
        reasons=REASON_CODES,
        any_currency=len(preview["totals"]) > 1,
    )


@router.post("/campaigns/cancel")
def cancel_confirm(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    form = visit.form
    c = confirm_service.confirm(
        uow,
        principal.workspace_id,
        form.get("level", ""),
        [form.get("ids", "")],
        form.get("action", ""),
        form.get("reason_code", ""),
        form.get("note", ""),
        actor=principal.actor,
    )
    visit.flash("info", visit._("The cancellation started; this page follows it."))
    return visit.redirect(f"/cancellations/{c.id}")


@router.get("/cancellations")
def cancellation_log(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    before = parse_before(request.query_params.get("before", ""))
    reason = request.query_params.get("reason_code") or None
    rows = reads_service.list_cancellations(
        uow,
        visit.principal.workspace_id,
        before_id=before,
        limit=PAGE_SIZE + 1,
        reason_code=reason,
    )
    shown = rows[:PAGE_SIZE]
    next_url = None
    if len(rows) > PAGE_SIZE:
        extra = f"&reason_code={reason}" if reason else ""
        next_url = f"/cancellations?before={shown[-1]['id']}{extra}"
    return visit.page(
        "campaigns/cancellations.html",
        rows=shown,
        next_url=next_url,
        first_url="/cancellations" if before else None,
        reasons=REASON_CODES,
        reason=reason or "",
        names=tenancy.actor_names(
            uow, visit.principal.workspace_id, {r["created_by"] for r in shown}
        ),
    )


@router.get("/cancellations/{cancellation_id}")
def cancellation_page(visit: ViewerVisit, uow: Uow, cancellation_id: int) -> Response:
    data = reads_service.get(uow, visit.principal.workspace_id, cancellation_id)
    running = data["status"] == "running"
    checking = data["verification"].get("pending", 0) > 0 and not running
    return visit.page(
        "campaigns/cancellation.html",
        c=data,
        created_by=tenancy.actor_name(uow, visit.principal.workspace_id, data["created_by"]),
        op=data["operation"],
        running=running,
        checking=checking,
        refresh=3 if running else (20 if checking else 0),
        failed=data["counts"].get("failed", 0),
    )


@router.post("/cancellations/{cancellation_id}/retry")
def retry(visit: OperatorVisit, uow: Uow, cancellation_id: int) -> Response:
    principal = visit.principal
    confirm_service.retry(uow, principal.workspace_id, cancellation_id, actor=principal.actor)
    visit.flash("info", visit._("The failed objects are sent to TikTok again."))
    return visit.redirect(f"/cancellations/{cancellation_id}")


def _item_action(
    request: Request, visit: Visit, uow: UnitOfWork, cancellation_id: int, item_id: int, what: str
) -> Response:
    principal = visit.principal
    reads_service.check_item(uow, principal.workspace_id, cancellation_id, item_id)
    close_unit(request, None)  # no transaction waits on TikTok
    db = console_of(request).st.db
    if what == "undo":
        cancel_undo.undo(db, principal.workspace_id, item_id, actor=principal.actor)
        visit.flash("success", visit._("It is switched on again on TikTok."))
    else:
        made = cancel_undo.recreate(db, principal.workspace_id, item_id, actor=principal.actor)
        visit.flash(
            "success",
            visit._(
                "The campaign is re-created on TikTok as %(id)s.", id=made["recreated_object_id"]
            ),
        )
    return visit.redirect(f"/cancellations/{cancellation_id}")


@router.post("/cancellations/{cancellation_id}/items/{item_id}/undo")
def undo(
    request: Request, visit: OperatorVisit, uow: Uow, cancellation_id: int, item_id: int
) -> Response:
    return _item_action(request, visit, uow, cancellation_id, item_id, "undo")


@router.post("/cancellations/{cancellation_id}/items/{item_id}/recreate")
def recreate(
    request: Request, visit: OperatorVisit, uow: Uow, cancellation_id: int, item_id: int
) -> Response:
    return _item_action(request, visit, uow, cancellation_id, item_id, "recreate")
