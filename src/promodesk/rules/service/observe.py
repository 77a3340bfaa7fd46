"""A rule's observations: the objects in its scope with their totals over its lookback.

One function serves live evaluation and simulation: ``observe`` reads the stored data as of a
day (``AsOf``): live, each ad account's local today at the evaluation's instant; simulated, a
given day of the stored history. Statuses are today's (the mirror keeps no status history);
a simulation applies its own simulated actions on top of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from promodesk.campaigns.domain.campaigns import DAILY_MODES
from promodesk.kit.db import UnitOfWork
from promodesk.promote.domain.goals import GOAL_RESULT, Goal
from promodesk.rules.domain.definition import TIKTOK, Channel, Rule
from promodesk.rules.domain.evaluate import ObjectStatus, Observation
from promodesk.rules.domain.metrics import Totals
from promodesk.rules.repository.sources import ScopeFilter, SourcesRepository

_TIKTOK_LEVEL = {
    Channel.TIKTOK_CAMPAIGN: "campaign",
    Channel.TIKTOK_ADGROUP: "adgroup",
    Channel.TIKTOK_AD: "ad",
}
_PROMOTE_LIVE = frozenset({"in_review", "delivering"})
_SHOP_LIVE = frozenset({"pending_review", "approved", "live"})
_GOALS = frozenset(g.value for g in Goal)


@dataclass(frozen=True)
class AsOf:
    """The last day a lookback covers: ``instant``'s local day in each zone, or ``day``."""

    instant: datetime | None = None
    day: date | None = None

    def day_in(self, zone: str) -> date:
        if self.day is not None:
            return self.day
        assert self.instant is not None
        try:
            return self.instant.astimezone(ZoneInfo(zone)).date()
        except (ValueError, KeyError):
            return self.instant.astimezone(UTC).date()

    def end(self) -> datetime:
        """The end of the lookback as an instant (Promote's hourly series are in UTC)."""
        if self.day is not None:
            return datetime.combine(self.day + timedelta(days=1), time(), tzinfo=UTC)
        assert self.instant is not None
        return self.instant

    def label(self) -> str:
        return (self.day or self.day_in("UTC")).isoformat()


def key(channel: Channel, ref: int) -> str:
    return f"{channel.value}:{ref}"


def _filter(rule: Rule) -> ScopeFilter:
    s = rule.scope
    return ScopeFilter(s.owner_ids, s.object_ids, s.product_ids, s.name_contains)


class Sources:
    """What one evaluation job (or one simulation) reads once for all its rules: the labels
    put on objects, and the zones of the workspace's ad accounts."""

    def __init__(self, uow: UnitOfWork, workspace_id: int) -> None:
        self.repo = SourcesRepository(uow)
        self.workspace_id = workspace_id
        self._labels: dict[str, frozenset[str]] | None = None
        self._zones: list[str] | None = None

    def labels(self) -> dict[str, frozenset[str]]:
        if self._labels is None:
            self._labels = self.repo.labels(self.workspace_id)
        return self._labels

    def zones(self) -> list[str]:
        if self._zones is None:
            self._zones = self.repo.zones(self.workspace_id)
        return self._zones

    def observe(self, rule: Rule, as_of: AsOf) -> list[Observation]:
        channel = rule.scope.channel
        if channel in TIKTOK:
            return _tiktok(self, rule, as_of)  # labels put on as they are built
        if channel is Channel.PROMOTE_ORDER:
            found = _promote(self.repo, self.workspace_id, rule, as_of)
        else:
            found = _shop(self.repo, self.workspace_id, rule)
        labels = self.labels()
        if not labels:
            return found
        return [replace(o, labels=labels.get(o.key, frozenset())) for o in found]


def observe(uow: UnitOfWork, workspace_id: int, rule: Rule, as_of: AsOf) -> list[Observation]:
    return Sources(uow, workspace_id).observe(rule, as_of)


def _tiktok(sources: Sources, rule: Rule, as_of: AsOf) -> list[Observation]:
    """Every object of the level in scope with its totals over each zone's local days (the
    windows of every zone of the workspace's ad accounts: an object's rows are in its own).
    Built straight from the rows: it runs for every object of every rule's scope."""
    channel = rule.scope.channel
    windows = {}
    for zone in sources.zones():
        last = as_of.day_in(zone)
        first = last - timedelta(days=rule.lookback_days - 1)
        windows[zone] = (first.isoformat(), last.isoformat())
    rows = sources.repo.tiktok_observed(
        sources.workspace_id, _TIKTOK_LEVEL[channel], windows, _filter(rule)
    )
    labels, unlabelled = sources.labels(), frozenset[str]()
    prefix = f"{channel.value}:"  # each key is ``key(channel, ref)``
    out = []
    for (
        ref,
        name,
        operation_status,
        stopped,
        budget_mode,
        budget_minor,
        currency,
        owner_id,
        n_rows,
        spend,
        impressions,
        clicks,
        conversions,
        reach,
        last_day_spend,
        days,
    ) in rows:  # TIKTOK_COLUMNS
        daily = budget_minor if budget_minor and budget_mode in DAILY_MODES else None
        totals = (
            Totals(currency=currency or "USD", daily_budget_minor=daily)
            if not n_rows
            else Totals(
                currency=currency or "USD",
                spend_minor=spend or 0,
                impressions=impressions or 0,
                clicks=clicks or 0,
                results=conversions or 0,
                reach=reach or 0,
                last_day_spend_minor=last_day_spend or 0,
                daily_budget_minor=daily,
                days_with_data=days or 0,
            )
        )
        status = (
            ObjectStatus.STOPPED
            if stopped
            else ObjectStatus.PAUSED
            if operation_status == "DISABLE"
            else ObjectStatus.LIVE
        )
        object_key = prefix + str(ref)
        out.append(
            Observation(
                object_key,
                ref,
                name or "",
                status,
                totals,
                labels.get(object_key, unlabelled) if labels else unlabelled,
                "" if owner_id is None else str(owner_id),
            )
        )
    return out


def _promote(repo: SourcesRepository, ws: int, rule: Rule, as_of: AsOf) -> list[Observation]:
    orders = repo.promote_orders(ws, _filter(rule))
    if not orders:
        return []
    end = as_of.end()
    since = end - timedelta(days=rule.lookback_days)
    sums = repo.promote_sums(ws, [o.id for o in orders], since, end)
    last_day = repo.promote_sums(ws, [o.id for o in orders], end - timedelta(days=1), end)
    out = []
    for o in orders:
        got = sums.get(o.id, {})
        result_field = GOAL_RESULT.get(Goal(o.goal)) if o.goal in _GOALS else None
        days = -(-int(o.duration_hours) // 24) or 1
        out.append(
            Observation(
                key(Channel.PROMOTE_ORDER, o.id),
                o.id,
                f"Promote order {o.id}",
                ObjectStatus.LIVE if o.status in _PROMOTE_LIVE else ObjectStatus.STOPPED,
                Totals(
                    currency="COIN",
                    spend_minor=got.get("spend", 0),
                    results=got.get(result_field, 0) if result_field else 0,
                    last_day_spend_minor=last_day.get(o.id, {}).get("spend", 0),
                    daily_budget_minor=int(o.budget_coins) // days,
                    days_with_data=-(-int(got.get("hours", 0)) // 24),
                ),
                owner=str(o.creator_id),
            )
        )
    return out


def _shop(repo: SourcesRepository, ws: int, rule: Rule) -> list[Observation]:
    return [
        Observation(
            key(Channel.SHOP_ENROLLMENT, row.id),
            row.id,
            row.title,
            ObjectStatus.LIVE if row.state in _SHOP_LIVE else ObjectStatus.STOPPED,
            Totals(currency=row.currency, stock=int(row.stock)),
            owner=str(row.shop_id),
        )
        for row in repo.shop_enrollments(ws, _filter(rule))
    ]
