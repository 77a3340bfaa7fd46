"""The order lifecycle, pure.

Rules:
- ``ALLOWED`` is the table, guarded by ``ORDER`` (``kit.statemachine``): a video order waits
  ``in_review`` and then delivers; a LIVE order delivers at once while its review is pending
  (reviewed while broadcasting). Every order ends ``completed`` (budget spent or duration
  over), ``stopped`` (cancelled by the creator, or its LIVE ended) or ``rejected`` (by a
  reviewer). There is no pause.
- A refusal says what happened in plain words: "order 12 is already stopped", "a stopped order
  cannot be started" (``lifecycle(what)`` names the order).
- Spend is never charged past what the order's escrow still holds.
- The refund of the unspent rest is the settlement's (``domain.settlement``), tracked apart.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from promodesk.kit.errors import InvalidTransition
from promodesk.kit.statemachine import Refusal, StateMachine
from promodesk.promote.errors import PauseNotSupported


class OrderStatus(StrEnum):
    IN_REVIEW = "in_review"
    DELIVERING = "delivering"
    COMPLETED = "completed"
    STOPPED = "stopped"
    REJECTED = "rejected"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def live_ended(was_on_air: bool, on_air: bool, scheduled_start: datetime | None) -> bool:
    """Whether a LIVE state change ends the LIVE: it goes off air, or (never on air) its
    scheduled start is withdrawn. Its open orders end with it."""
    return not on_air and (was_on_air or scheduled_start is None)


def cap_spend(remaining: int, spend: int) -> tuple[int, int]:
    """``(charged, over_delivered)``: never charge past what the escrow still holds."""
    charged = max(0, min(remaining, spend))
    return charged, spend - charged


# -- order states -----------------------------------------------------------------------------

_S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.IN_REVIEW: frozenset({_S.DELIVERING, _S.STOPPED, _S.REJECTED}),
    _S.DELIVERING: frozenset({_S.COMPLETED, _S.STOPPED, _S.REJECTED}),
    _S.COMPLETED: frozenset(),
    _S.STOPPED: frozenset(),
    _S.REJECTED: frozenset(),
}

# How a refusal names a status ("an order in review") and a change to it ("cannot be started").
_STATUS_WORDS = {_S.IN_REVIEW: "in review"}
_CHANGE_WORDS = {_S.IN_REVIEW: "sent back to review", _S.DELIVERING: "started"}


def _refusal(what: str) -> Refusal[OrderStatus]:
    def refuse(current: OrderStatus, target: OrderStatus) -> InvalidTransition:
        if not ALLOWED[current]:
            return InvalidTransition(f"{what} is already {current.value}")
        state = _STATUS_WORDS.get(current)
        subject = f"an order {state}" if state else f"a {current.value} order"
        return InvalidTransition(f"{subject} cannot be {_CHANGE_WORDS.get(target, target.value)}")

    return refuse


def lifecycle(what: str = "the order") -> StateMachine[OrderStatus]:
    """The order lifecycle whose refusals name the order ``what`` (e.g. "order 12")."""
    return StateMachine(OrderStatus, ALLOWED, noun=what, refuse=_refusal(what))


ORDER = lifecycle()
ENDED = ORDER.final
OPEN = frozenset(OrderStatus) - ENDED


def refuse_pause() -> None:
    raise PauseNotSupported(
        "Promote orders cannot be paused. You can stop (cancel) the order instead: delivery "
        "ends and the unspent coins return to your balance."
    )
