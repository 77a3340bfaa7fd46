"""The review queue: video orders waiting for a reviewer and LIVE orders delivering unreviewed.
Each order opens on a review page (the confirmation) with Approve, and Reject with a reason."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.kit.errors import ValidationFailed
from promodesk.promote.domain.orders import ReviewStatus
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/promote/review")
def review_queue(visit: ViewerVisit, uow: Uow, before: str = "") -> Response:
    workspace_id = visit.principal.workspace_id
    cursor = parse_before(before)
    rows = review_service.review_queue(uow, workspace_id, before_id=cursor, limit=PAGE_SIZE + 1)
    orders, pager = Pager.of(rows, "/promote/review", {}, cursor)
    handles = {
        cid: creators_service.get_creator(uow, workspace_id, cid).handle
        for cid in {o.creator_id for o in orders}
    }
    return visit.page("promote/review.html", orders=orders, pager=pager, handles=handles)


@router.get("/promote/review/{order_id}")
def review_order(visit: ViewerVisit, uow: Uow, order_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    order = orders_service.get_order(uow, workspace_id, order_id)
    return visit.page(
        "promote/review_order.html",
        order=order,
        creator=creators_service.get_creator(uow, workspace_id, order.creator_id),
        content=creators_service.get_content(uow, workspace_id, order.content_id),
        pending=order.review_status == ReviewStatus.PENDING,
    )


@router.post("/promote/orders/{order_id}/approve")
def approve(visit: OperatorVisit, uow: Uow, order_id: int) -> Response:
    principal = visit.principal
    review_service.approve_order(uow, principal.workspace_id, order_id, actor=principal.actor)
    visit.flash("success", visit._("Order %(id)s is approved.", id=order_id))
    return visit.redirect("/promote/review")


@router.post("/promote/orders/{order_id}/reject")
def reject(visit: OperatorVisit, uow: Uow, order_id: int) -> Response:
    principal = visit.principal
    reason = forms.clean(visit.form.get("reason", ""), 500)
    if not reason:
        raise ValidationFailed(visit._("Give the creator a reason for the rejection."))
    review_service.reject_order(
        uow, principal.workspace_id, order_id, reason=reason, actor=principal.actor
    )
    visit.flash(
        "success",
        visit._("Order %(id)s is rejected; its coins go back to the wallet.", id=order_id),
    )
    return visit.redirect("/promote/review")
