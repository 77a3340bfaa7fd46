"""A rule's conditions and minimum data judged in integers: the same answers as
``evaluate.holds`` and ``evaluate.enough_data``, without building a ``Decimal`` per metric.

Rules:
- A metric's value is what ``metrics.value`` gives: money exact in major units, ratios rounded
  half up to 4 places. Here it is an integer and a power of ten (``value = n × 10^e``); a
  ratio ``a / b`` is ``n = ⌊(2 × a × 10^4 + b) / (2 × b)⌋`` at ``e = -4``, and a threshold
  ``X = x × 10^k`` is compared by scaling both sides to the smaller power: no division, no
  rounding of the comparison itself.
- That equals the decimal path only while the decimal path rounds nothing but its last step:
  its division keeps 28 significant digits before rounding to 4 places. With ``0 ≤ a < 10^15``
  and ``0 < b < 10^15``, a quotient that is not exactly half-way between two 4-place values is
  at least ``1 / (2 × 10^4 × b)`` away from it, more than the 28-digit step can move it, so both
  round the same way. Outside those bounds (negative or huge totals), or when the decimal
  context keeps fewer than 28 digits or traps inexact results, the metric is read through
  ``metrics.value`` as before.
- A metric that cannot be computed (no impressions for a CTR, …) is ``None``: the condition
  does not hold. Groups are judged in order and stop at the first deciding item, as ``holds``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal, Inexact, Rounded, getcontext
from typing import Any

from promodesk.rules.domain.definition import Cmp, Condition, Group, MinimumData
from promodesk.rules.domain.metrics import Metric, Totals, _exponent, value

Test = Callable[[Totals], bool]
#: the bound on a ratio's terms (see the module rules)
_BOUND = 10**15
#: a metric's exact value: (n, e) for n × 10^e; None: it cannot be computed
_Exact = tuple[int, int] | None


class _OutOfBounds(Exception):
    """The totals are outside the bounds where integers answer as the decimal path does."""


def _ratio(a: int, b: int) -> _Exact:
    if b == 0:
        return None
    if 0 <= a < _BOUND and 0 < b < _BOUND:
        return ((2 * a * 10_000 + b) // (2 * b), -4)
    raise _OutOfBounds


def _spend(t: Totals) -> tuple[int, int]:
    if -_BOUND < t.spend_minor < _BOUND:
        return (t.spend_minor, -_exponent(t.currency))
    raise _OutOfBounds


def _cost_per_result(t: Totals) -> _Exact:
    return _ratio(t.spend_minor, t.results * 10 ** _exponent(t.currency))


def _roas(t: Totals) -> _Exact:
    if t.revenue_minor is None:
        _exponent(t.currency)  # the decimal path reads the currency first
        return None
    # revenue and spend are in the same currency: the minor units cancel
    return _ratio(t.revenue_minor, _spend(t)[0])


def _budget_pacing(t: Totals) -> _Exact:
    if not t.daily_budget_minor:
        return None
    return _ratio(t.last_day_spend_minor * 100, t.daily_budget_minor)


def _spend_no_results(t: Totals) -> _Exact:
    spend = _spend(t)
    return spend if t.results == 0 else (0, 0)


#: each metric as ``metrics.value`` computes it, in integers
_EXACT: dict[Metric, Callable[[Totals], _Exact]] = {
    Metric.SPEND: _spend,
    Metric.RESULTS: lambda t: (t.results, 0),
    Metric.COST_PER_RESULT: _cost_per_result,
    Metric.ROAS: _roas,
    Metric.CTR: lambda t: _ratio(t.clicks * 100, t.impressions),
    Metric.CPM: lambda t: _ratio(t.spend_minor * 1000, t.impressions * 10 ** _exponent(t.currency)),
    Metric.FREQUENCY: lambda t: _ratio(t.impressions, t.reach),
    Metric.BUDGET_PACING: _budget_pacing,
    Metric.SPEND_NO_RESULTS: _spend_no_results,
    Metric.IMPRESSIONS: lambda t: (t.impressions, 0),
    Metric.STOCK: lambda t: None if t.stock is None else (t.stock, 0),
}


def exact(metric: Metric, t: Totals) -> _Exact:
    """``metrics.value(metric, t)`` as (n, e) or None; ``_OutOfBounds`` outside the bounds
    (see the module rules)."""
    return _EXACT[metric](t)


_CMP: dict[Cmp, Callable[[Any, Any], Any]] = {
    Cmp.GT: operator.gt,
    Cmp.GTE: operator.ge,
    Cmp.LT: operator.lt,
    Cmp.LTE: operator.le,
    Cmp.EQ: operator.eq,
}


def compare(cmp: Cmp, seen: Decimal | None, limit: Decimal) -> bool:
    """The decimal path: a metric's value against a condition's threshold."""
    return seen is not None and bool(_CMP[cmp](seen, limit))


def holds(group: Group, totals: Totals) -> bool:
    """The decimal path: whether the (nested) AND/OR group of conditions holds for
    ``totals``."""
    results = (
        holds(item, totals)
        if isinstance(item, Group)
        else compare(item.cmp, value(item.metric, totals), item.value)
        for item in group.items
    )
    return all(results) if group.op == "and" else any(results)


def enough_data(m: MinimumData, totals: Totals) -> bool:
    """The decimal path: whether ``totals`` reach the minimum data."""
    spend = value(Metric.SPEND, totals) or Decimal(0)
    return (
        totals.impressions >= m.impressions
        and spend >= m.spend
        and (totals.days_with_data >= m.days)
    )


def _versus(cmp: Cmp, limit: Decimal) -> Callable[[int, int], bool]:
    """A test of ``n × 10^e  cmp  limit`` in integers (``limit`` finite): both sides scaled
    to the smaller power of ten."""
    sign, digits, k = limit.as_tuple()
    assert isinstance(k, int)
    x = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    op = _CMP[cmp]
    scales: dict[int, tuple[int, int]] = {}  # e → (n's factor, the threshold scaled)

    def test(n: int, e: int) -> bool:
        scale = scales.get(e)
        if scale is None:
            low = min(e, k)
            scale = scales[e] = (10 ** (e - low), x * 10 ** (k - low))
        return bool(op(n * scale[0], scale[1]))

    return test


def _condition(c: Condition) -> Test:
    metric, cmp, limit = c.metric, c.cmp, c.value
    read, versus = _EXACT[metric], _versus(cmp, limit)

    def test(t: Totals) -> bool:
        try:
            found = read(t)
        except _OutOfBounds:
            return compare(cmp, value(metric, t), limit)
        return found is not None and versus(found[0], found[1])

    return test


def _exact_context() -> bool:
    """The decimal path's division keeps at least the 28 digits the bounds assume, and an
    inexact division is not an error."""
    ctx = getcontext()
    return ctx.prec >= 28 and not ctx.traps[Inexact] and not ctx.traps[Rounded]


def conditions_test(group: Group) -> Test:
    """A test of ``group`` on totals: ``holds(group, totals)`` (see the module rules)."""
    if not _exact_context() or not _plain_group(group):
        return lambda t: holds(group, t)
    return _group(group)


def _plain(limit: Decimal) -> bool:
    """A threshold integers compare cheaply (a finite one of at most 40 places either way;
    the definition allows thresholds up to 10^15, so only odd spellings like ``1E-99`` are
    left to the decimal path)."""
    return limit.is_finite() and -40 <= int(limit.as_tuple().exponent) <= 40


def _plain_group(group: Group) -> bool:
    return all(
        _plain_group(item) if isinstance(item, Group) else _plain(item.value)
        for item in group.items
    )


def _group(group: Group) -> Test:
    tests = tuple(_group(i) if isinstance(i, Group) else _condition(i) for i in group.items)
    # plain loops: a generator per object for all()/any() costs more than the test itself
    if group.op == "and":

        def every(t: Totals) -> bool:
            for test in tests:  # noqa: SIM110
                if not test(t):
                    return False
            return True

        return every

    def some(t: Totals) -> bool:
        for test in tests:  # noqa: SIM110
            if test(t):
                return True
        return False

    return some


def minimum_test(m: MinimumData) -> Test:
    """A test of the minimum data on totals: ``enough_data(m, totals)`` (see the module
    rules)."""
    if not _exact_context() or not _plain(m.spend):
        return lambda t: enough_data(m, t)
    spend = _versus(Cmp.GTE, m.spend)
    impressions, days = m.impressions, m.days

    def test(t: Totals) -> bool:
        try:
            seen = _spend(t)  # first, as the decimal path reads the currency first
        except _OutOfBounds:
            return enough_data(m, t)
        return t.impressions >= impressions and spend(*seen) and t.days_with_data >= days

    return test
