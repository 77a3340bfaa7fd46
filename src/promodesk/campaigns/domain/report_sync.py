"""Which report days a sync reads and which days are final (pure).

Rules:
- Days are the ad account's local days ("today" is today in the account's zone).
- First sync: daily rows from the oldest campaign's creation day, at most ``history_days`` back
  (today included); hourly rows for the last ``hourly_days`` days.
- Later syncs re-read every day not yet final: from ``min(today - attribution_days,
  final_through + 1)`` through today, which covers the attribution window (late conversions)
  and any day newer than the last one stored, even after a pause of several days.
- A day older than ``today - attribution_days`` is final once read after that window; a sync
  stores it with ``final=True`` and never reads it again.
- Requests respect TikTok's spans: at most 30 days with ``stat_time_day``, one day with
  ``stat_time_hour`` (spec §6.9). One window is one level × one date range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promodesk.campaigns.domain.reports import Grain, Level
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import exponent, parse, round_minor

DAILY_SPAN_DAYS = 30  # TikTok's limit with stat_time_day
HOURLY_SPAN_DAYS = 1  # with stat_time_hour
LEVELS = (Level.CAMPAIGN, Level.ADGROUP, Level.AD)
DATA_LEVEL = {
    Level.CAMPAIGN: "AUCTION_CAMPAIGN",
    Level.ADGROUP: "AUCTION_ADGROUP",
    Level.AD: "AUCTION_AD",
}
TIME_DIMENSION = {Grain.DAY: "stat_time_day", Grain.HOUR: "stat_time_hour"}
# BASIC metrics stored per row (TikTok's names -> the store's columns).
METRICS = {
    "spend": "spend_minor",
    "impressions": "impressions",
    "clicks": "clicks",
    "conversion": "conversions",
    "video_play_actions": "video_views",
    "reach": "reach",
}


@dataclass(frozen=True)
class Window:
    """One report request series: a level and grain over ``since..until`` (both included)."""

    level: Level
    grain: Grain
    since: date
    until: date

    @property
    def data_level(self) -> str:
        return DATA_LEVEL[self.level]

    def dimensions(self) -> list[str]:
        return [f"{self.level.value}_id", TIME_DIMENSION[self.grain]]

    def metrics(self) -> list[str]:
        # The campaign of an ad group's or an ad's row comes with it (an attribute metric).
        extra = [] if self.level == Level.CAMPAIGN else ["campaign_id"]
        return [*METRICS, *extra]

    def label(self) -> str:
        span = self.since.isoformat()
        if self.until != self.since:
            span += f"..{self.until.isoformat()}"
        return f"{self.level.value} {self.grain.value} {span}"


@dataclass(frozen=True)
class Plan:
    """What one sync reads. ``windows`` in order: per level, daily windows then hourly ones."""

    today: date
    daily_since: date
    hourly_since: date
    final_before: date  # days < this are stored final
    windows: tuple[Window, ...]


def zone(name: str) -> ZoneInfo:
    """The ad account's zone; an empty name is UTC. Unknown names raise ``ValueError``."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def local_today(at: datetime, time_zone: str) -> date:
    return at.astimezone(zone(time_zone)).date()


def local_day_of(utc_text: str, time_zone: str) -> date | None:
    """The local day of TikTok's ``YYYY-MM-DD HH:MM:SS`` create time (taken as UTC)."""
    try:
        moment = datetime.strptime(utc_text.strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone(time_zone)).date()


def first_sync_since(today: date, history_days: int, oldest: date | None) -> date:
    """The first day a first sync reads: the oldest campaign's day, at most ``history_days``
    days back (today counts as one)."""
    earliest = today - timedelta(days=max(1, history_days) - 1)
    if oldest is None:
        return earliest
    return min(max(oldest, earliest), today)


def reread_since(today: date, attribution_days: int, final_through: date) -> date:
    """The first day a later sync reads: every day after ``final_through`` and at least the
    attribution window."""
    return min(today - timedelta(days=attribution_days), final_through + timedelta(days=1))


def final_before(today: date, attribution_days: int) -> date:
    """Days before this one are past the attribution window: stored final."""
    return today - timedelta(days=attribution_days)


def spans(since: date, until: date, width: int) -> list[tuple[date, date]]:
    """``since..until`` cut into consecutive ranges of at most ``width`` days."""
    out = []
    start = since
    while start <= until:
        end = min(until, start + timedelta(days=width - 1))
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def plan(
    today: date,
    *,
    attribution_days: int,
    hourly_days: int,
    history_days: int,
    oldest: date | None,
    final_through: date | None,
    levels: tuple[Level, ...] = LEVELS,
) -> Plan:
    """The windows of one sync (first sync when ``final_through`` is None)."""
    if final_through is None:
        since = first_sync_since(today, history_days, oldest)
    else:
        since = reread_since(today, attribution_days, final_through)
    return Plan(
        today=today,
        daily_since=since,
        hourly_since=today - timedelta(days=max(0, hourly_days) - 1),
        final_before=final_before(today, attribution_days),
        windows=windows(since, today, hourly_days, levels),
    )


def windows(
    since: date, today: date, hourly_days: int, levels: tuple[Level, ...] = LEVELS
) -> tuple[Window, ...]:
    """Per level: daily windows ``since..today``, then one hourly window per day of the last
    ``hourly_days`` days (never before ``since``). The same inputs give the same windows, so a
    sync's cursor (a window's index) stays valid between its steps."""
    hourly_since = today - timedelta(days=max(0, hourly_days) - 1)
    out: list[Window] = []
    for level in levels:
        for start, end in spans(since, today, DAILY_SPAN_DAYS):
            out.append(Window(level, Grain.DAY, start, end))
        if hourly_days > 0:
            for start, end in spans(max(hourly_since, since), today, HOURLY_SPAN_DAYS):
                out.append(Window(level, Grain.HOUR, start, end))
    return tuple(out)


def stat_time(grain: Grain, raw: str) -> str | None:
    """TikTok's ``YYYY-MM-DD HH:MM:SS`` as the store keys it: ``YYYY-MM-DD`` for a day,
    ``YYYY-MM-DD HH:00:00`` for an hour. None if it is not a time."""
    text = raw.strip()
    if not _STAMP.fullmatch(text):
        return None
    try:  # a real day (no 2026-02-30)
        date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None
    if grain == Grain.DAY:
        return text[:10]
    hour = text[11:13] if len(text) > 10 else "00"
    return f"{text[:10]} {hour}:00:00"


_PLAIN = re.compile(r"([0-9]{1,14})(?:\.([0-9]{1,4}))?")  # far below MAX_MINOR
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?: (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)?")


def is_final(stat: str, before: date) -> bool:
    """A row (a day or an hour of a day) is final when its day is before ``before``."""
    return stat[:10] < before.isoformat()


def count(value: str | None) -> int:
    """A counted metric as TikTok sends it (a string, ``"-"`` or missing for none)."""
    if value is None or value in ("", "-"):
        return 0
    if value.isascii() and value.isdigit():  # the common case, a million times a sync
        return int(value)
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return 0
    return int(number) if number.is_finite() else 0


def spend_minor(value: str | None, currency: str) -> int:
    """TikTok's spend string in exact minor units of the account currency (``"14.68"`` USD is
    1468), parsed as a decimal, never through a float. More decimals than the currency has
    round half up once; ``"-"`` or nothing is 0."""
    if value is None or value in ("", "-"):
        return 0
    plain = _PLAIN.fullmatch(value)
    if plain is not None:  # digits with at most the currency's decimals: exact as it stands
        places = exponent(currency)
        whole, decimals = plain.group(1), plain.group(2) or ""
        if len(decimals) <= places:
            return int(whole) * int(10**places) + int(decimals.ljust(places, "0") or "0")
    try:
        return parse(value, currency).amount
    except ValidationFailed:
        try:
            return round_minor(Decimal(value), currency)
        except InvalidOperation:
            return 0
