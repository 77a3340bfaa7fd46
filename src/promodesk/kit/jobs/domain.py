"""Pure job rules: statuses, backoff, schedules.

- A job is ``queued`` until a worker claims it (``running`` with a lease), then ``done``, or
  ``queued`` again with a backoff after a failure, or ``dead`` after ``max_attempts`` failures.
- A lease that runs out (the worker died) makes the job claimable again; handlers are therefore
  written to be safe to run twice (reload by id, treat an already-done change as a no-op).
- Backoff: ``base * 2**(attempts-1)``, capped, plus up to 10 % deterministic jitter by job id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"
    CANCELLED = "cancelled"


def backoff(attempts: int, base: float, cap: float, job_id: int = 0) -> timedelta:
    if attempts <= 0:
        return timedelta(0)
    delay = min(cap, base * (2 ** (attempts - 1)))
    jitter = delay * ((job_id * 2654435761) % 100) / 1000.0
    return timedelta(seconds=min(cap, delay + jitter))


def next_interval_run(last_due: datetime, interval_seconds: float, now: datetime) -> datetime:
    """Next due time on the interval grid after ``now`` (missed runs are not replayed)."""
    step = timedelta(seconds=interval_seconds)
    nxt = last_due + step
    if nxt <= now:
        missed = int((now - last_due) / step)
        nxt = last_due + step * (missed + 1)
    return nxt
