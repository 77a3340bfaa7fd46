"""Job handlers register by name; a handler receives a context with its own unit of work.

Rules for handlers:
- Do the work in ``ctx.uow`` and never commit it: the worker commits the handler's effects
  together with the job's ``done`` mark, and only while it still holds the job's lease.
- Be safe to run twice: reload by id and treat an already-done change as a no-op (a worker can
  die after an external call and before its commit).
- Keep the handler short and never sleep in it: it holds its transaction (on SQLite, the
  database's write lock) until it returns. A slow or failing external call should raise and
  let the job's backoff retry it, outside any transaction.
- Raise to fail the attempt (the job retries with backoff, then goes ``dead``).
- Long work proceeds in steps: do one step, then ``ctx.reschedule(run_at, payload)`` to have the
  same job run again later with a new payload instead of being marked done.
- Slow reads from elsewhere (HTTP) that a step needs belong in a ``prefetch`` function
  registered under the same name: the worker calls it after claiming the job and before opening
  the handler's transaction, and hands its result to the handler as ``ctx.prefetched``. It may
  read the database in its own short transactions but must not write: only the handler's
  effects commit with the job. The worker keeps the job's lease while it runs; a prefetch that
  writes elsewhere calls ``ctx.lease.check()`` before each such write (it raises ``LeaseLost``
  when the job is no longer surely this worker's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs.lease import LeaseKeeper


@dataclass
class JobContext:
    uow: UnitOfWork
    job_id: int
    name: str
    payload: dict[str, Any]
    attempt: int
    workspace_id: int | None
    continue_at: datetime | None = field(default=None)
    continue_payload: dict[str, Any] | None = field(default=None)
    # What the job's ``prefetch`` function returned (None without one).
    prefetched: Any = None

    def reschedule(self, run_at: datetime, payload: dict[str, Any] | None = None) -> None:
        """Run this job again at ``run_at`` (with ``payload`` if given) instead of finishing it.
        The step's effects and the new due time commit together."""
        self.continue_at = run_at
        self.continue_payload = payload


@dataclass
class PrefetchContext:
    """What a prefetch function gets: the database (for short reads), the claimed job, and
    its lease's keeper (``lease.check()`` before each remote write; see ``kit.jobs.lease``)."""

    db: Database
    job_id: int
    name: str
    payload: dict[str, Any]
    attempt: int
    workspace_id: int | None
    lease: LeaseKeeper | None = None


Handler = Callable[[JobContext], None]
Prefetch = Callable[[PrefetchContext], Any]
_handlers: dict[str, Handler] = {}
_prefetchers: dict[str, Prefetch] = {}
_ahead: set[str] = set()


class UnknownJob(LookupError):
    """No handler is registered under a job's name in this worker process."""


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of jobs called ``name`` (one handler per name)."""

    def register(fn: Handler) -> Handler:
        existing = _handlers.get(name)
        if existing is not None and _key(existing) != _key(fn):
            raise ValueError(f"job {name!r} already has a handler: {_key(existing)}")
        _handlers[name] = fn
        return fn

    return register


def prefetch(name: str, *, ahead: bool = False) -> Callable[[Prefetch], Prefetch]:
    """Register ``fn`` to run before the handler of jobs called ``name``, outside its
    transaction (see the module rules). With ``ahead``, a worker may start it while it still
    runs the handler of the job before (its remote calls overlap that job's database work):
    only for a prefetch that reads no state another job's handler is about to write."""

    def register(fn: Prefetch) -> Prefetch:
        _prefetchers[name] = fn
        if ahead:
            _ahead.add(name)
        return fn

    return register


def prefetcher(name: str) -> Prefetch | None:
    return _prefetchers.get(name)


def has_prefetchers() -> bool:
    return bool(_prefetchers)


def ahead_names() -> frozenset[str]:
    """Jobs whose prefetch may start while the previous job's handler runs."""
    return frozenset(_ahead)


def _key(fn: Handler) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def registered() -> dict[str, Handler]:
    return dict(_handlers)


def get(name: str) -> Handler | None:
    return _handlers.get(name)


def require(name: str) -> Handler:
    fn = _handlers.get(name)
    if fn is None:
        known = ", ".join(sorted(_handlers)) or "none"
        raise UnknownJob(
            f"no handler registered for job {name!r} in this worker (registered: {known}); "
            "is its module listed in PROMODESK_JOB_MODULES or imported by load_handlers()?"
        )
    return fn
