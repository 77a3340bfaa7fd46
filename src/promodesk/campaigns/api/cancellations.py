"""Cancellations of campaigns, ad groups and ads: preview, confirm, read, retry, undo, re-create.

Operators act; viewers may read and preview (a preview changes nothing). Every POST takes an
``Idempotency-Key``: a replay answers the first response and cancels nothing twice."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from promodesk.campaigns.schemas.cancellations import (
    CampaignCancelPreview,
    CancelCreate,
    CancellationPage,
    CancellationRead,
    CancelSelection,
    ItemRead,
)
from promodesk.campaigns.service.cancellations import confirm as cancel_confirm
from promodesk.campaigns.service.cancellations import preview as cancel_preview
from promodesk.campaigns.service.cancellations import reads as cancel_reads
from promodesk.campaigns.service.cancellations import undo as cancel_undo
from promodesk.kit.pagination import after, fetch, page
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow, Writer, state

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["tiktok cancellations"])


def _ids(uow: Uow, workspace_id: int, body: CancelSelection) -> list[int]:
    return cancel_preview.resolve(
        uow,
        workspace_id,
        body.level,
        ids=body.ids,
        tiktok_ids=body.tiktok_ids,
        ad_account_id=body.ad_account_id,
    )


@router.post(
    "/cancellations/preview",
    response_model=CampaignCancelPreview,
    openapi_extra={"x-promodesk-dry-run": True},
)
def preview(body: CancelSelection, uow: Uow, caller: Caller) -> Any:
    """Per object and per currency: budget, spent to date and today, what the cancel frees,
    live children, last 7 days and their share, what TikTok will do. Nothing changes.
    404 for an id not in the workspace; 409 ``Refusal`` (``object_deleted``) for a deleted one."""
    ids = _ids(uow, caller.workspace_id, body)
    return cancel_preview.preview(uow, caller.workspace_id, body.level, ids, body.action)


@router.post("/cancellations", response_model=CancellationRead, status_code=201)
def create(body: CancelCreate, uow: Uow, caller: Writer) -> Any:
    """Cancel: the operation runs in the background (``operation`` shows its progress); the
    objects are read back after the settle delay and again later (``verify_status``).
    422 for a missing reason (``reason_code``) or a missing note for ``other``."""
    ids = _ids(uow, caller.workspace_id, body)
    c = cancel_confirm.confirm(
        uow,
        caller.workspace_id,
        body.level,
        ids,
        body.action,
        body.reason_code,
        body.note,
        actor=caller.actor,
    )
    return cancel_reads.get(uow, caller.workspace_id, c.id)


@router.get("/cancellations", response_model=CancellationPage)
def list_cancellations(
    uow: Uow,
    caller: Caller,
    status: Annotated[str | None, Query(max_length=16)] = None,
    reason_code: Annotated[str | None, Query(max_length=32)] = None,
    action: Annotated[str | None, Query(max_length=16)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    """Newest first. Filters: ``status`` (running, done, partial, failed), ``reason_code``,
    ``action`` (pause, delete); an unknown value is a 422 naming it."""
    rows = cancel_reads.list_cancellations(
        uow,
        caller.workspace_id,
        before_id=after(cursor),
        limit=fetch(limit),
        status=status,
        reason_code=reason_code,
        action=action,
    )
    return page(rows, limit, key=lambda r: int(r["id"]))


@router.get("/cancellations/{cancellation_id}", response_model=CancellationRead)
def get_cancellation(cancellation_id: int, uow: Uow, caller: Caller) -> Any:
    """The cancellation with its items, progress and verification."""
    return cancel_reads.get(uow, caller.workspace_id, cancellation_id)


@router.post("/cancellations/{cancellation_id}/retry", response_model=CancellationRead)
def retry(cancellation_id: int, uow: Uow, caller: Writer) -> Any:
    """Run the failed items again; done ones are not touched. 409 when none failed."""
    cancel_confirm.retry(uow, caller.workspace_id, cancellation_id, actor=caller.actor)
    return cancel_reads.get(uow, caller.workspace_id, cancellation_id)


@router.post("/cancellations/{cancellation_id}/items/{item_id}/undo", response_model=ItemRead)
def undo(cancellation_id: int, item_id: int, request: Request, uow: Uow, caller: Writer) -> Any:
    """Switch a paused object on again (TikTok ENABLE) and take back what its cancel freed
    and the pool still holds. 409 ``Refusal`` for a deleted object (``deleted_final``)."""
    cancel_reads.check_item(uow, caller.workspace_id, cancellation_id, item_id)
    uow.commit()  # no transaction stays open while TikTok answers
    return cancel_undo.undo(state(request).db, caller.workspace_id, item_id, actor=caller.actor)


@router.post("/cancellations/{cancellation_id}/items/{item_id}/recreate", response_model=ItemRead)
def recreate(cancellation_id: int, item_id: int, request: Request, uow: Uow, caller: Writer) -> Any:
    """Re-create a deleted campaign, its ad groups and ads from the snapshot; the new TikTok
    ids are linked on the item (``recreated_object_id``, ``recreated``)."""
    cancel_reads.check_item(uow, caller.workspace_id, cancellation_id, item_id)
    uow.commit()
    return cancel_undo.recreate(state(request).db, caller.workspace_id, item_id, actor=caller.actor)
