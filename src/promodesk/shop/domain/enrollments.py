"""The enrollment lifecycle: states, the stage-aware cancel path, the restore target, reasons.

Rules:
- Stage decides the path: 待审核 pending review → withdraw; 已审核 approved and the activity not
  started → remove ("edit activity"); started → terminate participation, then the enrollment
  leaves the activity.
- Every state change goes through ``ENROLLMENTS.transition`` (the table ``ALLOWED``); a refusal
  is a 409 ``InvalidTransition`` in the console user's words.
"""

from __future__ import annotations

from enum import StrEnum

from promodesk.kit.errors import N_, InvalidTransition, ValidationFailed
from promodesk.kit.statemachine import StateMachine


class State(StrEnum):
    PENDING_REVIEW = "pending_review"  # 待审核
    APPROVED = "approved"  # 已审核
    LIVE = "live"  # 已开始
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"
    TERMINATED = "terminated"
    STOCK_ZEROED = "stock_zeroed"
    DELISTED = "delisted"
    REPLACED = "replaced"
    REJECTED = "rejected"


S = State
ALLOWED: dict[State, frozenset[State]] = {
    S.PENDING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN, S.REPLACED}),
    S.APPROVED: frozenset({S.LIVE, S.REMOVED, S.TERMINATED, S.STOCK_ZEROED, S.REPLACED}),
    S.LIVE: frozenset({S.TERMINATED, S.STOCK_ZEROED, S.REPLACED}),
    S.STOCK_ZEROED: frozenset({S.APPROVED, S.LIVE, S.DELISTED, S.REMOVED, S.TERMINATED}),
    # A cancellation made through promodesk may be restored from its snapshot.
    S.WITHDRAWN: frozenset({S.PENDING_REVIEW}),
    S.REMOVED: frozenset({S.APPROVED}),
    S.TERMINATED: frozenset({S.LIVE, S.APPROVED}),
    S.DELISTED: frozenset(),
    # A replace made through promodesk may be restored from its snapshot: the original goes
    # back to its stage (and the replacement becomes replaced by it).
    S.REPLACED: frozenset({S.PENDING_REVIEW, S.APPROVED, S.LIVE}),
    S.REJECTED: frozenset(),
}

#: states in which the product still occupies a slot of the activity
IN_ACTIVITY = frozenset({S.PENDING_REVIEW, S.APPROVED, S.LIVE, S.STOCK_ZEROED})
#: states a cancel can start from
CANCELLABLE = frozenset({S.PENDING_REVIEW, S.APPROVED, S.LIVE, S.STOCK_ZEROED})
#: states that are the result of a cancellation
CANCELLED = frozenset({S.WITHDRAWN, S.REMOVED, S.TERMINATED})
#: states in which a buyer can buy the product at the activity price (given stock)
PURCHASABLE = frozenset({S.APPROVED, S.LIVE})


class Path(StrEnum):
    WITHDRAW = "withdraw"  # 取消报名
    REMOVE = "remove"  # 编辑活动 → 移除
    TERMINATE = "terminate"  # 终止商品参与


class Reason(StrEnum):
    STOCK_SHORTAGE = "stock_shortage"
    WRONG_INFORMATION = "wrong_information"
    PLAN_CHANGE = "plan_change"
    OTHER = "other"


def parse_state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        allowed = ", ".join(s.value for s in State)
        raise ValidationFailed(
            f"unknown state {value!r}; use one of {allowed}", field="state"
        ) from None


def parse_reason(code: str, text: str = "") -> tuple[Reason, str]:
    """A cancel carries a reason; ``other`` needs a text."""
    try:
        reason = Reason(code)
    except ValueError:
        allowed = ", ".join(r.value for r in Reason)
        raise ValidationFailed(
            f"unknown reason {code!r}; use one of {allowed}", field="reason"
        ) from None
    text = text.strip()
    if reason is Reason.OTHER and not text:
        raise ValidationFailed("the reason 'other' needs a text", field="reason_text")
    return reason, text


def _refuse(current: State, target: State) -> InvalidTransition:
    return InvalidTransition(
        f"an enrollment cannot go from {current.value} to {target.value}",
        message=N_("A product cannot go from %(state)s to %(target_state)s."),
        params={"state": current.value, "target_state": target.value},
    )


#: the guard of every enrollment state change (409 ``InvalidTransition`` otherwise)
ENROLLMENTS = StateMachine(State, ALLOWED, noun="an enrollment", refuse=_refuse)


def cancel_path(state: str, activity_started: bool) -> tuple[Path, State]:
    """The stage-aware path and the state it leads to."""
    cur = State(state)
    if cur not in CANCELLABLE:
        raise InvalidTransition(
            f"an enrollment in state {cur.value} cannot be cancelled",
            message=N_("A product in the stage %(state)s cannot be cancelled."),
            params={"state": cur.value},
        )
    if cur is S.PENDING_REVIEW:
        return Path.WITHDRAW, S.WITHDRAWN
    if cur is S.LIVE or activity_started:
        return Path.TERMINATE, S.TERMINATED
    return Path.REMOVE, S.REMOVED


def restore_target(cancelled_state: str, activity_started: bool) -> State:
    """Where a restored cancellation goes back to."""
    cur = State(cancelled_state)
    if cur is S.WITHDRAWN:
        return S.PENDING_REVIEW
    if cur in (S.REMOVED, S.TERMINATED):
        return S.LIVE if activity_started else S.APPROVED
    raise InvalidTransition(
        f"an enrollment in state {cur.value} has no cancellation to restore",
        message=N_("A product in the stage %(state)s has no cancellation to restore."),
        params={"state": cur.value},
    )
