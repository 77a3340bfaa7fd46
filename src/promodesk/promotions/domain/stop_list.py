"""The list of stops everywhere (pure rules): a stop's status, its per-channel summary and the
list's filters.

- **A stop's status**, from its steps: ``running`` while a step runs; ``failed`` once every
  step is over and one failed (it can be retried); ``restarted`` once a step was undone by
  "restart everywhere"; else ``done``. A channel's status is the same rule over its steps.
- **Retry** is offered while a step failed; **restart** while a reversible step is done and
  not undone yet (paused TikTok ads, shop cancellations).
- **Verified**: every step read back as stopped on its platform (yes), one read back as not
  stopped (no), else not yet known.
- **Filters**: ``status``, ``channel``, ``reason`` (each repeated or comma-separated, any of
  its values), ``created_by`` (as recorded, e.g. ``user:3`` or ``rule:7``; the service also takes a
  member's email) and a
  created range of UTC days (``created_since``, ``created_until``, both included). An
  unknown value is a 422 naming the field, never a wider list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from promodesk.kit.errors import N_, ValidationFailed
from promodesk.promotions.domain.index import Channel, enum_set
from promodesk.promotions.domain.stop import Reason, StepStatus

UNKNOWN = N_("Unknown %(field)s: choose one of %(allowed)s.")
BAD_DAY = N_("Enter a day as YYYY-MM-DD.")
CREATED_BY_MAX = 200


class StopStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    RESTARTED = "restarted"


Step = Mapping[str, Any]


def status_of(steps: Iterable[Step]) -> StopStatus:
    """The status of a stop (or of one channel's steps): rules above."""
    seen = list(steps)
    if any(s["status"] == StepStatus.RUNNING.value for s in seen):
        return StopStatus.RUNNING
    if any(s["status"] == StepStatus.FAILED.value for s in seen):
        return StopStatus.FAILED
    if any(s.get("restarted") for s in seen):
        return StopStatus.RESTARTED
    return StopStatus.DONE


def can_retry(steps: Iterable[Step]) -> bool:
    return any(s["status"] == StepStatus.FAILED.value for s in steps)


def can_restart(steps: Iterable[Step]) -> bool:
    return any(
        s["reversible"] and s["status"] == StepStatus.DONE.value and not s.get("restarted")
        for s in steps
    )


def verified(steps: Iterable[Step]) -> bool | None:
    seen = [s.get("verified") for s in steps]
    if any(v is False for v in seen):
        return False
    if seen and all(v is True for v in seen):
        return True
    return None


def channels(steps: Iterable[Step]) -> list[dict[str, Any]]:
    """Per channel (in the order of the steps): its status and its steps counted."""
    per: dict[str, list[Step]] = {}
    for s in steps:
        per.setdefault(s["channel"], []).append(s)
    return [
        {
            "channel": channel,
            "status": status_of(group).value,
            "steps": len(group),
            "running": sum(1 for s in group if s["status"] == StepStatus.RUNNING.value),
            "failed": sum(1 for s in group if s["status"] == StepStatus.FAILED.value),
            "verified": sum(1 for s in group if s.get("verified") is True),
        }
        for channel, group in per.items()
    ]


@dataclass(frozen=True, slots=True)
class StopFilters:
    """What the list of stops is narrowed to; empty means no narrowing."""

    statuses: frozenset[StopStatus] = frozenset()
    channels: frozenset[Channel] = frozenset()
    reasons: frozenset[Reason] = frozenset()
    created_by: str | None = None
    since: date | None = None
    until: date | None = None  # included

    @property
    def by_steps(self) -> bool:
        """Whether the filters read the steps (status, channel), not only the stop's row."""
        return bool(self.statuses or self.channels)

    def keeps(self, steps: Iterable[Step]) -> bool:
        seen = list(steps)
        if self.statuses and status_of(seen) not in self.statuses:
            return False
        return not self.channels or any(s["channel"] in self.channels for s in seen)

    def created_after(self) -> datetime | None:
        """The first instant of the range (UTC)."""
        return datetime.combine(self.since, time.min, UTC) if self.since else None

    def created_before(self) -> datetime | None:
        """The first instant past the range (UTC)."""
        if self.until is None:
            return None
        return datetime.combine(self.until + timedelta(days=1), time.min, UTC)


def _day(value: str | None, name: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{name} is a day (YYYY-MM-DD)", field=name, message=BAD_DAY
        ) from None
    if not 1970 <= day.year <= 9998:
        raise ValidationFailed(f"{name}: the year is out of range", field=name, message=BAD_DAY)
    return day


def stop_filters(
    *,
    status: list[str] | str | None = None,
    channel: list[str] | str | None = None,
    reason: list[str] | str | None = None,
    created_by: str | None = None,
    created_since: str | None = None,
    created_until: str | None = None,
) -> StopFilters:
    """Filters from words as the API, CLI and console take them (rules above)."""
    who = (created_by or "").strip()
    if len(who) > CREATED_BY_MAX:
        raise ValidationFailed(
            f"created_by is at most {CREATED_BY_MAX} characters", field="created_by"
        )
    since, until = _day(created_since, "created_since"), _day(created_until, "created_until")
    if since and until and until < since:
        raise ValidationFailed(
            "created_until is before created_since",
            field="created_until",
            message=N_("The range ends before it starts."),
        )
    return StopFilters(
        statuses=enum_set(status, StopStatus, "status"),
        channels=enum_set(channel, Channel, "channel"),
        reasons=enum_set(reason, Reason, "reason"),
        created_by=who or None,
        since=since,
        until=until,
    )
