"""Spend that moves with time: enabled campaigns accrue spend, as a function of the clock.

A campaign's full-day amount is drawn from its budget (daily budget, a 60-day share of a lifetime
budget, or a fixed amount when unlimited) and a per-day variation; the day's spend is that amount
times the share of the day the campaign was switched on, up to now. Hours split the day by a
diurnal curve; ad groups split their campaign evenly, ads their ad group. Amounts are integer
hundredths of the account currency. Other metrics follow from spend with per-campaign rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from promodesk.sandbox import generate as gen
from promodesk.sandbox.world import World

# Relative weight of each local hour (quiet nights, busy evenings).
DIURNAL = (2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 6, 6, 6, 7, 8, 9, 10, 9, 6, 4)


def split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` proportionally to ``weights``; the parts add up to ``total`` exactly."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def even(total: int, count: int, position: int) -> int:
    return total // count + (1 if position < total % count else 0)


@dataclass
class Counts:
    """The additive metrics of one report row."""

    spend: int = 0  # hundredths of the account currency
    impressions: int = 0
    clicks: int = 0
    conversion: int = 0
    installs: int = 0

    def add(self, other: Counts) -> None:
        self.spend += other.spend
        self.impressions += other.impressions
        self.clicks += other.clicks
        self.conversion += other.conversion
        self.installs += other.installs


@dataclass
class SpendModel:
    """Spend of one ad account; caches per request, so build one per report."""

    world: World
    account: int
    now: datetime = field(init=False)
    zone: ZoneInfo = field(init=False)
    _intervals: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    _days: dict[tuple[int, date], int] = field(default_factory=dict)
    _hours: dict[tuple[int, date], list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.now = self.world.now()
        self.zone = ZoneInfo(self.world.timezone(self.account))

    def bounds(self, day: date, hour: int | None = None) -> tuple[datetime, datetime]:
        if hour is None:
            start = datetime(day.year, day.month, day.day, tzinfo=self.zone)
            nxt = day + timedelta(days=1)
            end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.zone)
        else:
            start = datetime(day.year, day.month, day.day, hour, tzinfo=self.zone)
            end = start + timedelta(hours=1)
        return start.astimezone(UTC), end.astimezone(UTC)

    def intervals(self, campaign: int) -> list[tuple[datetime, datetime]]:
        if campaign not in self._intervals:
            self._intervals[campaign] = self.world.enabled_intervals(self.account, campaign)
        return self._intervals[campaign]

    def _on_seconds(self, campaign: int, start: datetime, end: datetime) -> int:
        total = 0
        for on, off in self.intervals(campaign):
            lo, hi = max(on, start), min(off, end)
            if hi > lo:
                total += int((hi - lo).total_seconds())
        return total

    def full_day(self, campaign: int, day: date) -> int:
        seed = self.world.config.seed
        mode, budget = gen.campaign_budget(seed, self.account, campaign)
        change = self.world.changes.get(gen.entity_id("campaign", self.account, campaign)) or {}
        budget = float(change.get("budget", budget))
        per_usd = gen.market(self.account)[3]
        if mode == "BUDGET_MODE_DAY":
            base = budget * 100
        elif mode == "BUDGET_MODE_TOTAL":
            base = budget * 100 / 60
        else:
            base = 100.0 * per_usd * 100
        share = 40 + gen.mix(seed, 20, self.account, campaign, day.toordinal()) % 56
        return int(base * share / 100 * self.world.config.spend_scale)

    def campaign_day(self, campaign: int, day: date) -> int:
        key = (campaign, day)
        if key not in self._days:
            value = 0
            if self.intervals(campaign):
                start, end = self.bounds(day)
                seconds = self._on_seconds(campaign, start, end)
                if seconds:
                    value = (
                        self.full_day(campaign, day) * seconds // int((end - start).total_seconds())
                    )
            self._days[key] = value
        return self._days[key]

    def campaign_hours(self, campaign: int, day: date) -> list[int]:
        key = (campaign, day)
        if key not in self._hours:
            total = self.campaign_day(campaign, day)
            weights = [0] * 24
            if total:
                for hour in range(24):
                    start, end = self.bounds(day, hour)
                    weights[hour] = DIURNAL[hour] * self._on_seconds(campaign, start, end)
            self._hours[key] = split(total, weights)
        return self._hours[key]

    def counts(self, campaign: int, spend: int) -> Counts:
        """Delivery metrics that ``spend`` bought in ``campaign`` (per-campaign rates)."""
        if spend <= 0:
            return Counts()
        seed = self.world.config.seed
        per_usd = gen.market(self.account)[3]
        cpm = (150 + gen.mix(seed, 21, self.account, campaign) % 450) * per_usd
        ctr_bp = 50 + gen.mix(seed, 22, self.account, campaign) % 200
        cvr_bp = 200 + gen.mix(seed, 23, self.account, campaign) % 600
        impressions = spend * 1000 // cpm
        clicks = impressions * ctr_bp // 10000
        conversion = clicks * cvr_bp // 10000
        app = gen.objective(self.account, campaign) == "APP_PROMOTION"
        return Counts(spend, impressions, clicks, conversion, conversion if app else 0)
