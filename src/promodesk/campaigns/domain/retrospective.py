"""The retrospective of cancellations (复盘) and the monitor's windows: pure rules.

- A period is a month (``YYYY-MM``), an ISO week (``YYYY-Www``) or a custom range of days;
  its ``until`` is exclusive. A custom range is at most ``MAX_RANGE_DAYS`` long.
- Before/after comparisons use windows of the same length on each side of the stop day (the
  stop day itself, half before and half after, belongs to neither): as many whole days as
  have passed since the stop, at most the monitoring length.
- Cost per result is compared with a reference (the advertiser's, else the ad account's)
  over the same days: ``worse`` above the reference by more than the tolerance, ``better``
  below it by more than the tolerance, ``same`` within it; no verdict without results.
- Money is summed per currency, never across currencies.
- Lessons are text; action items are ``{text, owner, due, done}`` with a text required, an
  ISO date or nothing as due, and a bounded count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

MAX_RANGE_DAYS = 366
MIN_YEAR, MAX_YEAR = 1970, 9998  # periods outside these years name nothing promodesk holds
CPR_TOLERANCE_PERCENT = 10
LESSONS_MAX = 10_000
ACTION_ITEMS_MAX = 50
ACTION_TEXT_MAX = 500
ACTION_OWNER_MAX = 200

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class PeriodError(ValueError):
    """A period that cannot be read; ``field`` names the input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class Period(StrEnum):
    MONTH = "month"
    WEEK = "week"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Window:
    """Days ``since <= day < until``."""

    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    @property
    def last(self) -> date:
        """The last day included."""
        return self.until - timedelta(days=1)


def month_window(text: str) -> Window:
    found = _MONTH.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise PeriodError(f"{text!r} is not a month (YYYY-MM)", "month")
    year, month = int(found.group(1)), int(found.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"{text!r}: the year is out of range", "month")
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Window(start, end)


def week_window(text: str) -> Window:
    """An ISO week (``2026-W49``): Monday through Sunday."""
    found = _WEEK.fullmatch(text.strip())
    if not found or not MIN_YEAR <= int(found.group(1)) <= MAX_YEAR:
        raise PeriodError(f"{text!r} is not an ISO week (YYYY-Www)", "week")
    try:
        start = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not an ISO week (YYYY-Www)", "week") from exc
    return Window(start, start + timedelta(days=7))


def custom_window(since: date, until_inclusive: date) -> Window:
    if until_inclusive < since:
        raise PeriodError("the range ends before it starts", "until")
    window = Window(since, until_inclusive + timedelta(days=1))
    if window.days > MAX_RANGE_DAYS:
        raise PeriodError(f"a range is at most {MAX_RANGE_DAYS} days", "until")
    return window


def week_text(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_day(text: str, field_name: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a day (YYYY-MM-DD)", field_name) from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PeriodError(f"{text!r}: the year is out of range", field_name)
    return day


def period_window(
    period: str,
    today: date,
    *,
    month: str | None = None,
    week: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Window:
    """The window a retrospective covers. A month or week left out is the current one."""
    try:
        kind = Period(period)
    except ValueError as exc:
        raise PeriodError(f"{period!r} is not a period (month, week or custom)", "period") from exc
    if kind is Period.MONTH:
        return month_window(month or today.strftime("%Y-%m"))
    if kind is Period.WEEK:
        return week_window(week or week_text(today))
    if not since or not until:
        raise PeriodError(
            "a custom period needs since and until", "since" if not since else "until"
        )
    return custom_window(parse_day(since, "since"), parse_day(until, "until"))


# before / after ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Same-length windows before and after the stop day; ``days`` 0: too early to compare."""

    days: int
    before: Window
    after: Window


def compare_windows(stop_day: date, today: date, length: int) -> Comparison:
    """Whole days passed since the stop day (today is not over yet), at most ``length``."""
    passed = max(0, (today - stop_day).days - 1)
    n = min(length, passed)
    after = Window(stop_day + timedelta(days=1), stop_day + timedelta(days=1 + n))
    before = Window(stop_day - timedelta(days=n), stop_day)
    return Comparison(n, before, after)


def change_percent(before: int, after: int) -> Decimal | None:
    """After against before, in percent with one decimal; None when before is 0."""
    if before == 0:
        return None
    return (Decimal(after - before) * 100 / Decimal(before)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_EVEN
    )


def picked_up(others_before: int, others_after: int) -> int:
    """How much more the other campaigns spent after the stop than before (0 if not more)."""
    return max(0, others_after - others_before)


# cost per result --------------------------------------------------------------------------------


class Verdict(StrEnum):
    WORSE = "worse"
    SAME = "same"
    BETTER = "better"


def cost_per_result(spend_minor: int, results: int) -> Decimal | None:
    if results <= 0:
        return None
    return (Decimal(spend_minor) / Decimal(results)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )


def cpr_verdict(
    cpr: Decimal | None, reference: Decimal | None, tolerance_percent: int = CPR_TOLERANCE_PERCENT
) -> Verdict | None:
    if cpr is None or reference is None or reference == 0:
        return None
    margin = reference * tolerance_percent / 100
    if cpr > reference + margin:
        return Verdict.WORSE
    if cpr < reference - margin:
        return Verdict.BETTER
    return Verdict.SAME


# sums -------------------------------------------------------------------------------------------

MONEY_KEYS = ("spent_minor", "freed_minor", "reallocated_minor", "spend_after_minor")


@dataclass
class MoneySums:
    """Per currency: spent at cancel, freed, reallocated, spend after the stop."""

    by_currency: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, currency: str, key: str, amount: int) -> None:
        if key not in MONEY_KEYS:
            raise KeyError(key)
        row = self.by_currency.setdefault(currency, dict.fromkeys(MONEY_KEYS, 0))
        row[key] += amount

    def rows(self) -> list[dict[str, Any]]:
        return [{"currency": c, **v} for c, v in sorted(self.by_currency.items())]


def counts_by_reason(reasons: Iterable[str]) -> dict[str, int]:
    """Cancellations per reason code, most frequent first (ties by code)."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def net_freed(freed: int, unfreed: int) -> int:
    """What a cancellation freed for good: freed minus what an undo took back."""
    return freed - unfreed


# lessons and action items -----------------------------------------------------------------------


class NotesError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def clean_lessons(text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if len(text) > LESSONS_MAX:
        raise NotesError(f"lessons are at most {LESSONS_MAX} characters", "lessons")
    return text


def clean_action_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each item: a text (required), an owner, a due day (ISO) or none, done or not. Items
    with neither text nor owner nor due are dropped (an empty form row)."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        text = str(item.get("text") or "").strip()
        owner = str(item.get("owner") or "").strip()
        due = str(item.get("due") or "").strip()
        done = item.get("done") in (True, "true", "on", "1", 1)
        if not text and not owner and not due:
            continue
        if not text:
            raise NotesError(f"action item {i + 1} needs a text", f"action_items.{i}.text")
        if len(text) > ACTION_TEXT_MAX:
            raise NotesError(
                f"action item {i + 1}: at most {ACTION_TEXT_MAX} characters",
                f"action_items.{i}.text",
            )
        if len(owner) > ACTION_OWNER_MAX:
            raise NotesError(
                f"action item {i + 1}: an owner is at most {ACTION_OWNER_MAX} characters",
                f"action_items.{i}.owner",
            )
        if due:
            try:
                due = date.fromisoformat(due).isoformat()
            except ValueError as exc:
                raise NotesError(
                    f"action item {i + 1}: {due!r} is not a day (YYYY-MM-DD)",
                    f"action_items.{i}.due",
                ) from exc
        out.append({"text": text, "owner": owner, "due": due or None, "done": done})
    if len(out) > ACTION_ITEMS_MAX:
        raise NotesError(f"at most {ACTION_ITEMS_MAX} action items", "action_items")
    return out


def open_items(items: Iterable[Mapping[str, Any]], today: date) -> dict[str, int]:
    """Action items not done, and of those the ones past their due day."""
    pending = [i for i in items if not i.get("done")]
    overdue = [i for i in pending if i.get("due") and date.fromisoformat(str(i["due"])) < today]
    return {"open": len(pending), "overdue": len(overdue)}
