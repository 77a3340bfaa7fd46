"""Operations: the list, one operation with a live progress bar, and its JSON for the bar.

The bar polls ``/console/operations/{id}.json`` (session cookie, this workspace only) with the
console's own script; without JavaScript the page refreshes itself until the work is over.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from promodesk.audit import service as audit
from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.operations import service as operations
from promodesk.operations.jobs import start_demo_operation

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
REFRESH_SECONDS = 2
DEMO_ITEMS = 25
DEMO_DELAY_MS = 250


@router.get("/operations")
def operation_list(visit: ViewerVisit, uow: Uow, before: str = "") -> Response:
    cursor = parse_before(before)
    rows = operations.list_ops(
        uow, visit.principal.workspace_id, before_id=cursor, limit=PAGE_SIZE + 1
    )
    shown, pager = Pager.of(rows, "/operations", {}, cursor)
    return visit.page("operations.html", ops=[operations.as_dict(o) for o in shown], pager=pager)


@router.get("/operations/{op_id}")
def operation_detail(visit: ViewerVisit, uow: Uow, op_id: int) -> Response:
    op = operations.as_dict(operations.get(uow, visit.principal.workspace_id, op_id))
    running = op["state"] not in operations.FINAL_STATES
    return visit.page(
        "operation.html",
        op=op,
        running=running,
        refresh=REFRESH_SECONDS if running else None,
    )


@router.get("/console/operations/{op_id}.json")
def operation_json(visit: ViewerVisit, uow: Uow, op_id: int) -> Response:
    op = operations.as_dict(operations.get(uow, visit.principal.workspace_id, op_id))
    op["final"] = op["state"] in operations.FINAL_STATES
    return JSONResponse(op, headers={"Cache-Control": "no-store"})


@router.post("/operations/demo")
def demo_operation(visit: OperatorVisit, uow: Uow) -> Response:
    """Start the ``demo.count`` operation so that a user can watch a bar move."""
    principal = visit.principal
    op = start_demo_operation(
        uow,
        principal.workspace_id,
        DEMO_ITEMS,
        delay_ms=DEMO_DELAY_MS,
        created_by=principal.actor,
    )
    audit.record(
        uow,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="operation.started",
        object_type="operation",
        object_id=op.id,
        after={"kind": op.kind, "total": op.total},
    )
    visit.flash("success", visit._("The demo operation has started."))
    return visit.redirect(f"/operations/{op.id}")
