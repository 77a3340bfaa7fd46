"""The low-traffic window in the shop's time zone.

Rules: the window is wall-clock time in the shop's zone (default 01:00–05:00); it may cross
midnight. Times are computed per local date, so a DST change moves the UTC instant, never the
local time; a local start that does not exist (spring forward) moves to the first valid instant
after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from promodesk.kit.errors import ValidationFailed

DEFAULT_TIMEZONE = "Asia/Shanghai"


def zone(name: str) -> ZoneInfo:
    """A validated IANA time zone."""
    if not name or len(name) > 64 or name not in _zones():
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name such as {DEFAULT_TIMEZONE}",
            field="timezone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"unknown time zone {name!r}", field="timezone") from None


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def check_minute(value: int, name: str) -> int:
    if not 0 <= value < 24 * 60:
        raise ValidationFailed(f"{name} is a minute of the day, 0..1439", field=name)
    return value


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``minute`` on ``day`` in ``tz``. A wall time skipped by
    a DST change (spring forward) moves to the first instant after the gap; a repeated one
    (fall back) takes its first occurrence."""
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # Nonexistent: fold=1 maps it with the offset after the gap (too early), fold=0 with the
    # offset before it (too late); the gap's end lies between, on a whole minute.
    probe = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    while probe.astimezone(tz).replace(tzinfo=None) < naive:
        probe += timedelta(minutes=1)
    return probe


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC
    end: datetime  # UTC

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def windows_around(at: datetime, tz: ZoneInfo, start_min: int, end_min: int) -> list[Window]:
    """The windows that start on the local day before, of and after ``at``."""
    local_day = at.astimezone(tz).date()
    found = []
    for offset in (-1, 0, 1, 2):
        day = local_day + timedelta(days=offset)
        end_day = day if end_min > start_min else day + timedelta(days=1)
        found.append(Window(_local(day, start_min, tz), _local(end_day, end_min, tz)))
    return found


def in_window(at: datetime, tz_name: str, start_min: int, end_min: int) -> bool:
    if start_min == end_min:
        return True  # a window of 24 h: any time is low-traffic
    tz = zone(tz_name)
    return any(w.contains(at) for w in windows_around(at, tz, start_min, end_min))


def next_window(at: datetime, tz_name: str, start_min: int, end_min: int) -> Window:
    """The window ``at`` is in, or else the next one to start (UTC instants)."""
    tz = zone(tz_name)
    if start_min == end_min:
        return Window(at, at + timedelta(days=1))
    for w in windows_around(at, tz, start_min, end_min):
        if w.contains(at) or w.start > at:
            return w
    raise AssertionError("a window starts within two days")  # pragma: no cover
