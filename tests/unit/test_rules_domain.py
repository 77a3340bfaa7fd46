"""Rules as worked examples: thresholds, AND/OR, minimum data, cooldown, max actions, revive,
exclusions, dry run, and schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.rules.domain.definition import ActionKind, dump, parse
from promodesk.rules.domain.evaluate import (
    ObjectStatus,
    Observation,
    PastAction,
    budget_after,
    evaluate,
)
from promodesk.rules.domain.metrics import Metric, Totals, value
from promodesk.rules.domain.schedule import LowTraffic, Schedule, ScheduleKind, next_due

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def rule(conditions: Any = None, **kw: Any) -> dict[str, Any]:
    return {
        "scope": {"channel": "tiktok_campaign"},
        "conditions": conditions
        or {"op": "and", "items": [{"metric": "spend_no_results", "cmp": ">", "value": "50"}]},
        "action": {"kind": "pause"},
        **kw,
    }


def obs(
    n: int, status: ObjectStatus = ObjectStatus.LIVE, labels: tuple[str, ...] = (), **t: Any
) -> Observation:
    totals = Totals(
        **{"currency": "USD", "impressions": 10_000, "days_with_data": 7, **t}  # type: ignore[arg-type]
    )
    return Observation(f"c:{n:03d}", n, f"Campaign {n}", status, totals, frozenset(labels))


def outcomes(ev: Any) -> dict[str, str]:
    return {d.key: d.outcome.value for d in ev.decisions}


def test_metrics_are_exact_decimals_from_minor_units() -> None:
    t = Totals(
        currency="USD",
        spend_minor=12_345,
        impressions=40_000,
        clicks=500,
        results=5,
        reach=10_000,
        revenue_minor=49_380,
        last_day_spend_minor=4_500,
        daily_budget_minor=5_000,
    )
    assert value(Metric.SPEND, t) == Decimal("123.45")
    assert value(Metric.COST_PER_RESULT, t) == Decimal("24.6900")
    assert value(Metric.CTR, t) == Decimal("1.2500")  # percent
    assert value(Metric.CPM, t) == Decimal("3.0863")  # 123.45 * 1000 / 40000 = 3.086250
    assert value(Metric.FREQUENCY, t) == Decimal("4.0000")
    assert value(Metric.ROAS, t) == Decimal("4.0000")
    assert value(Metric.BUDGET_PACING, t) == Decimal("90.0000")
    assert value(Metric.SPEND_NO_RESULTS, t) == Decimal(0)  # it has results
    none = Totals(currency="JPY", spend_minor=700)
    assert value(Metric.SPEND, none) == Decimal(700)  # JPY has no minor unit
    assert value(Metric.SPEND_NO_RESULTS, none) == Decimal(700)
    assert value(Metric.CTR, none) is None  # no impressions: not computable
    assert value(Metric.ROAS, none) is None  # no revenue reported


def test_threshold_pauses_only_above_it_with_the_values_seen() -> None:
    r = parse(rule())
    ev = evaluate(
        r,
        1,
        [
            obs(1, spend_minor=5_001),
            obs(2, spend_minor=5_000),
            obs(3, spend_minor=9_000, results=1),
        ],
        [],
        NOW,
    )
    assert outcomes(ev) == {"c:001": "act"}
    assert ev.decisions[0].values == {
        "spend_no_results": "50.01",
        "spend": "50.01",
        "impressions": "10000",
        "currency": "USD",  # the money is in the object's currency
    }
    assert ev.not_met == 2
    assert ev.in_scope == 3


def test_and_or_nesting() -> None:
    # (CPM > 10 AND CTR < 1 %) OR frequency >= 5
    r = parse(
        rule(
            {
                "op": "or",
                "items": [
                    {
                        "op": "and",
                        "items": [
                            {"metric": "cpm", "cmp": ">", "value": "10"},
                            {"metric": "ctr", "cmp": "<", "value": "1"},
                        ],
                    },
                    {"metric": "frequency", "cmp": ">=", "value": "5"},
                ],
            }
        )
    )
    both = obs(1, spend_minor=20_000, clicks=50, reach=5_000)  # CPM 20, CTR 0.5 %, freq 2
    cpm_only = obs(2, spend_minor=20_000, clicks=500, reach=5_000)  # CTR 5 %
    frequent = obs(3, spend_minor=100, clicks=500, reach=2_000)  # freq 5
    neither = obs(4, spend_minor=100, clicks=500, reach=5_000)
    ev = evaluate(r, 1, [both, cpm_only, frequent, neither], [], NOW)
    assert outcomes(ev) == {"c:001": "act", "c:003": "act"}


def test_minimum_data_waits_before_judging() -> None:
    r = parse(rule(minimum={"impressions": 1000, "spend": "20", "days": 3}))
    young = obs(1, spend_minor=6_000, impressions=999)
    cheap_ok = obs(2, spend_minor=6_000, impressions=1000)
    new = obs(3, spend_minor=6_000, days_with_data=2)
    ev = evaluate(r, 1, [young, cheap_ok, new], [], NOW)
    assert outcomes(ev) == {
        "c:001": "insufficient_data",
        "c:002": "act",
        "c:003": "insufficient_data",
    }


def test_cooldown_per_object_and_only_this_rules_own_actions() -> None:
    r = parse(rule(guardrails={"cooldown_minutes": 60}))
    history = [
        PastAction(7, "c:001", ActionKind.PAUSE, NOW - timedelta(minutes=59)),  # cooling
        PastAction(7, "c:002", ActionKind.PAUSE, NOW - timedelta(minutes=60)),  # over
        PastAction(8, "c:003", ActionKind.PAUSE, NOW - timedelta(minutes=1)),  # other rule
        PastAction(7, "c:004", ActionKind.PAUSE, NOW - timedelta(minutes=1), succeeded=False),
    ]
    ev = evaluate(r, 7, [obs(n, spend_minor=9_000) for n in (1, 2, 3, 4)], history, NOW)
    assert outcomes(ev) == {"c:001": "cooldown", "c:002": "act", "c:003": "act", "c:004": "act"}


def test_max_actions_per_run_in_key_order() -> None:
    r = parse(rule(guardrails={"max_actions": 2}))
    ev = evaluate(r, 1, [obs(n, spend_minor=9_000) for n in (3, 1, 2, 4)], [], NOW)
    assert outcomes(ev) == {"c:001": "act", "c:002": "act", "c:003": "limit", "c:004": "limit"}
    assert len(ev.acting) == 2


def test_exclusions_dry_run_and_status() -> None:
    r = parse(rule(guardrails={"exclude_labels": ["VIP"], "dry_run": True}))
    ev = evaluate(
        r,
        1,
        [
            obs(1, spend_minor=9_000, labels=("vip",)),
            obs(2, spend_minor=9_000),
            obs(3, ObjectStatus.PAUSED, spend_minor=9_000),
        ],
        [],
        NOW,
    )
    assert outcomes(ev) == {"c:001": "excluded", "c:002": "dry_run"}
    assert ev.not_applicable == 1


def test_revive_re_enables_what_late_attribution_proves_was_stopped_wrongly() -> None:
    # Rule 1 paused campaigns spending > 50 with no results; conversions arrived late.
    revive = parse(
        {
            "scope": {"channel": "tiktok_campaign"},
            "conditions": {
                "op": "and",
                "items": [{"metric": "cost_per_result", "cmp": "<=", "value": "30"}],
            },
            "action": {"kind": "revive"},
            "revive_of": 1,
        }
    )
    paused_at = NOW - timedelta(hours=3)
    history = [
        PastAction(1, "c:001", ActionKind.PAUSE, paused_at),
        PastAction(1, "c:002", ActionKind.PAUSE, paused_at),
        PastAction(1, "c:004", ActionKind.PAUSE, paused_at),
        PastAction(2, "c:004", ActionKind.REVIVE, paused_at + timedelta(hours=1)),
    ]
    late = obs(1, ObjectStatus.PAUSED, spend_minor=6_000, results=3)  # 20 per result
    still_bad = obs(2, ObjectStatus.PAUSED, spend_minor=6_000, results=1)  # 60
    paused_by_hand = obs(3, ObjectStatus.PAUSED, spend_minor=6_000, results=3)
    revived_before = obs(4, ObjectStatus.PAUSED, spend_minor=6_000, results=3)
    ev = evaluate(revive, 2, [late, still_bad, paused_by_hand, revived_before], history, NOW)
    assert outcomes(ev) == {"c:001": "act"}
    assert ev.decisions[0].action is ActionKind.REVIVE


def test_budget_change_rounds_half_up() -> None:
    assert budget_after(10_000, Decimal("20")) == 12_000
    assert budget_after(10_001, Decimal("-50")) == 5_001  # 5000.5 → 5001
    r = parse(rule(action={"kind": "budget", "percent": "-30"}))
    assert r.action.percent == Decimal(-30)


def test_definition_round_trips_and_refuses_with_the_field() -> None:
    raw = rule(
        minimum={"impressions": 100, "spend": "5", "days": 1},
        guardrails={"max_actions": 3, "cooldown_minutes": 10, "exclude_labels": ["keep"]},
        lookback_days=14,
    )
    r = parse(raw)
    assert parse(dump(r)) == r
    bad = [
        ({**raw, "action": {"kind": "stock_zero"}}, "action"),  # not for TikTok
        ({**raw, "lookback_days": 91}, "lookback_days"),
        ({**raw, "scope": {"channel": "shop_enrollment"}}, "conditions"),  # spend not measured
        ({**raw, "action": {"kind": "budget", "percent": "0"}}, "action"),
        ({**raw, "action": {"kind": "revive"}}, "revive_of"),
        ({**raw, "conditions": {"op": "xor", "items": []}}, "conditions"),
        ({**raw, "scope": {"channel": "tiktok_campaign", "product_ids": [3]}}, "scope"),
    ]
    for wrong, where in bad:
        with pytest.raises(ValidationFailed) as caught:
            parse(wrong)
        assert caught.value.field == where, wrong


def test_schedules() -> None:
    every = Schedule(ScheduleKind.EVERY, every_minutes=1)
    at = datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC)
    assert next_due(every, at) == datetime(2026, 12, 7, 12, 1, tzinfo=UTC)
    assert next_due(every, datetime(2026, 12, 7, 12, 1, tzinfo=UTC)) == datetime(
        2026, 12, 7, 12, 2, tzinfo=UTC
    )
    daily = Schedule(ScheduleKind.DAILY, at_minute=9 * 60, timezone="Asia/Shanghai")
    assert next_due(daily, at) == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 09:00 +08:00
    low = Schedule(ScheduleKind.LOW_TRAFFIC, shop_id=1)
    window = LowTraffic("Asia/Shanghai", 60, 5 * 60)  # 01:00-05:00 local
    assert next_due(low, at, window) == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def test_objects_are_decided_in_id_order_within_their_kind() -> None:
    """``tiktok_campaign:9`` comes before ``tiktok_campaign:12``: the log reads in id order and
    max actions per run takes the lowest ids first."""
    r = parse(rule())
    made = [
        Observation(
            f"tiktok_campaign:{n}", n, f"Campaign {n}", ObjectStatus.LIVE, o.totals, o.labels
        )
        for n, o in ((12, obs(12, spend_minor=9_000)), (9, obs(9, spend_minor=9_000)))
    ]
    ev = evaluate(r, 1, made, [], NOW)
    assert [d.key for d in ev.decisions] == ["tiktok_campaign:9", "tiktok_campaign:12"]
