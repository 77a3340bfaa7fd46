"""What a rule can measure, and how each metric is computed from an object's totals.

An observation carries raw totals over the rule's lookback (integers: money in minor units of
the object's currency, counts). Metrics are derived here, once, as exact decimals: money in
major units of the object's currency, ratios as percentages where TikTok shows percentages.
A metric that cannot be computed (no impressions for a CTR, no revenue data for a ROAS) is
``None``, and a condition on it never matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

from promodesk.kit.money import exponent


class Metric(StrEnum):
    SPEND = "spend"  # major units of the object's currency
    RESULTS = "results"  # conversions (ads), results of the goal (Promote)
    COST_PER_RESULT = "cost_per_result"
    ROAS = "roas"  # revenue / spend
    CTR = "ctr"  # clicks per impression, percent
    CPM = "cpm"  # spend per 1,000 impressions
    FREQUENCY = "frequency"  # impressions per person reached
    BUDGET_PACING = "budget_pacing"  # spend of the last day over the daily budget, percent
    SPEND_NO_RESULTS = "spend_no_results"  # the spend while results are zero, else 0
    IMPRESSIONS = "impressions"
    STOCK = "stock"  # units of the product in stock


MONEY_METRICS = frozenset(
    {Metric.SPEND, Metric.COST_PER_RESULT, Metric.CPM, Metric.SPEND_NO_RESULTS}
)


@dataclass(frozen=True, slots=True)  # one per object in scope per evaluation: no __dict__
class Totals:
    """Raw totals of one object over a lookback. ``None`` means the channel does not report it."""

    currency: str = "USD"
    spend_minor: int = 0
    impressions: int = 0
    clicks: int = 0
    results: int = 0
    reach: int = 0
    revenue_minor: int | None = None
    last_day_spend_minor: int = 0
    daily_budget_minor: int | None = None
    stock: int | None = None
    days_with_data: int = 0


def _ratio(num: Decimal, den: Decimal, places: str = "0.0001") -> Decimal | None:
    if den == 0:
        return None
    return (num / den).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=64)
def _exponent(currency: str) -> int:
    return exponent(currency)


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-_exponent(currency))


def value(metric: Metric, t: Totals) -> Decimal | None:
    """The metric's value for ``t`` (see the module rules)."""
    if metric is Metric.RESULTS:
        return Decimal(t.results)
    if metric is Metric.IMPRESSIONS:
        return Decimal(t.impressions)
    if metric is Metric.CTR:
        return _ratio(Decimal(t.clicks * 100), Decimal(t.impressions))
    if metric is Metric.FREQUENCY:
        return _ratio(Decimal(t.impressions), Decimal(t.reach))
    if metric is Metric.BUDGET_PACING:
        if not t.daily_budget_minor:
            return None
        return _ratio(Decimal(t.last_day_spend_minor * 100), Decimal(t.daily_budget_minor))
    if metric is Metric.STOCK:
        return None if t.stock is None else Decimal(t.stock)
    spend = _major(t.spend_minor, t.currency)
    if metric is Metric.SPEND:
        return spend
    if metric is Metric.COST_PER_RESULT:
        return _ratio(spend, Decimal(t.results))
    if metric is Metric.ROAS:
        if t.revenue_minor is None:
            return None
        return _ratio(_major(t.revenue_minor, t.currency), spend)
    if metric is Metric.CPM:
        return _ratio(spend * 1000, Decimal(t.impressions))
    if metric is Metric.SPEND_NO_RESULTS:
        return spend if t.results == 0 else Decimal(0)
    raise ValueError(metric)  # pragma: no cover - every member is handled above
