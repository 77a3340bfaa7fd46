"""A rule's definition: scope, conditions, minimum data, action, guardrails, schedule.

The definition is plain data (``parse`` from a JSON-like dict, ``dump`` back), validated here
once, so that the API, the CLI, the console and the stored row all mean the same rule.

- Scope: one channel and level (TikTok campaigns, ad groups or ads; Promote orders; shop
  enrollments), narrowed by owners (advertiser, creator or shop ids), object ids, product ids
  and a name filter. ``Scope`` is what a source of observations answers; today's sources read
  each feature, a promotions index can later answer the same scope.
- Conditions: ``{"op": "and"|"or", "items": [condition | group, …]}``, nested at most
  ``MAX_DEPTH`` deep; a condition is ``{"metric", "cmp", "value"}``.
- Minimum data: an object is not judged before it has at least this many impressions, this
  much spend (major units) and this many days with data.
- Action: one per rule, valid for the scope's channel (``ACTIONS_BY_CHANNEL``).
- Guardrails: at most ``max_actions`` actions per evaluation, no second action on an object
  within ``cooldown_minutes``, objects carrying an excluded label are left alone, ``dry_run``
  records what would happen and does nothing.
- Revive: a rule whose action is ``revive`` re-enables objects that the rule ``revive_of``
  paused and whose values (after late attribution) now meet its conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from promodesk.kit.errors import ValidationFailed
from promodesk.rules.domain.metrics import Metric

MAX_DEPTH = 3
MAX_CONDITIONS = 20
MAX_LOOKBACK_DAYS = 90


class Channel(StrEnum):
    TIKTOK_CAMPAIGN = "tiktok_campaign"
    TIKTOK_ADGROUP = "tiktok_adgroup"
    TIKTOK_AD = "tiktok_ad"
    PROMOTE_ORDER = "promote_order"
    SHOP_ENROLLMENT = "shop_enrollment"


class Cmp(StrEnum):
    GT = ">"
    GTE = ">="
    LT = "<"
    LTE = "<="
    EQ = "="


class ActionKind(StrEnum):
    PAUSE = "pause"
    CANCEL = "cancel"  # delete on TikTok
    BUDGET = "budget"  # change the budget by ``percent``
    STOP_ORDER = "stop_order"
    WITHDRAW = "withdraw"  # the shop enrollment's stage-aware cancel
    STOCK_ZERO = "stock_zero"
    NOTIFY = "notify"
    REVIVE = "revive"
    # Every promotion of the enrollment's product, in every channel (promotions' stop).
    STOP_EVERYWHERE = "stop_everywhere"


TIKTOK = (Channel.TIKTOK_CAMPAIGN, Channel.TIKTOK_ADGROUP, Channel.TIKTOK_AD)
ACTIONS_BY_CHANNEL: dict[Channel, frozenset[ActionKind]] = {
    Channel.TIKTOK_CAMPAIGN: frozenset(
        {ActionKind.PAUSE, ActionKind.CANCEL, ActionKind.BUDGET, ActionKind.NOTIFY}
        | {ActionKind.REVIVE}
    ),
    Channel.TIKTOK_ADGROUP: frozenset({ActionKind.NOTIFY}),
    Channel.TIKTOK_AD: frozenset({ActionKind.NOTIFY}),
    Channel.PROMOTE_ORDER: frozenset({ActionKind.STOP_ORDER, ActionKind.NOTIFY}),
    Channel.SHOP_ENROLLMENT: frozenset(
        {ActionKind.WITHDRAW, ActionKind.STOCK_ZERO, ActionKind.NOTIFY}
        | {ActionKind.STOP_EVERYWHERE}
    ),
}
METRICS_BY_CHANNEL: dict[Channel, frozenset[Metric]] = {
    **{c: frozenset(Metric) - {Metric.STOCK} for c in TIKTOK},
    Channel.PROMOTE_ORDER: frozenset(
        {Metric.SPEND, Metric.RESULTS, Metric.COST_PER_RESULT, Metric.SPEND_NO_RESULTS}
        | {Metric.BUDGET_PACING}
    ),
    Channel.SHOP_ENROLLMENT: frozenset({Metric.STOCK}),
}


@dataclass(frozen=True)
class Scope:
    channel: Channel
    owner_ids: tuple[int, ...] = ()
    object_ids: tuple[str, ...] = ()
    product_ids: tuple[int, ...] = ()
    name_contains: str = ""


@dataclass(frozen=True)
class Condition:
    metric: Metric
    cmp: Cmp
    value: Decimal


@dataclass(frozen=True)
class Group:
    op: str  # "and" | "or"
    items: tuple[Condition | Group, ...]


@dataclass(frozen=True)
class MinimumData:
    impressions: int = 0
    spend: Decimal = Decimal(0)
    days: int = 0


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    percent: Decimal | None = None  # BUDGET: +20 raises by 20 %, -30 lowers by 30 %


@dataclass(frozen=True)
class Guardrails:
    max_actions: int = 10
    cooldown_minutes: int = 60
    exclude_labels: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class Rule:
    scope: Scope
    conditions: Group
    action: Action
    lookback_days: int = 7
    minimum: MinimumData = field(default_factory=MinimumData)
    guardrails: Guardrails = field(default_factory=Guardrails)
    revive_of: int | None = None  # REVIVE: the rule whose pauses it may undo


def _fail(detail: str, where: str) -> ValidationFailed:
    return ValidationFailed(detail, field=where)


def _enum(kind: type[StrEnum], raw: Any, where: str) -> Any:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise _fail(
            f"{raw!r} is not a {kind.__name__.lower()}: use one of {allowed}", where
        ) from None


def _dec(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise _fail("give a number", where)
    try:
        found = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _fail(f"{raw!r} is not a number", where) from None
    if not found.is_finite() or abs(found) > Decimal(10) ** 15:
        raise _fail(f"{raw!r} is out of range", where)
    return found


def _int(raw: Any, where: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise _fail("give a whole number", where)
    try:
        found = int(raw)
    except ValueError:
        raise _fail(f"{raw!r} is not a whole number", where) from None
    if not low <= found <= high:
        raise _fail(f"give a whole number from {low} to {high}", where)
    return found


def _group(raw: Any, channel: Channel, depth: int, count: list[int]) -> Group:
    where = "conditions"
    if not isinstance(raw, dict):
        raise _fail("conditions are {op, items}", where)
    op = str(raw.get("op", "and")).lower()
    if op not in ("and", "or"):
        raise _fail("a group's op is and or or", where)
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        raise _fail("a group needs at least one condition", where)
    parsed: list[Condition | Group] = []
    for item in items:
        if isinstance(item, dict) and "items" in item:
            if depth >= MAX_DEPTH:
                raise _fail(f"conditions nest at most {MAX_DEPTH} deep", where)
            parsed.append(_group(item, channel, depth + 1, count))
            continue
        if not isinstance(item, dict):
            raise _fail("a condition is {metric, cmp, value}", where)
        metric = _enum(Metric, item.get("metric"), where)
        if metric not in METRICS_BY_CHANNEL[channel]:
            raise _fail(f"{metric.value} is not measured for {channel.value}", where)
        count[0] += 1
        if count[0] > MAX_CONDITIONS:
            raise _fail(f"at most {MAX_CONDITIONS} conditions", where)
        parsed.append(
            Condition(metric, _enum(Cmp, item.get("cmp"), where), _dec(item.get("value"), where))
        )
    return Group(op, tuple(parsed))


def _ids(raw: Any, where: str, kind: type) -> tuple[Any, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list) or len(raw) > 1000:
        raise _fail("give a list of at most 1000 ids", where)
    try:
        return tuple(kind(x) for x in raw if not isinstance(x, bool))
    except (TypeError, ValueError):
        raise _fail("ids are whole numbers or ids as text", where) from None


def parse(raw: Any) -> Rule:
    """A validated rule from its JSON form (``ValidationFailed`` names the wrong field)."""
    if not isinstance(raw, dict):
        raise _fail("a rule definition is an object", "definition")
    s = raw.get("scope") or {}
    if not isinstance(s, dict):
        raise _fail("scope is an object", "scope")
    channel = _enum(Channel, s.get("channel"), "scope")
    name = str(s.get("name_contains") or "")
    if len(name) > 200:
        raise _fail("a name filter has at most 200 characters", "scope")
    scope = Scope(
        channel,
        _ids(s.get("owner_ids"), "scope", int),
        _ids(s.get("object_ids"), "scope", str),
        _ids(s.get("product_ids"), "scope", int),
        name,
    )
    if scope.product_ids and channel is not Channel.SHOP_ENROLLMENT:
        raise _fail(
            "products narrow shop enrollments only (until promotions are linked to products)",
            "scope",
        )
    conditions = _group(raw.get("conditions"), channel, 1, [0])
    a = raw.get("action") or {}
    if not isinstance(a, dict):
        raise _fail("action is an object", "action")
    kind = _enum(ActionKind, a.get("kind"), "action")
    if kind not in ACTIONS_BY_CHANNEL[channel]:
        raise _fail(f"{kind.value} is not an action for {channel.value}", "action")
    percent = None
    if kind is ActionKind.BUDGET:
        percent = _dec(a.get("percent"), "action")
        if percent == 0 or not Decimal(-90) <= percent <= Decimal(500):
            raise _fail("a budget change is -90 % to +500 %, not 0", "action")
    revive_of = None
    if kind is ActionKind.REVIVE:
        revive_of = _int(raw.get("revive_of"), "revive_of", 1, 2**62)
    m = raw.get("minimum") or {}
    g = raw.get("guardrails") or {}
    if not isinstance(m, dict) or not isinstance(g, dict):
        raise _fail("minimum and guardrails are objects", "minimum")
    spend = _dec(m.get("spend", 0), "minimum")
    if spend < 0:
        raise _fail("a minimum spend is not negative", "minimum")
    labels = g.get("exclude_labels") or []
    if not isinstance(labels, list) or any(not isinstance(x, str) for x in labels):
        raise _fail("excluded labels are a list of words", "guardrails")
    return Rule(
        scope=scope,
        conditions=conditions,
        action=Action(kind, percent),
        lookback_days=_int(raw.get("lookback_days", 7), "lookback_days", 1, MAX_LOOKBACK_DAYS),
        minimum=MinimumData(
            impressions=_int(m.get("impressions", 0), "minimum", 0, 10**12),
            spend=spend,
            days=_int(m.get("days", 0), "minimum", 0, MAX_LOOKBACK_DAYS),
        ),
        guardrails=Guardrails(
            max_actions=_int(g.get("max_actions", 10), "guardrails", 1, 10_000),
            cooldown_minutes=_int(g.get("cooldown_minutes", 60), "guardrails", 0, 525_600),
            exclude_labels=tuple(sorted({x.strip().lower() for x in labels if x.strip()})),
            dry_run=bool(g.get("dry_run", False)),
        ),
        revive_of=revive_of,
    )


def _dump_group(g: Group) -> dict[str, Any]:
    return {
        "op": g.op,
        "items": [
            _dump_group(i)
            if isinstance(i, Group)
            else {"metric": i.metric.value, "cmp": i.cmp.value, "value": str(i.value)}
            for i in g.items
        ],
    }


def dump(rule: Rule) -> dict[str, Any]:
    """The JSON form ``parse`` reads back to an equal rule."""
    s = rule.scope
    out: dict[str, Any] = {
        "scope": {
            "channel": s.channel.value,
            "owner_ids": list(s.owner_ids),
            "object_ids": list(s.object_ids),
            "product_ids": list(s.product_ids),
            "name_contains": s.name_contains,
        },
        "conditions": _dump_group(rule.conditions),
        "action": {
            "kind": rule.action.kind.value,
            **({"percent": str(rule.action.percent)} if rule.action.percent is not None else {}),
        },
        "lookback_days": rule.lookback_days,
        "minimum": {
            "impressions": rule.minimum.impressions,
            "spend": str(rule.minimum.spend),
            "days": rule.minimum.days,
        },
        "guardrails": {
            "max_actions": rule.guardrails.max_actions,
            "cooldown_minutes": rule.guardrails.cooldown_minutes,
            "exclude_labels": list(rule.guardrails.exclude_labels),
            "dry_run": rule.guardrails.dry_run,
        },
    }
    if rule.revive_of is not None:
        out["revive_of"] = rule.revive_of
    return out
