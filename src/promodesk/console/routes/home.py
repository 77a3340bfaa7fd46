"""The dashboard: the workspace's jobs by status, its latest operations and audit events."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.audit import service as audit
from promodesk.campaigns.service.retrospective import card as retro_card
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit
from promodesk.kit.jobs.repository import JobRepository
from promodesk.operations import service as operations
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
COUNT_CAP = 100


@router.get("/")
def dashboard(visit: ViewerVisit, uow: Uow) -> Response:
    workspace_id = visit.principal.workspace_id
    jobs = JobRepository(uow)
    counts = {
        status: len(jobs.search(status=status, workspace_id=workspace_id, limit=COUNT_CAP + 1))
        for status in ("queued", "running", "dead")
    }
    events = audit.list_events(uow, workspace_id, limit=8)
    return visit.page(
        "dashboard.html",
        counts=counts,
        cap=COUNT_CAP,
        ops=[operations.as_dict(o) for o in operations.list_ops(uow, workspace_id, limit=5)],
        events=events,
        who=tenancy.actor_names(uow, workspace_id, [e.actor for e in events]),
        cancel_week=retro_card.week_card(uow, workspace_id),
    )
