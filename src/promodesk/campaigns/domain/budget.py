"""The Budget view's rules (pure): which campaign budgets are live, and today's pacing.

- A campaign's budget is *live* when the campaign is switched on (``operation_status``
  ENABLE), not deleted and still listed by TikTok. Daily modes (``BUDGET_MODE_DAY``, the
  weekly-averaged dynamic daily budget) add to the daily total; ``BUDGET_MODE_TOTAL`` to the
  lifetime total; an unlimited budget is counted apart (it has no amount).
- Pacing is today's spend of the daily-budget campaigns over their daily budgets, next to how
  much of the ad account's local day has passed: 60% spent at 50% of the day is running ahead.
  Percentages are exact decimals with one digit; no budget gives no pacing (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_EVEN, Decimal

DAILY_MODES = frozenset({"BUDGET_MODE_DAY", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"})
LIFETIME_MODES = frozenset({"BUDGET_MODE_TOTAL"})
TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class LiveCampaign:
    campaign_id: str
    budget_mode: str
    budget_minor: int


@dataclass(frozen=True, slots=True)
class Budgets:
    active_campaigns: int
    daily_minor: int
    lifetime_minor: int
    unlimited: int
    daily_ids: frozenset[str]


def is_live(operation_status: str, deleted: bool, vanished: bool) -> bool:
    return operation_status == "ENABLE" and not deleted and not vanished


def budgets(campaigns: Iterable[LiveCampaign]) -> Budgets:
    count = daily = lifetime = unlimited = 0
    daily_ids: set[str] = set()
    for c in campaigns:
        count += 1
        if c.budget_mode in DAILY_MODES:
            daily += c.budget_minor
            daily_ids.add(c.campaign_id)
        elif c.budget_mode in LIFETIME_MODES:
            lifetime += c.budget_minor
        else:
            unlimited += 1
    return Budgets(count, daily, lifetime, unlimited, frozenset(daily_ids))


def percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_EVEN)


def day_elapsed(local: datetime) -> Decimal:
    """How much of the local day has passed, in percent (00:00 → 0.0, 12:00 → 50.0)."""
    seconds = (
        datetime.combine(local.date(), local.time()) - datetime.combine(local.date(), time())
    ).total_seconds()
    return (Decimal(int(seconds)) * 100 / Decimal(86_400)).quantize(TENTH)


def pace(spent_percent: Decimal | None, elapsed_percent: Decimal) -> str:
    """``ahead`` (more than 10 points over the day), ``behind`` (more than 10 under), ``on``;
    ``none`` without a daily budget."""
    if spent_percent is None:
        return "none"
    if spent_percent > elapsed_percent + 10:
        return "ahead"
    if spent_percent < elapsed_percent - 10:
        return "behind"
    return "on"
