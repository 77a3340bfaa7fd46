"""Shop cancels over HTTP: the preview (dry run), cancel now / in the window / as a batch, the
batches with their items, retry and call-off."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from promodesk.kit.pagination import after, fetch, page
from promodesk.shop.domain.selection import parse_csv_ids
from promodesk.shop.schemas.cancel import (
    BatchItemPage,
    BatchPage,
    BatchRead,
    CancelIn,
    CancelOut,
    CancelPreview,
    SelectionIn,
)
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service import window as window_service
from promodesk.shop.service.batches import Selection
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop", tags=["shop"])


def selection(body: SelectionIn) -> Selection:
    products = list(body.product_ids or [])
    if body.product_ids_csv is not None:
        products += parse_csv_ids(body.product_ids_csv, "product_ids_csv")
    return Selection(
        enrollment_ids=body.enrollment_ids,
        activity_id=body.activity_id,
        shop_id=body.shop_id,
        product_ids=products
        if (body.product_ids is not None or body.product_ids_csv is not None)
        else None,
        states=body.states,
    )


@router.post(
    "/preview",
    response_model=CancelPreview,
    # the optional fields of an item are left out where they do not apply, as they always were
    response_model_exclude_unset=True,
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may preview
)
def preview(body: SelectionIn, uow: Uow, caller: Caller) -> Any:
    """What a cancel of the selection would do; nothing changes."""
    return preview_service.preview(uow, caller.workspace_id, selection(body))


@router.post("/cancel", response_model=CancelOut, response_model_exclude_unset=True)
def cancel(body: CancelIn, uow: Uow, caller: Writer) -> Any:
    """Cancel the selection: ``now`` (all or nothing; 409 GuardrailViolation with the rule,
    numbers and alternatives), ``window`` (the next low-traffic window, cancellable until it
    runs) or ``batch`` (per-item results, progress, retry). ``dry_run`` = the preview."""
    sel = selection(body)
    workspace_id = caller.workspace_id
    if body.dry_run:
        return {
            "dry_run": True,
            "preview": preview_service.preview(uow, workspace_id, sel),
            "batches": [],
        }
    common: dict[str, Any] = {
        "reason": body.reason,
        "reason_text": body.reason_text,
        "force": body.force,
        "actor": caller.actor,
        "role": caller.role,
    }
    if body.mode == "now":
        batches = [batch_service.cancel_now(uow, workspace_id, sel, **common)]
    elif body.mode == "window":
        batches = window_service.schedule_in_window(uow, workspace_id, sel, **common)
    else:
        batches = [batch_service.start_batch(uow, workspace_id, sel, **common)]
    return {"dry_run": False, "preview": None, "batches": batches}


@router.get("/batches", response_model=BatchPage)
def list_batches(uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """Newest first; ``next_cursor`` continues with older batches."""
    rows = batch_service.list_batches(uow, caller.workspace_id, after(cursor), fetch(limit))
    return page(rows, limit)


@router.get("/batches/{batch_id}", response_model=BatchRead)
def get_batch(batch_id: int, uow: Uow, caller: Caller) -> Any:
    return batch_service.get_batch(uow, caller.workspace_id, batch_id)


@router.get("/batches/{batch_id}/items", response_model=BatchItemPage)
def batch_items(
    batch_id: int,
    uow: Uow,
    caller: Caller,
    status: Annotated[str | None, Query(max_length=10)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    rows = batch_service.batch_items(
        uow,
        caller.workspace_id,
        batch_id,
        status=status,
        after_id=after(cursor) or 0,
        limit=fetch(limit),
    )
    return page(rows, limit)


@router.post("/batches/{batch_id}/retry", response_model=BatchRead)
def retry_batch(batch_id: int, uow: Uow, caller: Writer) -> Any:
    """Run the failed items again; the done ones are not touched."""
    return batch_service.retry_failed(
        uow, caller.workspace_id, batch_id, actor=caller.actor, role=caller.role
    )


@router.post("/batches/{batch_id}/call-off", response_model=BatchRead)
def call_off(batch_id: int, uow: Uow, caller: Writer) -> Any:
    """Call off a cancel scheduled in the window before it runs."""
    return window_service.cancel_scheduled(uow, caller.workspace_id, batch_id, actor=caller.actor)
