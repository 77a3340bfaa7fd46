"""The retrospective's rules as worked examples: periods, before/after windows, cost per
result against the reference, sums per currency, lessons and action items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from promodesk.campaigns.domain import retrospective as r


def test_month_window_covers_the_whole_month_until_exclusive() -> None:
    assert r.month_window("2026-12") == r.Window(date(2026, 12, 1), date(2027, 1, 1))
    assert r.month_window("2026-02").days == 28
    assert r.month_window("2024-02").days == 29


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-1", "26-01", "december", "", "0000-01", "9999-12"]
)
def test_month_window_refuses_what_is_not_a_month(text: str) -> None:
    with pytest.raises(r.PeriodError) as err:
        r.month_window(text)
    assert err.value.field == "month"


def test_week_window_is_monday_through_sunday() -> None:
    w = r.week_window("2026-W50")
    assert (w.since, w.last) == (date(2026, 12, 7), date(2026, 12, 13))
    assert r.week_text(date(2026, 12, 9)) == "2026-W50"
    with pytest.raises(r.PeriodError):
        r.week_window("2026-W54")
    with pytest.raises(r.PeriodError):
        r.week_window("0000-W01")


def test_custom_window_includes_its_last_day_and_is_bounded() -> None:
    w = r.custom_window(date(2026, 11, 1), date(2026, 11, 30))
    assert (w.since, w.until, w.days) == (date(2026, 11, 1), date(2026, 12, 1), 30)
    with pytest.raises(r.PeriodError):
        r.custom_window(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(r.PeriodError):
        r.custom_window(date(2025, 1, 1), date(2026, 1, 2))


def test_period_window_defaults_to_the_current_month_or_week() -> None:
    today = date(2026, 12, 7)
    assert r.period_window("month", today).since == date(2026, 12, 1)
    assert r.period_window("week", today).since == date(2026, 12, 7)
    assert r.period_window("custom", today, since="2026-11-03", until="2026-11-04").days == 2
    with pytest.raises(r.PeriodError) as err:
        r.period_window("year", today)
    assert err.value.field == "period"
    with pytest.raises(r.PeriodError) as err:
        r.period_window("custom", today, since="2026-11-03")
    assert err.value.field == "until"
    with pytest.raises(r.PeriodError) as err:
        r.period_window("custom", today, since="2026-11-03", until="9999-12-31")
    assert err.value.field == "until"
    with pytest.raises(r.PeriodError) as err:
        r.period_window("custom", today, since="0001-01-01", until="0001-01-02")
    assert err.value.field == "since"


def test_compare_windows_same_length_on_each_side_of_the_stop_day() -> None:
    # stopped on the 1st; today is the 5th: the 2nd, 3rd and 4th are whole days after
    c = r.compare_windows(date(2026, 12, 1), date(2026, 12, 5), 14)
    assert c.days == 3
    assert (c.after.since, c.after.last) == (date(2026, 12, 2), date(2026, 12, 4))
    assert (c.before.since, c.before.last) == (date(2026, 11, 28), date(2026, 11, 30))
    # long ago: capped at the monitoring length
    assert r.compare_windows(date(2026, 10, 1), date(2026, 12, 5), 14).days == 14
    # the stop day or the day after: nothing to compare yet
    assert r.compare_windows(date(2026, 12, 5), date(2026, 12, 5), 14).days == 0
    assert r.compare_windows(date(2026, 12, 4), date(2026, 12, 5), 14).days == 0


def test_change_percent_and_picked_up() -> None:
    assert r.change_percent(10_000, 12_500) == Decimal("25.0")
    assert r.change_percent(3, 2) == Decimal("-33.3")
    assert r.change_percent(0, 500) is None
    assert r.picked_up(4_000, 6_500) == 2_500
    assert r.picked_up(4_000, 3_000) == 0


def test_cost_per_result_verdict_against_the_reference() -> None:
    # the campaign: 120.00 for 10 results = 12.00; the advertiser: 300.00 for 50 = 6.00
    cpr = r.cost_per_result(12_000, 10)
    ref = r.cost_per_result(30_000, 50)
    assert (cpr, ref) == (Decimal("1200.00"), Decimal("600.00"))
    assert r.cpr_verdict(cpr, ref) is r.Verdict.WORSE
    assert r.cpr_verdict(Decimal("650"), ref) is r.Verdict.SAME  # within 10 %
    assert r.cpr_verdict(Decimal("660"), ref) is r.Verdict.SAME  # exactly 10 % above
    assert r.cpr_verdict(Decimal("539.99"), ref) is r.Verdict.BETTER
    assert r.cost_per_result(500, 0) is None
    assert r.cpr_verdict(None, ref) is None
    assert r.cpr_verdict(cpr, None) is None


def test_money_sums_stay_per_currency() -> None:
    sums = r.MoneySums()
    sums.add("USD", "spent_minor", 8_000_00)
    sums.add("USD", "freed_minor", 1_500_00)
    sums.add("SGD", "freed_minor", 200_00)
    sums.add("USD", "reallocated_minor", 1_000_00)
    assert sums.rows() == [
        {
            "currency": "SGD",
            "spent_minor": 0,
            "freed_minor": 200_00,
            "reallocated_minor": 0,
            "spend_after_minor": 0,
        },
        {
            "currency": "USD",
            "spent_minor": 8_000_00,
            "freed_minor": 1_500_00,
            "reallocated_minor": 1_000_00,
            "spend_after_minor": 0,
        },
    ]
    with pytest.raises(KeyError):
        sums.add("USD", "budget_minor", 1)


def test_counts_by_reason_most_frequent_first() -> None:
    reasons = ["budget", "poor_performance", "budget", "other", "poor_performance", "budget"]
    assert list(r.counts_by_reason(reasons).items()) == [
        ("budget", 3),
        ("poor_performance", 2),
        ("other", 1),
    ]
    assert r.net_freed(500_00, 120_00) == 380_00


def test_action_items_are_cleaned_and_checked() -> None:
    items = r.clean_action_items(
        [
            {
                "text": " Cap daily budgets at 200 ",
                "owner": "Lin",
                "due": "2026-12-20",
                "done": "on",
            },
            {"text": "", "owner": "", "due": ""},  # an empty form row
            {"text": "Review creatives weekly"},
        ]
    )
    assert items == [
        {"text": "Cap daily budgets at 200", "owner": "Lin", "due": "2026-12-20", "done": True},
        {"text": "Review creatives weekly", "owner": "", "due": None, "done": False},
    ]
    with pytest.raises(r.NotesError) as err:
        r.clean_action_items([{"owner": "Lin"}])
    assert err.value.field == "action_items.0.text"
    with pytest.raises(r.NotesError) as err:
        r.clean_action_items([{"text": "x", "due": "next week"}])
    assert err.value.field == "action_items.0.due"
    with pytest.raises(r.NotesError):
        r.clean_action_items([{"text": "x"}] * (r.ACTION_ITEMS_MAX + 1))
    assert r.clean_lessons("  Pause before deleting.\r\n ") == "Pause before deleting."
    with pytest.raises(r.NotesError):
        r.clean_lessons("x" * (r.LESSONS_MAX + 1))


def test_open_and_overdue_items() -> None:
    items = [
        {"text": "a", "due": "2026-12-01", "done": False},
        {"text": "b", "due": "2026-12-31", "done": False},
        {"text": "c", "due": "2026-11-01", "done": True},
        {"text": "d", "due": None, "done": False},
    ]
    assert r.open_items(items, date(2026, 12, 7)) == {"open": 3, "overdue": 1}
