"""Evaluation: a pure function of (rule, observations, history of actions, time) → decisions.

Live evaluation and simulation call this same function on observations read the same way, so a
simulation shows what the rule would do live on the same data, by construction.

Rules, in order, for each observation in scope (sorted by key, so the order is stable):
1. an object carrying an excluded label is ``excluded``;
2. an object whose status the action does not apply to is left out (pause a live object, revive
   an object the ``revive_of`` rule paused and nobody revived since);
3. below the minimum data (impressions, spend, days with data) it is ``insufficient_data``;
4. conditions not met: left out (only counted);
5. met, but this rule acted on the object less than ``cooldown_minutes`` ago: ``cooldown``;
6. met, and ``max_actions`` already decided in this evaluation: ``limit``;
7. otherwise ``act`` (or ``dry_run`` when the rule is in dry-run: nothing will be done).
Each decision keeps the values seen: the metrics its conditions and minimum data read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from promodesk.rules.domain.definition import (
    ActionKind,
    Group,
    Rule,
)
from promodesk.rules.domain.exact import conditions_test, minimum_test
from promodesk.rules.domain.metrics import MONEY_METRICS, Metric, Totals, value


class ObjectStatus(StrEnum):
    LIVE = "live"
    PAUSED = "paused"
    STOPPED = "stopped"  # ended for good (deleted, cancelled, withdrawn)


class Outcome(StrEnum):
    ACT = "act"
    DRY_RUN = "dry_run"
    COOLDOWN = "cooldown"
    LIMIT = "limit"
    EXCLUDED = "excluded"
    INSUFFICIENT_DATA = "insufficient_data"


ACTING = frozenset({Outcome.ACT, Outcome.DRY_RUN})
STOPPING = frozenset(
    {
        ActionKind.PAUSE,
        ActionKind.CANCEL,
        ActionKind.STOP_ORDER,
        ActionKind.WITHDRAW,
        ActionKind.STOCK_ZERO,
        ActionKind.STOP_EVERYWHERE,
    }
)


@dataclass(frozen=True, slots=True)  # one per object in scope per evaluation: no __dict__
class Observation:
    """One object in scope as seen now: ``ref`` is what an action is given (a row id)."""

    key: str  # unique within the channel, e.g. "tiktok_campaign:12"
    ref: int
    name: str
    status: ObjectStatus
    totals: Totals
    labels: frozenset[str] = frozenset()
    owner: str = ""


@dataclass(frozen=True)
class PastAction:
    """An action some rule took (or tried) on an object."""

    rule_id: int
    key: str
    kind: ActionKind
    at: datetime
    succeeded: bool = True


@dataclass(frozen=True)
class Decision:
    key: str
    ref: int
    name: str
    outcome: Outcome
    action: ActionKind
    values: dict[str, str | None]


@dataclass(frozen=True)
class Evaluation:
    decisions: tuple[Decision, ...]
    in_scope: int
    not_met: int
    not_applicable: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def acting(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.outcome in ACTING)


def metrics_of(group: Group) -> list[Metric]:
    found: list[Metric] = []
    for item in group.items:
        more = metrics_of(item) if isinstance(item, Group) else [item.metric]
        found.extend(m for m in more if m not in found)
    return found


def _seen(rule: Rule, totals: Totals) -> dict[str, str | None]:
    wanted = metrics_of(rule.conditions)
    for extra in (Metric.SPEND, Metric.IMPRESSIONS):
        if extra not in wanted and rule.scope.channel.value.startswith("tiktok"):
            wanted.append(extra)
    out: dict[str, str | None] = {}
    for metric in wanted:
        found = value(metric, totals)
        out[metric.value] = None if found is None else str(found)
    if any(m in MONEY_METRICS for m in wanted):
        out["currency"] = totals.currency  # money is in the object's currency (COIN: coins)
    return out


def _revivable(rule: Rule, key: str, history: Sequence[PastAction]) -> bool:
    """The ``revive_of`` rule's last successful action on ``key`` paused it, and nothing
    revived it since."""
    last = None
    for past in history:
        if past.key != key or not past.succeeded:
            continue
        counts = past.kind is ActionKind.REVIVE or (
            past.rule_id == rule.revive_of and past.kind is ActionKind.PAUSE
        )
        if counts and (last is None or past.at >= last.at):
            last = past
    return last is not None and last.kind is ActionKind.PAUSE


def applies(rule: Rule, obs: Observation, history: Sequence[PastAction]) -> bool:
    kind = rule.action.kind
    if kind is ActionKind.REVIVE:
        return obs.status is ObjectStatus.PAUSED and _revivable(rule, obs.key, history)
    return obs.status is ObjectStatus.LIVE


def _last_acted(
    rule_id: int, history: Iterable[PastAction], now: datetime, window: timedelta
) -> set[str]:
    return {
        p.key
        for p in history
        if p.rule_id == rule_id and p.succeeded and now - p.at < window and p.at <= now
    }


def _key_order(key: str) -> tuple[str, int, str]:
    """Objects in id order within their kind (``tiktok_campaign:9`` before ``…:12``): the order
    of the decisions, and so of max-actions-per-run and of the operation log."""
    kind, _, ident = key.rpartition(":")
    return (kind, int(ident), "") if ident.isdigit() else (kind, -1, ident)


def evaluate(
    rule: Rule,
    rule_id: int,
    observations: Iterable[Observation],
    history: Sequence[PastAction],
    now: datetime,
) -> Evaluation:
    """Decide what ``rule`` does to each observation at ``now`` (see the module rules)."""
    excluded = set(rule.guardrails.exclude_labels)
    cooling = _last_acted(
        rule_id, history, now, timedelta(minutes=rule.guardrails.cooldown_minutes)
    )
    # judged in integers, exactly as the decimal metrics judge them (``exact``)
    enough, met = minimum_test(rule.minimum), conditions_test(rule.conditions)
    by_key = {o.key: o for o in observations}
    decisions: list[Decision] = []
    not_met = not_applicable = acting = 0
    for key in sorted(by_key, key=_key_order):
        obs = by_key[key]
        outcome: Outcome | None
        if excluded and excluded & {label.lower() for label in obs.labels}:
            outcome = Outcome.EXCLUDED
        elif not applies(rule, obs, history):
            not_applicable += 1
            continue
        elif not enough(obs.totals):
            outcome = Outcome.INSUFFICIENT_DATA
        elif not met(obs.totals):
            not_met += 1
            continue
        elif key in cooling:
            outcome = Outcome.COOLDOWN
        elif acting >= rule.guardrails.max_actions:
            outcome = Outcome.LIMIT
        else:
            acting += 1
            outcome = Outcome.DRY_RUN if rule.guardrails.dry_run else Outcome.ACT
        decisions.append(
            Decision(obs.key, obs.ref, obs.name, outcome, rule.action.kind, _seen(rule, obs.totals))
        )
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.outcome.value] = counts.get(d.outcome.value, 0) + 1
    return Evaluation(tuple(decisions), len(by_key), not_met, not_applicable, counts)


def budget_after(before_minor: int, percent: Decimal) -> int:
    """The budget after a change by ``percent`` (rounded half up to a minor unit)."""
    after = Decimal(before_minor) * (Decimal(100) + percent) / Decimal(100)
    return int(after.quantize(Decimal(1), rounding=ROUND_HALF_UP))
