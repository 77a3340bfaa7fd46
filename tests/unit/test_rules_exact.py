"""Conditions and minimum data judged in integers decide exactly as the decimal metrics do:
on thresholds at the rounding boundary, zero results, zero impressions, missing revenue,
minimum data, negative and huge totals (the decimal path), every currency exponent; and a
whole evaluation decides the same with either path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promodesk.rules.domain import evaluate as evaluate_module
from promodesk.rules.domain.definition import Cmp, Condition, Group, MinimumData, parse
from promodesk.rules.domain.evaluate import ObjectStatus, Observation, evaluate
from promodesk.rules.domain.exact import (
    conditions_test,
    enough_data,
    holds,
    minimum_test,
)
from promodesk.rules.domain.metrics import Metric, Totals, value

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TIKTOK_METRICS = [m for m in Metric if m is not Metric.STOCK]


def same(metric: Metric, cmp: Cmp, limit: str, t: Totals) -> None:
    group = Group("and", (Condition(metric, cmp, Decimal(limit)),))
    expected = _answer(lambda: holds(group, t))
    assert _answer(lambda: conditions_test(group)(t)) == expected, (metric, cmp, limit, t)


def _answer(judge: Any) -> Any:
    """The answer, or the error it ends with (a metric too large for 28 digits)."""
    try:
        return judge()
    except ArithmeticError as exc:
        return type(exc)


@pytest.mark.parametrize("cmp", list(Cmp))
def test_cost_per_result_on_the_rounding_boundary(cmp: Cmp) -> None:
    # 1.00 over 3 results: 0.33333… → 0.3333; 2.00 over 3: 0.6666… → 0.6667
    for spend, results in ((100, 3), (200, 3), (1, 8), (3, 8), (400, 100), (401, 100)):
        t = Totals(spend_minor=spend, results=results)
        seen = value(Metric.COST_PER_RESULT, t)
        assert seen is not None
        for limit in (seen, seen - Decimal("0.0001"), seen + Decimal("0.0001")):
            same(Metric.COST_PER_RESULT, cmp, str(limit), t)
        # a threshold with more places than the metric keeps
        for limit in ("0.33335", "0.333349", "0.66665", "0.00125", "0.000125", "4", "4.01"):
            same(Metric.COST_PER_RESULT, cmp, limit, t)


def test_half_way_ratios_round_up_as_the_decimal_metrics_do() -> None:
    # 1 click in 16 impressions: CTR 6.25 % exactly; 1 in 32: 3.125 → 3.1250; 1 in 320 000:
    # 0.0003125 → 0.0003; 1 in 160 000: 0.000625 → 0.0006 (half up)
    for clicks, impressions, limit in (
        (1, 16, "6.25"),
        (1, 32, "3.125"),
        (1, 320_000, "0.0003"),
        (1, 160_000, "0.0006"),
        (1, 160_000, "0.0007"),
        (5, 8_000_000, "0.0001"),  # 0.0000625 → 0.0001
    ):
        t = Totals(clicks=clicks, impressions=impressions)
        for cmp in Cmp:
            same(Metric.CTR, cmp, limit, t)


def test_metrics_that_cannot_be_computed_never_hold() -> None:
    cases = [
        (Metric.COST_PER_RESULT, Totals(spend_minor=500, results=0)),
        (Metric.CTR, Totals(clicks=0, impressions=0)),
        (Metric.CPM, Totals(spend_minor=500, impressions=0)),
        (Metric.FREQUENCY, Totals(impressions=100, reach=0)),
        (Metric.ROAS, Totals(spend_minor=500, revenue_minor=None)),
        (Metric.ROAS, Totals(spend_minor=0, revenue_minor=100)),
        (Metric.BUDGET_PACING, Totals(last_day_spend_minor=100, daily_budget_minor=None)),
        (Metric.BUDGET_PACING, Totals(last_day_spend_minor=100, daily_budget_minor=0)),
        (Metric.STOCK, Totals(stock=None)),
    ]
    for metric, t in cases:
        for cmp in Cmp:
            same(metric, cmp, "0", t)
            same(metric, cmp, "-1", t)


def test_spend_without_results_and_each_currency_exponent() -> None:
    for currency in ("USD", "JPY", "KWD", "COIN", "IDR"):
        for results in (0, 1):
            t = Totals(currency=currency, spend_minor=5_000, results=results, impressions=9)
            for limit in ("0", "5", "50", "5000", "4.999", "5.001", "50.00", "49.999"):
                for cmp in Cmp:
                    for metric in (Metric.SPEND, Metric.SPEND_NO_RESULTS, Metric.CPM):
                        same(metric, cmp, limit, t)


def test_negative_and_huge_totals_take_the_decimal_path() -> None:
    for t in (
        Totals(spend_minor=-500, results=3, clicks=-1, impressions=7),
        Totals(spend_minor=10**17 + 3, results=7, clicks=10**16, impressions=3 * 10**15),
        Totals(spend_minor=10**15, results=-2, impressions=-5, reach=-1),
        Totals(last_day_spend_minor=-50, daily_budget_minor=-7),
    ):
        for metric in TIKTOK_METRICS:
            for limit in ("0", "-1.5", "1000000000000", "0.0001"):
                for cmp in Cmp:
                    same(metric, cmp, limit, t)


def test_where_the_decimal_division_rounds_twice_its_answer_stands() -> None:
    # 10^22-fold frequency: the 28-digit division rounds …685.31704|99… up to …685.31705,
    # then half up to …685.3171 (exactly: …685.3170); beyond the bounds, so the decimal
    # path answers
    t = Totals(impressions=7565910000000000007327823709, reach=756591)
    assert value(Metric.FREQUENCY, t) == Decimal("10000000000000000009685.3171")
    for cmp in Cmp:
        same(Metric.FREQUENCY, cmp, "10000000000000000009685.3171", t)
        same(Metric.FREQUENCY, cmp, "10000000000000000009685.31705", t)
    # too many digits for 28: the decimal path's error stands too
    same(Metric.CPM, Cmp.GT, "1", Totals(spend_minor=10**27, impressions=1))


def test_minimum_data_on_its_boundaries() -> None:
    m = MinimumData(impressions=1000, spend=Decimal("12.34"), days=3)
    for currency in ("USD", "JPY", "KWD"):
        for spend in (1233, 1234, 1235, 12_340, 0, -1, 10**16):
            for impressions in (999, 1000):
                for days in (2, 3):
                    t = Totals(
                        currency=currency,
                        spend_minor=spend,
                        impressions=impressions,
                        days_with_data=days,
                    )
                    assert minimum_test(m)(t) is enough_data(m, t), t
    zero = MinimumData()
    assert minimum_test(zero)(Totals()) is enough_data(zero, Totals()) is True


def test_odd_thresholds_are_judged_by_the_decimal_path() -> None:
    t = Totals(spend_minor=1, results=1, clicks=1, impressions=10**6)
    for limit in ("1E-60", "0E-50", "1E+20"):
        for cmp in Cmp:
            same(Metric.CTR, cmp, limit, t)
            same(Metric.SPEND, cmp, limit, t)
    m = MinimumData(spend=Decimal("1E-60"))
    assert minimum_test(m)(t) is enough_data(m, t)


totals = st.builds(
    Totals,
    currency=st.sampled_from(["USD", "JPY", "KWD", "COIN"]),
    spend_minor=st.one_of(st.integers(0, 10**7), st.integers(-(10**3), 10**18)),
    impressions=st.one_of(st.integers(0, 10**5), st.integers(-5, 10**16)),
    clicks=st.integers(0, 10**4),
    results=st.one_of(st.integers(0, 50), st.integers(-3, 10**16)),
    reach=st.integers(0, 10**5),
    revenue_minor=st.none() | st.integers(0, 10**8),
    last_day_spend_minor=st.integers(0, 10**6),
    daily_budget_minor=st.none() | st.integers(0, 10**6),
    days_with_data=st.integers(0, 30),
)
limits = st.one_of(
    st.decimals(min_value=-10, max_value=10**4, places=4, allow_nan=False),
    st.decimals(min_value=0, max_value=5, places=7, allow_nan=False),
    st.integers(0, 10**6).map(Decimal),
)


@settings(deadline=None, max_examples=400)
@given(
    t=totals,
    metric=st.sampled_from(TIKTOK_METRICS),
    cmp=st.sampled_from(list(Cmp)),
    limit=limits,
)
def test_any_condition_decides_as_the_decimal_metrics(
    t: Totals, metric: Metric, cmp: Cmp, limit: Decimal
) -> None:
    same(metric, cmp, str(limit), t)


@settings(deadline=None, max_examples=200)
@given(
    t=totals,
    impressions=st.integers(0, 2000),
    spend=limits,
    days=st.integers(0, 10),
)
def test_any_minimum_decides_as_the_decimal_metrics(
    t: Totals, impressions: int, spend: Decimal, days: int
) -> None:
    m = MinimumData(impressions, spend, days)
    assert minimum_test(m)(t) is enough_data(m, t)


def _rule(k: int) -> dict[str, Any]:
    return {
        "scope": {"channel": "tiktok_campaign"},
        "conditions": {
            "op": "or",
            "items": [
                {
                    "op": "and",
                    "items": [
                        {"metric": "spend", "cmp": ">", "value": str(k)},
                        {"metric": "cost_per_result", "cmp": ">", "value": "0.3333"},
                    ],
                },
                {"metric": "ctr", "cmp": "<", "value": "0.5"},
                {"metric": "spend_no_results", "cmp": ">=", "value": "2"},
            ],
        },
        "action": {"kind": "pause"},
        "minimum": {"impressions": 100, "spend": "1.00"},
        "guardrails": {"max_actions": 5, "cooldown_minutes": 0},
    }


@settings(deadline=None, max_examples=60)
@given(st.lists(totals, min_size=1, max_size=25), st.integers(0, 3))
def test_an_evaluation_decides_the_same_with_either_path(seen: list[Totals], k: int) -> None:
    rule = parse(_rule(k))
    observations = [
        Observation(f"c:{n}", n, f"Campaign {n}", ObjectStatus.LIVE, t)
        for n, t in enumerate(seen)
        if t.currency in ("USD", "JPY", "KWD", "COIN")
    ]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluate_module, "conditions_test", lambda g: lambda t: holds(g, t))
        mp.setattr(evaluate_module, "minimum_test", lambda m: lambda t: enough_data(m, t))
        decimal = _outcome(rule, observations)
    assert _outcome(rule, observations) == decimal


def _outcome(rule: Any, observations: list[Observation]) -> Any:
    """The evaluation, or the error it ends with (a metric too large for 28 digits)."""
    try:
        return evaluate(rule, 1, observations, [], NOW)
    except ArithmeticError as exc:
        return type(exc)


def test_a_decimal_context_of_fewer_digits_keeps_the_decimal_path() -> None:
    from decimal import Inexact, localcontext

    group = Group("and", (Condition(Metric.CTR, Cmp.GT, Decimal("33.3333")),))
    # CTR 1,763,657.142857…: 11 digits at 4 places, more than 8 can hold
    for t in (Totals(clicks=1, impressions=3), Totals(clicks=123_456, impressions=7)):
        for prec, trap in ((8, False), (28, True)):
            with localcontext() as ctx:
                ctx.prec = prec
                ctx.traps[Inexact] = trap
                exact = _answer(lambda: conditions_test(group)(t))  # noqa: B023
                assert exact == _answer(lambda: holds(group, t))  # noqa: B023
