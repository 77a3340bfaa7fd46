"""What the campaign detail derives from the mirror and the report store (pure).

- **Schedule**: TikTok schedules ad groups, not campaigns. A campaign runs from the earliest
  start of its ad groups that are not deleted to the latest end; one of them without an end
  (``SCHEDULE_FROM_NOW``, or no end time) means the campaign has none. Times are TikTok's
  ``YYYY-MM-DD HH:MM:SS`` in the ad account's time zone, shown with the zone named.
- **Remaining budget**: a lifetime budget (``BUDGET_MODE_TOTAL``) less the spend to date; a
  daily budget less today's spend (the ad account's local day); never below zero; none for an
  unlimited budget.
- **Chart days**: the campaign's life (from its first day with report rows, at most
  ``LIFE_MAX_DAYS``) or the last 30 days, through today, every day present (zero when no row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from promodesk.campaigns.domain.campaigns import DAILY_MODES
from promodesk.kit.errors import ValidationFailed

TOTAL = "BUDGET_MODE_TOTAL"
LIFE_MAX_DAYS = 400


@dataclass(frozen=True, slots=True)
class Schedule:
    start: str | None
    end: str | None


def schedule(groups: list[tuple[str, str, str, bool]]) -> Schedule:
    """``groups``: (schedule type, start, end, deleted) of the campaign's ad groups."""
    live = [g for g in groups if not g[3]] or groups
    starts = [g[1] for g in live if g[1]]
    open_ended = any(not g[2] or g[0] == "SCHEDULE_FROM_NOW" for g in live)
    ends = [g[2] for g in live if g[2]]
    return Schedule(
        start=min(starts) if starts else None,
        end=None if open_ended or not ends else max(ends),
    )


@dataclass(frozen=True, slots=True)
class Remaining:
    minor: int | None
    basis: str | None  # "lifetime" | "today" | None (no limit)


def remaining(budget_mode: str, budget_minor: int, spent_total: int, spent_today: int) -> Remaining:
    if budget_mode == TOTAL:
        return Remaining(max(0, budget_minor - spent_total), "lifetime")
    if budget_mode in DAILY_MODES:
        return Remaining(max(0, budget_minor - spent_today), "today")
    return Remaining(None, None)


class ChartSpan(StrEnum):
    LIFE = "life"
    LAST_30_DAYS = "last_30_days"


def chart_span(value: str | None) -> ChartSpan:
    text = (value or "").strip().lower() or ChartSpan.LIFE.value
    try:
        return ChartSpan(text)
    except ValueError:
        raise ValidationFailed("chart is life or last_30_days", field="chart") from None


def chart_days(span: ChartSpan, first_day: date | None, today: date) -> list[date]:
    """Every day the chart shows, oldest first, through ``today``."""
    if span is ChartSpan.LAST_30_DAYS or first_day is None or first_day > today:
        since = today - timedelta(days=29)
    else:
        since = max(first_day, today - timedelta(days=LIFE_MAX_DAYS - 1))
    return [since + timedelta(days=n) for n in range((today - since).days + 1)]
