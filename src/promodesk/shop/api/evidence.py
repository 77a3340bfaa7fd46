"""The evidence of shop changes over HTTP: snapshots (list, get, export JSON, restore),
verification results and the review (复盘) with its CSV."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.kit.pagination import after, fetch, page
from promodesk.shop.schemas.evidence import (
    RestoreRead,
    SnapshotPage,
    SnapshotRead,
    VerificationPage,
)
from promodesk.shop.service import review as review_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service import verification as verification_service
from promodesk.web import ApiRoute, Caller, Cursor, Limit, OptId, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop", tags=["shop"])


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
        after_id=after(cursor) or 0,
        limit=fetch(limit),
        enrollment_id=enrollment_id,
        batch_id=batch_id,
    )
    return page(rows, limit)


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


@router.post("/snapshots/{snapshot_id}/restore", response_model=RestoreRead)
def restore_snapshot(snapshot_id: int, uow: Uow, caller: Writer) -> Any:
    """Undo a change from its snapshot; a linked shop's product goes back on the platform
    too (``platform_write``: the write's key, verified by reading back)."""
    enrollment = snapshots_service.restore(
        uow, caller.workspace_id, snapshot_id, actor=caller.actor
    )
    return RestoreRead.model_validate(enrollment).model_copy(
        update={
            "platform_write": snapshots_service.platform_write_key(
                uow, caller.workspace_id, snapshot_id
            )
        }
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
        after_id=after(cursor) or 0,
        limit=fetch(limit),
    )
    return page(rows, limit)


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
