"""Pure job rules: statuses, backoff, schedules.

- A job is ``queued`` until a worker claims it (``running`` with a lease), then ``done``, or
  ``queued`` again with a backoff after a failure, or ``dead`` after ``max_attempts`` failures.
- A lease that runs out (the worker died) makes the job claimable again; handlers are therefore
  written to be safe to run twice (reload by id, treat an already-done change as a no-op).
  A job whose lease ran out ``max_attempts`` times (it keeps killing or hanging its worker) is
  ``dead`` instead of being claimed again, so a poison job cannot loop forever.
- Backoff: ``base * 2**(attempts-1)``, capped, plus up to 10 % deterministic jitter by job id.
- Schedules fire once per due time; missed due times are not replayed (one catch-up run).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cronsim import CronSim, CronSimError


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"
    CANCELLED = "cancelled"


#: statuses from which ``retry`` queues a job again
RETRYABLE = frozenset({JobStatus.DEAD, JobStatus.CANCELLED, JobStatus.DONE})
#: statuses from which ``cancel`` stops a job
CANCELLABLE = frozenset({JobStatus.QUEUED})


def backoff(attempts: int, base: float, cap: float, job_id: int = 0) -> timedelta:
    if attempts <= 0:
        return timedelta(0)
    delay = min(cap, base * (2 ** min(attempts - 1, 60)))
    jitter = delay * ((job_id * 2654435761) % 100) / 1000.0
    return timedelta(seconds=min(cap, delay + jitter))


def retry_at(
    attempts: int, max_attempts: int, now: datetime, base: float, cap: float, job_id: int
) -> datetime | None:
    """When a failed attempt runs again; None means the job is dead."""
    if attempts >= max_attempts:
        return None
    return now + backoff(attempts, base, cap, job_id)


def next_interval_run(last_due: datetime, interval_seconds: float, now: datetime) -> datetime:
    """Next due time on the interval grid after ``now`` (missed runs are not replayed)."""
    step = timedelta(seconds=interval_seconds)
    nxt = last_due + step
    if nxt <= now:
        missed = int((now - last_due) / step)
        nxt = last_due + step * (missed + 1)
    return nxt


def next_cron_run(cron: str, after: datetime) -> datetime:
    """Next time strictly after ``after`` matching ``cron`` (evaluated in UTC)."""
    start = after.astimezone(UTC).replace(tzinfo=None)
    return next(iter(CronSim(cron, start))).replace(tzinfo=UTC)


def validate_cron(cron: str) -> str:
    """Raise ``ValueError`` with the parser's message when ``cron`` is not a valid expression."""
    try:
        CronSim(cron, datetime(2026, 1, 1))
    except CronSimError as exc:
        raise ValueError(f"invalid cron expression {cron!r}: {exc}") from None
    return cron


def next_schedule_run(
    cron: str | None, interval_seconds: float | None, due: datetime, now: datetime
) -> datetime:
    """The due time after ``due`` has fired at ``now``."""
    if cron:
        return next_cron_run(cron, max(now, due))
    return next_interval_run(due, float(interval_seconds or 60), now)


def first_schedule_run(cron: str | None, interval_seconds: float | None, now: datetime) -> datetime:
    """Cron schedules first fire at their next match; interval schedules fire at once."""
    if cron:
        return next_cron_run(cron, now)
    return now


def error_text(kind: str, message: str, trace: str = "", limit: int = 4000) -> str:
    """A storable error: PostgreSQL text refuses NUL bytes, and rows stay small."""
    text = f"{kind}: {message}" + (f"\n{trace}" if trace else "")
    return text.replace("\x00", "\\0")[:limit]
