"""The dashboard and the pages of features that are not built yet (honest empty states)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.audit import service as audit
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit
from promodesk.kit.jobs.repository import JobRepository
from promodesk.operations import service as operations
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
COUNT_CAP = 100


@dataclass(frozen=True)
class Feature:
    slug: str
    title: str
    summary: str
    points: tuple[str, ...]


# Every feature has its pages now; a feature still being built is listed here.
FEATURES: dict[str, Feature] = {}


@router.get("/")
def dashboard(visit: ViewerVisit, uow: Uow) -> Response:
    ws = visit.principal.workspace_id
    jobs = JobRepository(uow)
    counts = {
        status: len(jobs.search(status=status, workspace_id=ws, limit=COUNT_CAP + 1))
        for status in ("queued", "running", "dead")
    }
    events = audit.list_events(uow, ws, limit=8)
    return visit.page(
        "dashboard.html",
        counts=counts,
        cap=COUNT_CAP,
        ops=[operations.as_dict(o) for o in operations.list_ops(uow, ws, limit=5)],
        events=events,
        who=tenancy.actor_names(uow, ws, [e.actor for e in events]),
        features=list(FEATURES.values()),
    )


def _feature_page(slug: str) -> None:
    feature = FEATURES[slug]

    def page(visit: ViewerVisit) -> Response:
        return visit.page("feature.html", feature=feature)

    page.__name__ = f"{slug}_page"
    router.add_api_route(f"/{slug}", page, methods=["GET"])


for _slug in FEATURES:
    _feature_page(_slug)
