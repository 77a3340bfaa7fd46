"""Jobs: the list with a status filter, one job, and re-running a job (preview, confirm)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.audit import service as audit
from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import AdminVisit, Uow, ViewerVisit
from promodesk.kit.jobs import service as jobs
from promodesk.kit.jobs.domain import RETRYABLE, JobStatus
from promodesk.kit.jobs.repository import JobRepository

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
STATUSES = tuple(s.value for s in JobStatus)


@router.get("/jobs")
def job_list(visit: ViewerVisit, uow: Uow, status: str = "", before: str = "") -> Response:
    if status and status not in STATUSES:
        visit.flash("warning", visit._("Unknown status; showing every job."))
        status = ""
    cursor = parse_before(before)
    rows = JobRepository(uow).search(
        status=status or None,
        workspace_id=visit.principal.workspace_id,
        before_id=cursor,
        limit=PAGE_SIZE + 1,
    )
    shown, pager = Pager.of(rows, "/jobs", {"status": status}, cursor)
    return visit.page("jobs.html", jobs=shown, pager=pager, current=status, statuses=STATUSES)


@router.get("/jobs/{job_id}")
def job_detail(visit: ViewerVisit, uow: Uow, job_id: int) -> Response:
    job = jobs.get(uow, job_id, visit.principal.workspace_id)
    return visit.page("job.html", job=job, retryable=job.status in RETRYABLE)


@router.get("/jobs/{job_id}/retry")
def retry_preview(visit: AdminVisit, uow: Uow, job_id: int) -> Response:
    """What a re-run will do, before anything happens."""
    job = jobs.get(uow, job_id, visit.principal.workspace_id)
    return visit.page("job_retry.html", job=job, retryable=job.status in RETRYABLE)


@router.post("/jobs/{job_id}/retry")
def retry_confirm(visit: AdminVisit, uow: Uow, job_id: int) -> Response:
    principal = visit.principal
    prior = jobs.get(uow, job_id, principal.workspace_id)
    before = {"status": prior.status, "attempts": prior.attempts}
    job = jobs.retry(uow, job_id, principal.workspace_id)
    audit.record(
        uow,
        workspace_id=principal.workspace_id,
        actor=principal.actor,
        action="job.retried",
        object_type="job",
        object_id=job.id,
        before=before,
        after={"status": job.status, "attempts": job.attempts},
    )
    visit.flash("success", visit._("Job %(id)s is queued to run again.", id=job.id))
    return visit.redirect(f"/jobs/{job.id}")
