"""Shop cancels over HTTP: preview (dry run), cancel now / in the window / as a batch, batches
and retry, snapshots (get, export JSON, restore), the alternatives (replace, stock to zero,
presale), verification results and the review (复盘) with its CSV."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from promodesk.kit.pagination import cursor_int, decode_cursor, encode_cursor
from promodesk.shop.api.catalog import after, next_cursor
from promodesk.shop.domain.selection import parse_csv_ids
from promodesk.shop.schemas import (
    BatchItemPage,
    BatchPage,
    BatchRead,
    CancelIn,
    CancelOut,
    EnrollmentRead,
    PresaleIn,
    ReplaceIn,
    SelectionIn,
    SnapshotPage,
    SnapshotRead,
    StockZeroIn,
    StockZeroOut,
    VerificationPage,
)
from promodesk.shop.service import alternatives as alternatives_service
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service import review as review_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service import stock_zero as stock_zero_service
from promodesk.shop.service import verification as verification_service
from promodesk.shop.service import window as window_service
from promodesk.shop.service.batches import Selection
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop", tags=["shop"])
OptId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


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
    response_model=dict[str, Any],
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may preview
)
def preview(body: SelectionIn, uow: Uow, caller: Caller) -> Any:
    """What a cancel of the selection would do; nothing changes."""
    return preview_service.preview(uow, caller.workspace_id, selection(body))


@router.post("/cancel", response_model=CancelOut)
def cancel(body: CancelIn, uow: Uow, caller: Writer) -> Any:
    """Cancel the selection: ``now`` (all or nothing; 409 GuardrailViolation with the rule,
    numbers and alternatives), ``window`` (the next low-traffic window, cancellable until it
    runs) or ``batch`` (per-item results, progress, retry). ``dry_run`` = the preview."""
    sel = selection(body)
    ws = caller.workspace_id
    if body.dry_run:
        return {"dry_run": True, "preview": preview_service.preview(uow, ws, sel)}
    common: dict[str, Any] = {
        "reason": body.reason,
        "reason_text": body.reason_text,
        "force": body.force,
        "actor": caller.actor,
        "role": caller.role,
    }
    if body.mode == "now":
        batches = [batch_service.cancel_now(uow, ws, sel, **common)]
    elif body.mode == "window":
        batches = window_service.schedule_in_window(uow, ws, sel, **common)
    else:
        batches = [batch_service.start_batch(uow, ws, sel, **common)]
    return {"dry_run": False, "batches": batches}


@router.get("/batches", response_model=BatchPage)
def list_batches(uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """Newest first; ``next_cursor`` continues with older batches."""
    before = cursor_int(decode_cursor(cursor), "before")
    rows = batch_service.list_batches(uow, caller.workspace_id, before, limit)
    more = len(rows) == limit
    return {"items": rows, "next_cursor": encode_cursor({"before": rows[-1].id}) if more else None}


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
        uow, caller.workspace_id, batch_id, status=status, after_id=after(cursor), limit=limit
    )
    return {"items": rows, "next_cursor": next_cursor(rows, limit)}


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


@router.get("/snapshots", response_model=SnapshotPage)
def list_snapshots(
    uow: Uow,
    caller: Caller,
    enrollment_id: OptId = None,
    batch_id: OptId = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    rows = snapshots_service.list_snapshots(
        uow,
        caller.workspace_id,
        after_id=after(cursor),
        limit=limit,
        enrollment_id=enrollment_id,
        batch_id=batch_id,
    )
    return {"items": rows, "next_cursor": next_cursor(rows, limit)}


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotRead)
def get_snapshot(snapshot_id: int, uow: Uow, caller: Caller) -> Any:
    return snapshots_service.get(uow, caller.workspace_id, snapshot_id)


@router.get(
    "/snapshots/{snapshot_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def export_snapshot(snapshot_id: int, uow: Uow, caller: Caller) -> Response:
    snap = snapshots_service.get(uow, caller.workspace_id, snapshot_id)
    body = json.dumps(snapshots_service.export(snap), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="snapshot-{snap.id}.json"'},
    )


@router.post("/snapshots/{snapshot_id}/restore", response_model=EnrollmentRead)
def restore_snapshot(snapshot_id: int, uow: Uow, caller: Writer) -> Any:
    return snapshots_service.restore(uow, caller.workspace_id, snapshot_id, actor=caller.actor)


@router.post(
    "/enrollments/{enrollment_id}/replace/preview",
    response_model=dict[str, Any],
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may preview
)
def replace_preview(enrollment_id: int, body: ReplaceIn, uow: Uow, caller: Caller) -> Any:
    """What a replace would do (prices, discount, review, checks, every activity touched);
    nothing changes."""
    return alternatives_service.preview_replace(
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
    return alternatives_service.replace(
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
    ws = caller.workspace_id
    if body.dry_run:
        items = stock_zero_service.check(uow, ws, body.enrollment_ids)
        failed = sum(1 for i in items if not i["ok"])
        return {"dry_run": True, "done": 0, "failed": failed, "items": items}
    return stock_zero_service.stock_to_zero_many(
        uow, ws, body.enrollment_ids, actor=caller.actor, force=body.force, role=caller.role
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
    return alternatives_service.set_presale(
        uow,
        caller.workspace_id,
        enrollment_id,
        shipping_days=body.shipping_days,
        actor=caller.actor,
    )


@router.get("/verifications", response_model=VerificationPage)
def verifications(
    uow: Uow,
    caller: Caller,
    batch_id: OptId = None,
    passed: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    rows = verification_service.results(
        uow,
        caller.workspace_id,
        batch_id=batch_id,
        passed=passed,
        after_id=after(cursor),
        limit=limit,
    )
    return {"items": rows, "next_cursor": next_cursor(rows, limit)}


@router.get("/activities/{activity_id}/shops/{shop_id}/review", response_model=dict[str, Any])
def review(activity_id: int, shop_id: int, uow: Uow, caller: Caller) -> Any:
    """The review (复盘) of one shop in one activity."""
    return review_service.review(uow, caller.workspace_id, activity_id, shop_id)


@router.get(
    "/activities/{activity_id}/shops/{shop_id}/review.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def review_csv(activity_id: int, shop_id: int, uow: Uow, caller: Caller) -> Response:
    text = review_service.review_csv(uow, caller.workspace_id, activity_id, shop_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="review-{activity_id}-{shop_id}.csv"'
        },
    )
