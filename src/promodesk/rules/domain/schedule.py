"""When a rule is evaluated: every N minutes, daily at a time, or in a shop's low-traffic window.

- ``every``: due times on a grid of ``minutes`` (at least 1) from the rule's first due time;
  missed due times are not replayed (one catch-up evaluation).
- ``daily``: at ``at_minute`` (minute of the day) in ``timezone``, once a day.
- ``low_traffic``: at the start of the shop's next low-traffic window (``shop.domain.window``),
  evaluated in the shop's zone; the window comes from the shop's settings.
Each due time is evaluated once: (rule, due time) is the evaluation's unique key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from promodesk.kit.errors import ValidationFailed
from promodesk.shop.domain.window import windows_around, zone

MAX_EVERY_MINUTES = 7 * 24 * 60


class ScheduleKind(StrEnum):
    EVERY = "every"
    DAILY = "daily"
    LOW_TRAFFIC = "low_traffic"


@dataclass(frozen=True)
class Schedule:
    kind: ScheduleKind
    every_minutes: int = 60
    at_minute: int = 0
    timezone: str = "UTC"
    shop_id: int | None = None
    activity_id: int | None = None  # whose window; else the default 01:00-05:00


@dataclass(frozen=True)
class LowTraffic:
    """A shop's window: its zone and wall-clock minutes (``shop.domain.window``)."""

    timezone: str
    start_minute: int
    end_minute: int


def check(s: Schedule) -> Schedule:
    if s.kind is ScheduleKind.EVERY and not 1 <= s.every_minutes <= MAX_EVERY_MINUTES:
        raise ValidationFailed(
            f"a rule runs every 1 to {MAX_EVERY_MINUTES} minutes", field="every_minutes"
        )
    if s.kind is ScheduleKind.DAILY:
        if not 0 <= s.at_minute < 24 * 60:
            raise ValidationFailed("the time is a minute of the day, 0..1439", field="at_minute")
        zone(s.timezone)
    if s.kind is ScheduleKind.LOW_TRAFFIC and s.shop_id is None:
        raise ValidationFailed("name the shop whose low-traffic window to use", field="shop_id")
    return s


def next_due(s: Schedule, after: datetime, window: LowTraffic | None = None) -> datetime:
    """The first due time strictly after ``after`` (UTC)."""
    after = after.astimezone(UTC)
    if s.kind is ScheduleKind.EVERY:
        step = timedelta(minutes=s.every_minutes)
        # on the minute grid, so that every worker computes the same due time
        base = after.replace(second=0, microsecond=0)
        return base + step if base + step > after else base + 2 * step
    if s.kind is ScheduleKind.DAILY:
        tz = ZoneInfo(s.timezone)
        local = after.astimezone(tz)
        for offset in range(3):
            day = local.date() + timedelta(days=offset)
            at = datetime.combine(
                day, time(s.at_minute // 60, s.at_minute % 60), tzinfo=tz
            ).astimezone(UTC)
            if at > after:
                return at
        raise AssertionError("unreachable")  # pragma: no cover
    if window is None:
        raise ValidationFailed("the shop has no low-traffic window", field="shop_id")
    starts = [
        w.start
        for w in windows_around(
            after, zone(window.timezone), window.start_minute, window.end_minute
        )
        if w.start > after
    ]
    return min(starts)
