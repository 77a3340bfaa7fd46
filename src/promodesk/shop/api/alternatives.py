"""The safer alternatives to a cancel over HTTP: replace (with its preview), stock to zero (one
or several enrollments) and presale."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from promodesk.shop.schemas.alternatives import PresaleIn, ReplaceIn, StockZeroIn, StockZeroOut
from promodesk.shop.schemas.catalog import EnrollmentRead
from promodesk.shop.service import alternatives as alternatives_service
from promodesk.shop.service import presale as presale_service
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service import stock_zero as stock_zero_service
from promodesk.web import ApiRoute, Caller, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop", tags=["shop"])


@router.post(
    "/enrollments/{enrollment_id}/replace/preview",
    response_model=dict[str, Any],
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may preview
)
def replace_preview(enrollment_id: int, body: ReplaceIn, uow: Uow, caller: Caller) -> Any:
    """What a replace would do (prices, discount, review, checks, every activity touched);
    nothing changes."""
    return replace_service.preview_replace(
        uow,
        caller.workspace_id,
        enrollment_id,
        body.product_id,
        activity_price_minor=body.activity_price_minor,
    )


@router.post("/enrollments/{enrollment_id}/replace", response_model=EnrollmentRead, status_code=201)
def replace(enrollment_id: int, body: ReplaceIn, uow: Uow, caller: Writer) -> Any:
    """The replacement takes the slot and the offers; its activity price keeps the discount
    percentage unless one is given; it goes to review when the activity's rules say so.
    Undone by restoring the snapshot it took."""
    return replace_service.replace(
        uow,
        caller.workspace_id,
        enrollment_id,
        body.product_id,
        activity_price_minor=body.activity_price_minor,
        actor=caller.actor,
    )


@router.post("/enrollments/stock-zero", response_model=StockZeroOut)
def stock_zero_many(body: StockZeroIn, uow: Uow, caller: Writer) -> Any:
    """Stock to zero for several enrollments: each succeeds or fails on its own, with an error
    code, its activity id and product id (200 either way; ``failed`` counts the failures).
    Each item lists every enrollment of its product (``enrollments``, all activities) with its
    verdict; 409 ``BreaksOtherActivity`` (nothing changed) when another activity's guardrails
    would break, unless an admin sends ``force`` (audited). ``dry_run``: the plan only."""
    workspace_id = caller.workspace_id
    if body.dry_run:
        items = stock_zero_service.check(uow, workspace_id, body.enrollment_ids)
        failed = sum(1 for i in items if not i["ok"])
        return {"dry_run": True, "done": 0, "failed": failed, "items": items}
    return stock_zero_service.stock_to_zero_many(
        uow,
        workspace_id,
        body.enrollment_ids,
        actor=caller.actor,
        force=body.force,
        role=caller.role,
    )


@router.post("/enrollments/{enrollment_id}/stock-zero", response_model=EnrollmentRead)
def stock_zero(enrollment_id: int, uow: Uow, caller: Writer, force: bool = False) -> Any:
    """Visible but not purchasable; delisted after the activity's delay unless restocked. The
    product's other enrollments are planned too: 409 ``BreaksOtherActivity`` when another
    activity's guardrails would break, unless an admin passes ``force=true`` (audited)."""
    return alternatives_service.stock_to_zero(
        uow, caller.workspace_id, enrollment_id, actor=caller.actor, force=force, role=caller.role
    )


@router.post("/enrollments/{enrollment_id}/presale", response_model=EnrollmentRead)
def presale(enrollment_id: int, body: PresaleIn, uow: Uow, caller: Writer) -> Any:
    return presale_service.set_presale(
        uow,
        caller.workspace_id,
        enrollment_id,
        shipping_days=body.shipping_days,
        actor=caller.actor,
    )
