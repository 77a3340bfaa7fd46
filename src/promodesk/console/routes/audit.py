"""The audit log with filters (action prefix, object type, actor, date range) and paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.audit import service as audit
from promodesk.console import forms
from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
MAX_TEXT = 100


def _day(visit: Visit, value: str, label: str) -> datetime | None:
    """A ``YYYY-MM-DD`` day as midnight UTC; anything else is ignored with a warning."""
    try:
        day = forms.day(value, "day")
    except ValidationFailed:
        visit.flash("warning", visit._("%(field)s is not a date (YYYY-MM-DD).", field=label))
        return None
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.get("/audit")
def audit_page(
    visit: ViewerVisit,
    uow: Uow,
    action: str = "",
    object_type: str = "",
    actor: str = "",
    since: str = "",
    until: str = "",
    before: str = "",
) -> Response:
    filters = {
        "action": forms.clean(action, MAX_TEXT),
        "object_type": forms.clean(object_type, MAX_TEXT),
        "actor": forms.clean(actor, MAX_TEXT),
        "since": forms.clean(since, 10),
        "until": forms.clean(until, 10),
    }
    start = _day(visit, filters["since"], visit._("From"))
    end = _day(visit, filters["until"], visit._("To"))
    cursor = parse_before(before)
    rows = audit.list_events(
        uow,
        visit.principal.workspace_id,
        action=filters["action"] or None,
        object_type=filters["object_type"] or None,
        # a member's email finds what they did, as their user:ID was recorded
        actor=tenancy.actor_of(uow, visit.principal.workspace_id, filters["actor"]) or None,
        since=start,
        # "to" is inclusive: everything before the next midnight
        until=end + timedelta(days=1) if end else None,
        before_id=cursor,
        limit=PAGE_SIZE + 1,
    )
    shown, pager = Pager.of(rows, "/audit", filters, cursor)
    who = tenancy.actor_names(uow, visit.principal.workspace_id, [e.actor for e in shown])
    return visit.page("audit.html", events=shown, pager=pager, filters=filters, who=who)
