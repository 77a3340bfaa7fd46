"""Spend that moves with time: enabled campaigns accrue spend, as a function of the clock.

Rules:
- A campaign's full-day amount is drawn from the budget **in force** (daily budget, a 60-day
  share of a lifetime budget, or a fixed amount when unlimited) and a per-day variation of
  40–95 %. Budgets come from the campaign's budget history (``World.budget_at``), so changing a
  budget never rewrites past spend.
- An hour spends its diurnal share of the full-day amount of the budget in force at the hour's
  start, times the share of the hour the campaign was delivering (``World.enabled_intervals``:
  a stop takes effect ``stop_delay_seconds`` after the status change). Hours after now are 0.
- Caps: with ``BUDGET_MODE_DAY`` a day's running spend never exceeds the daily budget in force
  at each hour; with ``BUDGET_MODE_TOTAL`` the campaign's running spend over its whole life never
  exceeds the lifetime budget in force at each hour. An hour that would cross a cap spends up to
  it, and later hours spend nothing until the cap is raised.
- A campaign delivers only while one of its ad groups does; its spend splits over them and
  their ads by the rules of ``delivery``, so every level adds up to the campaign exactly.
- A day is the sum of its hours (in the ad account's time zone). Amounts are integer hundredths
  of the account currency. Other metrics follow from spend with per-campaign rates.
- A day that has ended is read from the account's kept store (``settled``), not worked out again.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from promodesk.sandbox import generate as gen
from promodesk.sandbox.spend.delivery import Delivery, seconds
from promodesk.sandbox.spend.metrics import Metrics
from promodesk.sandbox.spend.settled import Settled, spend_array
from promodesk.sandbox.world.objects import World

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
class SpendModel(Delivery, Metrics):
    """Spend of one ad account; caches per request, so build one per report. Ended days come
    from the world's ``Settled`` store of the account."""

    world: World
    account: int
    now: datetime = field(init=False)
    zone: ZoneInfo = field(init=False)
    _intervals: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    _days: dict[tuple[int, date], int] = field(default_factory=dict)
    _hours: dict[tuple[int, date], list[int]] = field(default_factory=dict)
    _shapes: dict[tuple[int, date, int], list[int]] = field(default_factory=dict)
    _prefix: dict[int, tuple[date, int]] = field(default_factory=dict)
    _own: dict[tuple[str, int], list[tuple[datetime, datetime]]] = field(default_factory=dict)
    _moves: dict[int, list[datetime]] = field(default_factory=dict)
    _stretches: dict[tuple[int, int], tuple[list[int], dict[int, list[int]]]] = field(
        default_factory=dict
    )
    _firsts: dict[int, date] = field(default_factory=dict)
    _budgets: dict[int, tuple[str, float, Sequence[tuple[datetime, float]]]] = field(
        default_factory=dict
    )
    _highest: dict[int, int] = field(default_factory=dict)
    _bounds: dict[tuple[date, int | None], tuple[datetime, datetime]] = field(default_factory=dict)
    _fresh: dict[tuple[str, date, int | None], Sequence[int]] = field(default_factory=dict)
    _attributed: dict[date, int] = field(default_factory=dict)
    settled: Settled = field(init=False)

    def __post_init__(self) -> None:
        self.now = self.world.now()
        self.zone = ZoneInfo(self.world.timezone(self.account))
        first = self.world.config.epoch.astimezone(self.zone).date()
        self.settled = self.world.settled(self.account, lambda: Settled(first))

    def ended(self, day: date) -> bool:
        """Whether ``day`` is over: its spend can no longer change."""
        return self.bounds(day)[1] <= self.now

    def level_spend(self, level: str, day: date, hour: int | None = None) -> Sequence[int]:
        """The spend of every ``level`` object (campaign, adgroup, ad) in ``day`` (or in its
        ``hour``), by index: what the report rows of that bucket are made of."""
        if not self.ended(day):
            key = (level, day, hour)
            found = self._fresh.get(key)
            if found is None:
                found = self._fresh[key] = self._level_spend(level, day, hour)
            return found
        if level == "campaign" and hour is None:
            return self._settled_campaigns(day)
        store = self.settled.levels
        stored = store.get((level, day, hour is not None))
        if stored is None:
            if hour is None:
                stored = self._level_spend(level, day, None)
            else:
                stored = tuple(self._level_spend(level, day, h) for h in range(24))
            store[(level, day, hour is not None)] = stored
        if isinstance(stored, tuple):
            return stored[hour or 0]
        return stored

    def settle(self, levels: Sequence[str] = ("campaign", "adgroup", "ad")) -> int:
        """Work out and keep the daily spend of every ended day of the account for ``levels``
        (what a report's first page otherwise works out); returns the days kept."""
        first = self.settled.first
        last = self.now.astimezone(self.zone).date() - timedelta(days=1)
        while last >= first and not self.ended(last):
            last -= timedelta(days=1)
        if last < first:
            return 0
        self._settled_campaigns(last)
        for level in levels:
            if level == "campaign":
                continue
            day = first
            while day <= last:
                self.level_spend(level, day)
                day += timedelta(days=1)
        return (last - first).days + 1

    def _settled_campaigns(self, day: date) -> array[int]:
        """The campaign array of an ended ``day``, filling the store's missing days in order."""
        settled = self.settled
        found = settled.campaigns.get(day)
        if found is not None:
            return found
        size = self.world.size("campaign", self.account)
        if day < settled.first:
            return spend_array(size=size)  # before anything was generated
        at = settled.first if settled.through is None else settled.through + timedelta(days=1)
        while at <= day:
            row = spend_array([self._day_total(c, at) for c in range(size)])
            settled.campaigns[at] = row
            settled.through = at
            at += timedelta(days=1)
        return settled.campaigns[day]

    def _level_spend(self, level: str, day: date, hour: int | None) -> array[int]:
        world, account = self.world, self.account
        campaigns = world.size("campaign", account)
        if hour is None:
            spends: Sequence[int] = [self.campaign_day(c, day) for c in range(campaigns)]
        else:
            spends = [self.campaign_hours(c, day)[hour] for c in range(campaigns)]
        if level == "campaign":
            return spend_array(spends)
        out = spend_array(size=world.size(level, account))
        start, end = self.bounds(day, hour)
        for campaign, spend in enumerate(spends):
            if spend <= 0:
                continue
            groups = world.children("adgroup", account, campaign)
            static = self._static_weights(campaign, start, end)
            weights = static[0] if static else self.group_weights(campaign, start, end)
            for group, share in zip(groups, split(spend, weights), strict=True):
                if level == "adgroup":
                    out[group] = share
                elif share:
                    ads = world.children("ad", account, group)
                    within = static[1][group] if static else self.ad_weights(group, start, end)
                    for ad, part in zip(ads, split(share, within), strict=True):
                        out[ad] = part
        return out

    def bounds(self, day: date, hour: int | None = None) -> tuple[datetime, datetime]:
        """The UTC start and end of ``day`` (or of its ``hour``) in the account's zone."""
        key = (day, hour)
        found = self._bounds.get(key)
        if found is None:
            found = self._bounds[key] = self._bounds_of(day, hour)
        return found

    def _bounds_of(self, day: date, hour: int | None) -> tuple[datetime, datetime]:
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
        return seconds(self.intervals(campaign), start, end)

    def budget_cents(self, campaign: int, when: datetime) -> int:
        """The budget in force at ``when``, in hundredths of the account currency (the rule of
        ``World.budget_at``: the last change made at or before ``when``, else the generated)."""
        _, budget, history = self._budget(campaign)
        for changed, value in history:
            if changed > when:
                break
            budget = value
        return round(budget * 100)

    def _budget(self, campaign: int) -> tuple[str, float, Sequence[tuple[datetime, float]]]:
        """The campaign's budget mode, generated budget and budget history (kept per request:
        every hour of every day asks)."""
        found = self._budgets.get(campaign)
        if found is None:
            mode, generated = self.world.campaign_budget(self.account, campaign)
            entity = gen.entity_id("campaign", self.account, campaign)
            history = self.world.budgets.get(entity, ())
            found = self._budgets[campaign] = (mode, generated, history)
        return found

    def full_day(self, campaign: int, day: date, budget: int | None = None) -> int:
        """The day's full amount for ``budget`` (hundredths; default: the budget in force now)."""
        seed = self.world.config.seed
        mode = self._budget(campaign)[0]
        if budget is None:
            budget = self.budget_cents(campaign, self.now)
        per_usd = gen.market(self.account)[3]
        if mode == "BUDGET_MODE_DAY":
            base = float(budget)
        elif mode == "BUDGET_MODE_TOTAL":
            base = budget / 60
        else:
            base = 100.0 * per_usd * 100
        share = 40 + gen.mix(seed, 20, self.account, campaign, day.toordinal()) % 56
        return int(base * share / 100 * self.world.config.spend_scale)

    def _hourly(self, campaign: int, day: date, budget: int) -> list[int]:
        key = (campaign, day, budget)
        if key not in self._shapes:
            self._shapes[key] = split(self.full_day(campaign, day, budget), list(DIURNAL))
        return self._shapes[key]

    def _first_day(self, campaign: int) -> date:
        found = self._firsts.get(campaign)
        if found is None:
            created = self.world.times("campaign", self.account, campaign)[0]
            found = self._firsts[campaign] = created.astimezone(self.zone).date()
        return found

    def _spent_before(self, campaign: int, day: date) -> int:
        """Spend of ``campaign`` over its whole life before ``day`` (for the lifetime cap)."""
        first = self._first_day(campaign)
        at, total = self._prefix.get(campaign, (first, 0))
        if at > day:
            at, total = first, 0
        most = self._most(campaign)
        while at < day and total < most:  # spent out: nothing more until the budget rises
            self._prefix[campaign] = (at, total)
            total += self.campaign_day(campaign, at)
            at += timedelta(days=1)
        self._prefix[campaign] = (max(at, day), total)
        return total

    def campaign_day(self, campaign: int, day: date) -> int:
        if self.ended(day):
            spends = self._settled_campaigns(day)
            return spends[campaign] if campaign < len(spends) else 0
        key = (campaign, day)
        if key not in self._days:
            self._days[key] = self._day_total(campaign, day)
        return self._days[key]

    def _day_total(self, campaign: int, day: date) -> int:
        """``sum(campaign_hours(...))``, without the hours when the day is steady and uncapped
        (a lifetime campaign's whole history is summed for its cap)."""
        if not self._live(campaign, day):
            return 0
        mode = self._budget(campaign)[0]
        spent = 0
        if mode == "BUDGET_MODE_TOTAL":
            spent = self._spent_before(campaign, day)
            if spent >= self._most(campaign):
                return 0
        first, last = self.bounds(day)
        children = self._children_static(campaign, first, last)
        if children is False:
            return 0
        steady = self._steady(campaign, day) if children else None
        if steady is not None:
            full = self.full_day(campaign, day, steady)
            room = {"BUDGET_MODE_DAY": steady, "BUDGET_MODE_TOTAL": steady - spent}.get(mode, full)
            if full <= room:
                return full
        return sum(self.campaign_hours(campaign, day))

    def _most(self, campaign: int) -> int:
        """The highest budget the campaign ever had, in hundredths."""
        if campaign not in self._highest:
            self._highest[campaign] = self._highest_budget(campaign)
        return self._highest[campaign]

    def _highest_budget(self, campaign: int) -> int:
        _, generated, history = self._budget(campaign)
        return round(max([generated, *(v for _, v in history)]) * 100)

    def _live(self, campaign: int, day: date) -> bool:
        start, end = self.bounds(day)
        return any(on < end and off > start for on, off in self.intervals(campaign))

    def _steady(self, campaign: int, day: date) -> int | None:
        """The budget when ``day`` is delivering throughout under one budget, else None (the
        common case, computed without looking at each hour)."""
        start, end = self.bounds(day)
        if not any(on <= start and off >= end for on, off in self.intervals(campaign)):
            return None
        if any(start < when < end for when, _ in self._budget(campaign)[2]):
            return None
        return self.budget_cents(campaign, start)

    def campaign_hours(self, campaign: int, day: date) -> list[int]:
        key = (campaign, day)
        if key in self._hours:
            return self._hours[key]
        hours = [0] * 24
        if self._live(campaign, day):
            mode = self._budget(campaign)[0]
            spent = self._spent_before(campaign, day) if mode == "BUDGET_MODE_TOTAL" else 0
            today = 0
            first, last = self.bounds(day)
            children = self._children_static(campaign, first, last)
            steady = self._steady(campaign, day) if children else None
            for hour in range(24 if children is not False else 0):
                if steady is not None:
                    budget, amount = steady, self._hourly(campaign, day, steady)[hour]
                else:
                    start, end = self.bounds(day, hour)
                    seconds = self._on_seconds(campaign, start, end)
                    if not seconds:
                        continue
                    if children is None:
                        seconds = min(seconds, max(self.group_weights(campaign, start, end)))
                        if not seconds:
                            continue
                    budget = self.budget_cents(campaign, start)
                    amount = self._hourly(campaign, day, budget)[hour]
                    length = int((end - start).total_seconds())
                    if seconds < length:
                        amount = amount * seconds // length
                if mode == "BUDGET_MODE_DAY":
                    amount = max(0, min(amount, budget - today))
                elif mode == "BUDGET_MODE_TOTAL":
                    amount = max(0, min(amount, budget - spent - today))
                hours[hour] = amount
                today += amount
        self._hours[key] = hours
        return hours


def settle_history(world: World, accounts: Sequence[int] | None = None) -> int:
    """Work out every ad account's (or ``accounts``') ended days at every level before any
    report asks, as a platform keeps its reports: a first page then answers as fast as the
    others. The world keeps at most ``config.kept_accounts`` accounts. Returns the days kept."""
    chosen = range(world.config.accounts) if accounts is None else accounts
    return sum(SpendModel(world, account).settle() for account in chosen)
