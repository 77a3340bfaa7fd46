"""Withdrawals, pure rules: the expected payout date, the state table and the payout route.

Rules:
- Expected payout date: ``working_days`` (default 15) working days after the request date.
  The request day itself does not count. A working day is neither a weekend day of the
  creator's country (the ``holidays`` library knows e.g. Friday-Saturday weekends) nor one of
  its public holidays. The date is computed on the UTC calendar date of the request.
- States (``WITHDRAWAL``): requested → processing → paid | failed; a request may also fail
  before processing starts. ``paid`` and ``failed`` are final; a failed withdrawal returns
  the coins.
- Route: Android users outside GB are paid back to their original payment method; iOS users
  and everyone in GB are told to withdraw through their store (Apple Pay / Google Pay), which
  is recorded as a store refund request.
- The balance becomes withdrawable ``settlement_delay`` after the creator's last order ended,
  and only while no order is in review or delivering.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from promodesk.kit.errors import Conflict, InvalidTransition, ValidationFailed
from promodesk.kit.statemachine import StateMachine
from promodesk.promote.domain.eligibility import DeviceOS
from promodesk.promote.domain.regions import store_method, uses_iap


@lru_cache(maxsize=256)
def _calendar(country: str, year: int) -> holidays.HolidayBase:
    if country not in _supported():
        raise ValidationFailed(f"no public-holiday calendar for region {country!r}", field="region")
    return holidays.country_holidays(country, years=(year, year + 1))


@lru_cache(maxsize=1)
def _supported() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def is_working_day(day: date, country: str) -> bool:
    cal = _calendar(country.upper(), day.year)
    return day.weekday() not in cal.weekend and day not in cal


def expected_payout_date(requested: date | datetime, country: str, working_days: int = 15) -> date:
    """The ``working_days``-th working day after ``requested`` in ``country``."""
    if working_days < 0:
        raise ValidationFailed("payout working days cannot be negative", field="working_days")
    day = requested.date() if isinstance(requested, datetime) else requested
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, country):
            counted += 1
    return day


# state table ----------------------------------------------------------------------------------


class WithdrawalStatus(StrEnum):
    REQUESTED = "requested"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"


ALLOWED: dict[WithdrawalStatus, frozenset[WithdrawalStatus]] = {
    WithdrawalStatus.REQUESTED: frozenset({WithdrawalStatus.PROCESSING, WithdrawalStatus.FAILED}),
    WithdrawalStatus.PROCESSING: frozenset({WithdrawalStatus.PAID, WithdrawalStatus.FAILED}),
    WithdrawalStatus.PAID: frozenset(),
    WithdrawalStatus.FAILED: frozenset(),
}


def _refuse(current: WithdrawalStatus, target: WithdrawalStatus) -> InvalidTransition:
    allowed = ", ".join(sorted(ALLOWED[current])) or "none (final state)"
    return InvalidTransition(
        f"a withdrawal cannot go from {current.value} to {target.value}; allowed: {allowed}",
        field="status",
    )


# The one guard of the withdrawal lifecycle; a refusal (409) names the allowed next statuses.
WITHDRAWAL = StateMachine(WithdrawalStatus, ALLOWED, noun="a withdrawal", refuse=_refuse)


# route ----------------------------------------------------------------------------------------


class Route(StrEnum):
    ORIGINAL_METHOD = "original_method"  # paid back to the card/wallet used to recharge
    STORE_REFUND = "store_refund"  # the creator asks Apple / Google; we record the request


def route_for(region: str, os: DeviceOS | str) -> tuple[Route, str]:
    """How this creator gets money back, and the message shown to them."""
    if uses_iap(region, os):
        store = "Apple Pay" if store_method(os) == "apple_pay" else "Google Pay"
        return Route.STORE_REFUND, (
            f"{DeviceOS(os).value} users"
            + (" in GB" if DeviceOS(os) == DeviceOS.ANDROID else "")
            + f" withdraw through {store}: request the refund from the store; "
            "we have recorded your store refund request"
        )
    return Route.ORIGINAL_METHOD, "the unused balance is paid back to your original payment method"


class NotWithdrawable(Conflict):
    """The balance cannot be withdrawn yet (an order is running or still settling)."""


def withdrawable_at(
    last_order_ended: datetime | None, settlement_delay: timedelta
) -> datetime | None:
    """When the balance becomes withdrawable; ``None``: at once (no order ever ended)."""
    return None if last_order_ended is None else last_order_ended + settlement_delay


def check_withdrawable(
    at: datetime,
    *,
    active_orders: int,
    last_order_ended: datetime | None,
    settlement_delay: timedelta,
) -> None:
    """Refuse while an order is in review or delivering, or before the settlement delay ends."""
    if active_orders:
        raise NotWithdrawable(
            f"{active_orders} order(s) are in review or delivering; stop them or wait until "
            "they end before withdrawing",
            field="creator_id",
        )
    ready = withdrawable_at(last_order_ended, settlement_delay)
    if ready is not None and at < ready:
        raise NotWithdrawable(
            f"the unused balance is being settled; it becomes withdrawable at {ready.isoformat()}",
            field="creator_id",
            withdrawable_at=ready.isoformat(),
        )
