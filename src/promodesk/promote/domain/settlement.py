"""Settlement, pure: the refund of an ended order's unspent rest.

Rules:
- Settlement is tracked apart from the order's status: ``unsettled`` → ``settled``
  (``SETTLEMENT``), exactly once per order, and only after the order ended.
- Spend draws on the coupon first: the wallet gets back ``min(paid, budget − spent)`` and the
  coupon funding account the rest; with nothing spent the coupon is usable again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from promodesk.kit.statemachine import StateMachine


class SettlementStatus(StrEnum):
    UNSETTLED = "unsettled"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class RefundSplit:
    to_wallet: int  # paid coins back to the creator
    to_coupon_funding: int  # unused coupon value back to the issuer
    coupon_restored: bool  # True: nothing was spent, the coupon is usable again


def refund_split(paid: int, coupon: int, spent: int) -> RefundSplit:
    """Split the unspent rest of an ended order.

    Spend draws on the coupon first. The creator gets back ``min(paid, budget − spent)``; the
    coupon funding account gets the rest. Once spending has started the coupon is gone; with
    nothing spent (e.g. rejected before delivery) everything returns, coupon included.
    """
    budget = paid + coupon
    if min(paid, coupon, spent) < 0 or spent > budget:
        raise ValueError("spent must be between 0 and the budget")
    rest = budget - spent
    to_wallet = min(paid, rest)
    return RefundSplit(to_wallet, rest - to_wallet, coupon_restored=spent == 0 and coupon > 0)


_T = SettlementStatus
ALLOWED: dict[SettlementStatus, frozenset[SettlementStatus]] = {
    _T.UNSETTLED: frozenset({_T.SETTLED}),
    _T.SETTLED: frozenset(),
}
SETTLEMENT = StateMachine(SettlementStatus, ALLOWED, noun="the order")
