"""Withdrawals, pure rules: payout date with public holidays, state table, route, settlement."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.promote.domain.payout import (
    WITHDRAWAL,
    NotWithdrawable,
    Route,
    WithdrawalStatus,
    check_withdrawable,
    expected_payout_date,
    is_working_day,
    route_for,
)

S = WithdrawalStatus


def test_plain_weeks_are_three_calendar_weeks() -> None:
    # Mon 2025-03-03 in the US (no holiday in March): 15 weekdays later is Mon 2025-03-24
    assert expected_payout_date(date(2025, 3, 3), "US") == date(2025, 3, 24)


def test_christmas_in_gb_pushes_the_payout() -> None:
    # Requested Mon 2025-12-15. Christmas (25th), Boxing Day (26th) and New Year (1 Jan) are
    # GB bank holidays: without them the 15th working day would be Mon 2026-01-05.
    assert expected_payout_date(date(2025, 12, 15), "GB") == date(2026, 1, 8)
    assert not is_working_day(date(2025, 12, 25), "GB")
    assert not is_working_day(date(2025, 12, 26), "GB")
    assert is_working_day(date(2025, 12, 24), "GB")


def test_lebaran_in_indonesia_pushes_the_payout() -> None:
    # Requested Tue 2025-03-25. Eid al-Fitr (Lebaran) is Mon 31 Mar and Tue 1 Apr 2025.
    assert expected_payout_date(date(2025, 3, 25), "ID") == date(2025, 4, 17)
    assert expected_payout_date(date(2025, 3, 25), "US") == date(2025, 4, 15)
    assert not is_working_day(date(2025, 3, 31), "ID")


def test_the_country_weekend_is_used() -> None:
    # Saudi Arabia rests on Friday and Saturday: from Thu 2026-01-01 the next working day is Sun.
    assert expected_payout_date(date(2026, 1, 1), "SA", 1) == date(2026, 1, 4)
    assert expected_payout_date(date(2026, 1, 1), "US", 1) == date(2026, 1, 2)


def test_the_request_day_does_not_count_and_datetimes_use_their_date() -> None:
    at = datetime(2025, 3, 3, 23, 59, tzinfo=UTC)
    assert expected_payout_date(at, "US", 1) == date(2025, 3, 4)
    # a request on Saturday: the first working day is Monday
    assert expected_payout_date(date(2025, 3, 8), "US", 1) == date(2025, 3, 10)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        expected_payout_date(date(2025, 3, 3), "US", -1)
    assert expected_payout_date(date(2025, 3, 8), "US", 0) == date(2025, 3, 8)
    with pytest.raises(ValidationFailed):
        expected_payout_date(date(2025, 3, 3), "ZZ")


EXPECTED = {
    ("requested", "processing"),
    ("requested", "failed"),
    ("processing", "paid"),
    ("processing", "failed"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_of_the_state_table(current: S, target: S) -> None:
    if (current.value, target.value) in EXPECTED:
        assert WITHDRAWAL.transition(current, target) == target
        assert current in WITHDRAWAL.sources_for(target)
    else:
        with pytest.raises(InvalidTransition):
            WITHDRAWAL.transition(current, target)
        assert current not in WITHDRAWAL.sources_for(target)


def test_the_withdrawal_lifecycle_has_exactly_the_expected_edges() -> None:
    assert {(a.value, b.value) for a, b in WITHDRAWAL.edges()} == EXPECTED


def test_final_states() -> None:
    assert {s.value for s in WITHDRAWAL.final} == {"paid", "failed"}
    with pytest.raises(InvalidTransition) as err:
        WITHDRAWAL.transition("paid", "processing")
    assert err.value.detail == (
        "a withdrawal cannot go from paid to processing; allowed: none (final state)"
    )
    with pytest.raises(InvalidTransition) as err:
        WITHDRAWAL.transition("requested", "paid")
    assert err.value.detail == (
        "a withdrawal cannot go from requested to paid; allowed: failed, processing"
    )
    assert err.value.field == "status"


@pytest.mark.parametrize(
    ("region", "os", "route", "store"),
    [
        ("US", "android", Route.ORIGINAL_METHOD, None),
        ("ID", "android", Route.ORIGINAL_METHOD, None),
        ("GB", "android", Route.STORE_REFUND, "Google Pay"),
        ("GB", "ios", Route.STORE_REFUND, "Apple Pay"),
        ("US", "ios", Route.STORE_REFUND, "Apple Pay"),
    ],
)
def test_route(region: str, os: str, route: Route, store: str | None) -> None:
    got, message = route_for(region, os)
    assert got == route
    if store:
        assert store in message


def test_settlement_delay_and_running_orders() -> None:
    ended = datetime(2026, 1, 1, 12, tzinfo=UTC)
    six = timedelta(hours=6)
    with pytest.raises(NotWithdrawable) as err:
        check_withdrawable(ended, active_orders=1, last_order_ended=None, settlement_delay=six)
    assert "in review or delivering" in err.value.detail
    with pytest.raises(NotWithdrawable) as err:
        check_withdrawable(
            ended + timedelta(hours=5, minutes=59),
            active_orders=0,
            last_order_ended=ended,
            settlement_delay=six,
        )
    assert err.value.to_body()["withdrawable_at"] == "2026-01-01T18:00:00+00:00"
    check_withdrawable(ended + six, active_orders=0, last_order_ended=ended, settlement_delay=six)
    check_withdrawable(ended, active_orders=0, last_order_ended=None, settlement_delay=six)
