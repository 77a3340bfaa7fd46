"""Health, Prometheus metrics and the durable jobs over HTTP."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.errors import Forbidden, NotFound, Unauthorized
from promodesk.kit.jobs import service as jobs
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.metrics import JOB_QUEUE, WORKER_HEARTBEAT_AGE
from promodesk.kit.pagination import Page, after, fetch, page
from promodesk.web import Admin, ApiRoute, Caller, Cursor, Limit, Uow, errors, state

log = logging.getLogger("promodesk")

router = APIRouter(route_class=ApiRoute)
api = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["system"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool
    worker_heartbeat_age_seconds: float | None
    jobs: dict[str, int]


@router.get(
    "/healthz",
    response_model=Health,
    tags=["system"],
    responses={503: {"model": Health, "description": "the database is unreachable"}},
)
def healthz(request: Request, response: Response) -> Health:
    """Liveness and readiness: the database answers, and how old the last worker heartbeat is.

    It opens its own read-only transaction (not the request's ``Uow``; on SQLite it never
    waits for a writer) so that an unreachable database is
    reported as 503 ``degraded`` instead of failing the request."""
    try:
        with state(request).db.read() as uow:
            repo = JobRepository(uow)
            last = repo.last_heartbeat()
            depth = repo.depth()
        db_ok = True
    except Exception:
        log.warning("health check: database unreachable", exc_info=True)
        last, depth, db_ok = None, {}, False
    age = round((clock.now() - last).total_seconds(), 3) if last else None
    if not db_ok:
        response.status_code = 503
    return Health(
        status="ok" if db_ok else "degraded",
        database=db_ok,
        worker_heartbeat_age_seconds=age,
        jobs=depth,
    )


@router.get(
    "/metrics",
    tags=["system"],
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **errors(401, 403),
    },
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, latencies, job queue depth, job failures, worker age.

    With ``PROMODESK_METRICS_TOKEN`` set, only ``Authorization: Bearer <token>`` is answered
    (Prometheus: ``authorization: {credentials: <token>}`` in the scrape config). Without it,
    only the machine itself is: a loopback client with no forwarding headers."""
    _check_metrics_access(request, state(request).settings.metrics_token)
    try:
        with state(request).db.read() as uow:
            repo = JobRepository(uow)
            depth = repo.depth()
            last = repo.last_heartbeat()
    except Exception:
        log.warning("metrics: database unreachable", exc_info=True)
        depth, last = {}, None
    for status in ("queued", "running", "done", "dead", "cancelled"):
        JOB_QUEUE.labels(status=status).set(depth.get(status, 0))
    WORKER_HEARTBEAT_AGE.set((clock.now() - last).total_seconds() if last else -1)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _check_metrics_access(request: Request, token: str) -> None:
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        given = sent.strip().encode("utf-8", "replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, token.encode()):
            raise Unauthorized("send the metrics token as 'Authorization: Bearer <token>'")
        return
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback or any(name in request.headers for name in FORWARDING_HEADERS):
        raise Forbidden(
            "metrics are answered only on this machine; set PROMODESK_METRICS_TOKEN and send "
            "it as a bearer token to scrape them from elsewhere"
        )


class JobRead(BaseModel):
    id: int
    name: str
    status: str
    attempts: int
    max_attempts: int
    run_at: datetime
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None
    payload: dict[str, Any]


def _job(j: Any) -> JobRead:
    return JobRead(
        id=j.id,
        name=j.name,
        status=j.status,
        attempts=j.attempts,
        max_attempts=j.max_attempts,
        run_at=j.run_at,
        created_at=j.created_at,
        finished_at=j.finished_at,
        last_error=j.last_error,
        payload=j.payload,
    )


@api.get("/jobs", response_model=Page[JobRead])
def list_jobs(
    uow: Uow,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Literal["queued", "running", "done", "dead", "cancelled"] | None = None,
) -> Page[JobRead]:
    rows = JobRepository(uow).search(
        status=status, workspace_id=caller.workspace_id, before_id=after(cursor), limit=fetch(limit)
    )
    return Page[JobRead](**page([_job(j) for j in rows], limit))


@api.get("/jobs/{job_id}", response_model=JobRead)
def get_job(job_id: int, uow: Uow, caller: Caller) -> JobRead:
    job = JobRepository(uow).get(job_id, caller.workspace_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return _job(job)


@api.post("/jobs/{job_id}/retry", response_model=JobRead)
def retry_job(job_id: int, uow: Uow, caller: Admin) -> JobRead:
    prior = JobRepository(uow).get(job_id, caller.workspace_id)
    before = {"status": prior.status, "attempts": prior.attempts} if prior else None
    job = jobs.retry(uow, job_id, caller.workspace_id)
    audit.record(
        uow,
        workspace_id=caller.workspace_id,
        actor=caller.actor,
        action="job.retried",
        object_type="job",
        object_id=job.id,
        before=before,
        after={"status": job.status, "attempts": job.attempts},
    )
    return _job(job)
