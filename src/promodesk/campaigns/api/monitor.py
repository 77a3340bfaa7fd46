"""After a cancellation: before/after monitoring, the retrospective of cancellations and its
exports, and the lessons and action items of a cancellation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from promodesk.campaigns.schemas.monitor import (
    ActionItem,
    MonitorRead,
    NotesRead,
    NotesUpdate,
    RetrospectiveRead,
)
from promodesk.campaigns.service.monitor import before_after
from promodesk.campaigns.service.retrospective import export as retro_export
from promodesk.campaigns.service.retrospective import notes as retro_notes
from promodesk.campaigns.service.retrospective import report as retro_report
from promodesk.web import ApiRoute, Caller, OptId, Uow, Writer, errors

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["tiktok cancellations"])

PeriodText = Annotated[
    str | None, Query(max_length=20, description="month, week or custom (default month)")
]
DayText = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (custom period)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/cancellations/{cancellation_id}/monitor", response_model=MonitorRead)
def cancellation_monitor(cancellation_id: int, uow: Uow, caller: Caller) -> MonitorRead:
    """Spend and results per day (``monitor_days`` before and after the stop day) and per
    hour (48 h either side of the stop), the ad account's, other campaigns' and advertiser's
    totals over same-length windows before and after, spend after the stop per item."""
    return MonitorRead(**before_after.monitor(uow, caller.workspace_id, cancellation_id))


@router.get(
    "/retrospective",
    response_model=RetrospectiveRead,
    responses={**errors(404), 200: {"content": {"text/csv": {}, XLSX: {}}}},
)
def retrospective(
    uow: Uow,
    caller: Caller,
    period: PeriodText = None,
    month: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None,
    week: Annotated[str | None, Query(max_length=8, description="YYYY-Www (ISO week)")] = None,
    since: DayText = None,
    until: DayText = None,
    client: OptId = None,
    advertiser: OptId = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> RetrospectiveRead | Response:
    """Cancellations made in the period (UTC days; the current month by default), for one
    client account or advertiser if named. ``format=csv`` or ``xlsx`` downloads the table
    (XLSX with a summary sheet). A client or advertiser of no cancellation is an empty
    retrospective; one that does not exist here is a 404; an unreadable period a 422."""
    data = retro_report.retrospective(
        uow,
        caller.workspace_id,
        period=period or ("custom" if since or until else "week" if week else "month"),
        month=month,
        week=week,
        since=since,
        until=until,
        client_id=client,
        advertiser_id=advertiser,
    )
    name = f"retrospective-{data['period']['since']}-{data['period']['last']}"
    if format == "csv":
        return Response(
            content=retro_export.to_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            content=retro_export.to_xlsx(data),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return RetrospectiveRead(**data)


@router.get("/cancellations/{cancellation_id}/lessons", response_model=NotesRead)
def get_lessons(cancellation_id: int, uow: Uow, caller: Caller) -> NotesRead:
    return NotesRead(**retro_notes.notes(uow, caller.workspace_id, cancellation_id))


@router.put("/cancellations/{cancellation_id}/lessons", response_model=NotesRead)
def put_lessons(cancellation_id: int, body: NotesUpdate, uow: Uow, caller: Writer) -> NotesRead:
    """Replace the lessons and/or the action items of a cancellation (audited)."""
    items = (
        [i.model_dump(mode="json") for i in body.action_items]
        if body.action_items is not None
        else None
    )
    return NotesRead(
        **retro_notes.update_notes(
            uow,
            caller.workspace_id,
            cancellation_id,
            lessons=body.lessons,
            action_items=items,
            actor=caller.actor,
        )
    )


@router.post(
    "/cancellations/{cancellation_id}/action-items", response_model=NotesRead, status_code=201
)
def add_action_item(cancellation_id: int, body: ActionItem, uow: Uow, caller: Writer) -> NotesRead:
    """Add one action item (audited). Send an ``Idempotency-Key``: a retry adds it once."""
    return NotesRead(
        **retro_notes.add_action_item(
            uow,
            caller.workspace_id,
            cancellation_id,
            body.model_dump(mode="json"),
            actor=caller.actor,
        )
    )
