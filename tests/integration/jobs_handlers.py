"""Test-only job handlers and a fresh database per test module (SQLite and PostgreSQL).

The job tests get databases of their own: a worker claims every due job in its database, and
these tests must neither run other tests' jobs nor have theirs run elsewhere.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from promodesk.kit.db import Database
from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch
from promodesk.models import Job
from promodesk.operations import service as operations
from tests import conftest
from tests.api_support import HANG_GUARD

STARTS: Counter[int] = Counter()
RUNNING: set[int] = set()
OVERLAPS: list[int] = []
_lock = threading.Lock()


def own_database(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    prefix = "jobs" if kind == "sqlite" else "pd_jobs"
    with conftest.own_database(kind, prefix, folder=tmp_path_factory.mktemp("jobs")) as db:
        yield db


def reset() -> None:
    with _lock:
        STARTS.clear()
        RUNNING.clear()
        OVERLAPS.clear()
        AHEAD_STARTED.clear()
        AHEAD_EVENTS.clear()
        STOPPING.clear()
    LIGHT_DONE.clear()


def _started(ctx: JobContext) -> None:
    with _lock:
        STARTS[ctx.job_id] += 1
        if ctx.job_id in RUNNING:
            OVERLAPS.append(ctx.job_id)
        RUNNING.add(ctx.job_id)


def _ended(ctx: JobContext) -> None:
    with _lock:
        RUNNING.discard(ctx.job_id)


@handler("t.effect")
def effect(ctx: JobContext) -> None:
    """Counts one item on the payload's operation: a database effect of the job."""
    _started(ctx)
    try:
        time.sleep(float(ctx.payload.get("sleep", 0)))
        # reported at the end of the step, so the operation row is locked only briefly
        operations.progress(ctx.uow, int(ctx.payload["op"]), done=1)
    finally:
        _ended(ctx)


@handler("t.flaky")
def flaky(ctx: JobContext) -> None:
    """Makes its effect, then fails while ``attempt <= fail_until``: the effect must roll back."""
    operations.progress(ctx.uow, int(ctx.payload["op"]), done=1)
    if ctx.attempt <= int(ctx.payload.get("fail_until", 10**6)):
        raise RuntimeError(f"flaky failure on attempt {ctx.attempt}")


@prefetch("t.prefetched")
def prefetched_fetch(ctx: PrefetchContext) -> int:
    """Runs before the handler's transaction: it can read, and may fail the attempt."""
    if ctx.payload.get("fail"):
        raise RuntimeError("the remote side is down")
    with ctx.db.read() as uow:
        operations.get_unscoped(uow, int(ctx.payload["op"]))
    return int(ctx.payload["add"])


@handler("t.prefetched")
def prefetched(ctx: JobContext) -> None:
    """Adds what its prefetch function returned."""
    operations.progress(ctx.uow, int(ctx.payload["op"]), done=int(ctx.prefetched))


AHEAD_STARTED: dict[int, threading.Event] = {}
AHEAD_EVENTS: list[str] = []
LIGHT_DONE = threading.Event()
STOPPING: list[threading.Event] = []  # a worker's stop event, set by a prefetch that asks


def _event(n: int) -> threading.Event:
    with _lock:
        return AHEAD_STARTED.setdefault(n, threading.Event())


@prefetch("t.ahead", ahead=True)
def ahead_fetch(ctx: PrefetchContext) -> int:
    """A prefetch that may run ahead of the handlers; it may wait for a job with nothing to
    fetch to have run (``after_light``) or stop the worker (``stop``)."""
    with _lock:
        AHEAD_EVENTS.append(f"prefetch {ctx.payload['n']}")
    _event(int(ctx.payload["n"])).set()
    if ctx.payload.get("after_light"):
        LIGHT_DONE.wait(HANG_GUARD)
    if ctx.payload.get("stop"):
        STOPPING[0].set()
    if ctx.payload.get("fail"):
        raise RuntimeError("the remote side is down")
    return int(ctx.payload["add"])


@handler("t.ahead")
def ahead(ctx: JobContext) -> None:
    """Waits (within a guard) for the prefetch of job ``wait_for`` to start: it starts only if
    it runs beside this handler."""
    n = int(ctx.payload["n"])
    if ctx.payload.get("wait_for"):
        _event(int(ctx.payload["wait_for"])).wait(HANG_GUARD)
    with _lock:
        AHEAD_EVENTS.append(f"handler {n}")
    operations.progress(ctx.uow, int(ctx.payload["op"]), done=int(ctx.prefetched))


@handler("t.light")
def light(ctx: JobContext) -> None:
    """A job with nothing to fetch (database work only)."""
    with _lock:
        AHEAD_EVENTS.append(f"light {ctx.payload['n']}")
    LIGHT_DONE.set()


@handler("t.sysexit")
def sysexit(ctx: JobContext) -> None:
    raise SystemExit(3)


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("cannot print me")


@handler("t.unprintable")
def unprintable(ctx: JobContext) -> None:
    raise _Unprintable()


@handler("t.nul")
def nul(ctx: JobContext) -> None:
    raise RuntimeError("bad byte \x00 in message")


@handler("t.commits")
def commits(ctx: JobContext) -> None:
    operations.progress(ctx.uow, int(ctx.payload["op"]), done=1)
    ctx.uow.commit()


@handler("t.steal")
def steal(ctx: JobContext) -> None:
    """Makes its effect, then loses its lease to another worker before the worker commits."""
    operations.progress(ctx.uow, int(ctx.payload["op"]), done=1)
    ctx.uow.session.execute(
        update(Job).where(Job.id == ctx.job_id).values(locked_by="another-worker")
    )


def job_row(db: Database, job_id: int) -> dict[str, Any]:
    with db.transaction() as uow:
        job = uow.session.get(Job, job_id)
        assert job is not None
        return {c.name: getattr(job, c.name) for c in Job.__table__.columns}
