"""The stops everywhere made, newest first: filters, cursor pages, each stop's channels with
their step status, the money it planned, its verification and whether a retry or a restart
is possible (``promotions.service.stop_list``). Viewers see it; the actions are on each stop's
page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money, price_text
from promodesk.promotions.domain.index import Channel
from promodesk.promotions.domain.stop import Reason
from promodesk.promotions.domain.stop_list import StopStatus, stop_filters
from promodesk.promotions.service.stop_list import list_stops
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 50
FILTER_KEYS = ("status", "channel", "reason", "created_by", "created_since", "created_until")


def _url(values: dict[str, str]) -> str:
    kept = {k: v for k, v in values.items() if v}
    return "/promotions/stops" + ("?" + urlencode(kept) if kept else "")


def _row(visit: Visit, r: dict[str, Any]) -> dict[str, Any]:
    return {
        **r,
        "when": r["created_at"][:16].replace("T", " "),
        "money": [
            (m["what"], price_text(Money(int(m["minor"]), m["currency"]), visit.locale))
            for m in r["planned_money"]
        ],
    }


@router.get("/promotions/stops")
def stops_home(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The list; an unknown filter value is said beside the filters and lists nothing."""
    q = request.query_params
    query = {k: q.get(k, "").strip()[:200] for k in (*FILTER_KEYS, "cursor")}
    error: ValidationFailed | None = None
    page = None
    try:
        chosen = stop_filters(**{k: query[k] or None for k in FILTER_KEYS})
        page = list_stops(
            uow, visit.principal.workspace_id, chosen, query["cursor"] or None, limit=LIMIT
        )
    except ValidationFailed as exc:
        error = exc
    kept = {k: query[k] for k in FILTER_KEYS}
    rows = page["items"] if page else []
    who = tenancy.actor_names(uow, visit.principal.workspace_id, [r["created_by"] for r in rows])
    return visit.page(
        "promotions/stops.html",
        status=422 if error else 200,
        query=query,
        filtered=any(kept.values()),
        error_field=error.field if error else None,
        error_text=visit.error_text(error) if error else None,
        rows=[_row(visit, r) for r in rows],
        who=who,
        next_url=_url({**kept, "cursor": page["next_cursor"]})
        if page and page["next_cursor"]
        else None,
        first_url=_url(kept) if query["cursor"] else None,
        statuses=[s.value for s in StopStatus],
        channels=[c.value for c in Channel],
        reasons=[r.value for r in Reason],
    )
