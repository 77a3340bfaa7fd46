"""Pure rules of operations (the progress record of long work).

States: ``pending`` → ``running`` → ``succeeded`` | ``failed`` | ``partial`` | ``cancelled``.
A final state never changes again. Without an explicit final state, the outcome follows the
counts: no failures → succeeded; failures and nothing done → failed; both → partial.
"""

from __future__ import annotations

from enum import StrEnum

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.kit.statemachine import StateMachine


class OperationState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PARTIAL = "partial"
    CANCELLED = "cancelled"


FINAL_STATES = frozenset(
    {
        OperationState.SUCCEEDED,
        OperationState.FAILED,
        OperationState.PARTIAL,
        OperationState.CANCELLED,
    }
)
ALLOWED: dict[OperationState, frozenset[OperationState]] = {
    OperationState.PENDING: frozenset({OperationState.RUNNING} | FINAL_STATES),
    OperationState.RUNNING: FINAL_STATES,
    **{state: frozenset() for state in FINAL_STATES},
}
MAX_ERRORS_KEPT = 500
# The most a bar shows before the operation is final: counts can be complete a moment before
# the reporter finishes the operation, and a full bar must mean "over".
RUNNING_BAR_CAP = 99.0


def _refusal(current: OperationState, target: OperationState) -> InvalidTransition:
    if current in FINAL_STATES:
        return InvalidTransition(f"the operation has already ended ({current.value})")
    change = {
        OperationState.PENDING: "sent back to pending",
        OperationState.RUNNING: "started",
    }.get(target, f"marked {target.value}")
    return InvalidTransition(f"a {current.value} operation cannot be {change}")


#: The guard of every operation state change (``InvalidTransition``, 409).
OPERATION = StateMachine(OperationState, ALLOWED, noun="the operation", refuse=_refusal)


def final_state(done: int, failed: int) -> OperationState:
    if failed == 0:
        return OperationState.SUCCEEDED
    return OperationState.FAILED if done == 0 else OperationState.PARTIAL


def parse_final(state: str) -> OperationState:
    try:
        parsed = OperationState(state)
    except ValueError:
        parsed = None
    if parsed is None or parsed not in FINAL_STATES:
        names = ", ".join(sorted(FINAL_STATES))
        raise ValidationFailed(f"final state must be one of {names}, not {state!r}", field="state")
    return parsed


def is_complete(total: int, done: int, failed: int) -> bool:
    """Every item has been reported (an operation of unknown size is never complete)."""
    return total > 0 and done + failed >= total


def percent(total: int, done: int, failed: int, state: str) -> float:
    if total <= 0:
        return 100.0 if state in FINAL_STATES else 0.0
    return min(100.0, round(100.0 * (done + failed) / total, 1))


def total_known(total: int, done: int, failed: int, state: str) -> bool:
    """Whether ``total`` can be shown as the size of the whole work: always once final; not
    before a total is reported; and not while the counts have reached it but the operation
    still runs, because work that discovers its size as it goes (``add_total``: a TikTok sync
    learns a list's size from its first page) has then simply not counted the rest yet."""
    if state in FINAL_STATES:
        return True
    return total > 0 and done + failed < total


def bar_percent(total: int, done: int, failed: int, state: str, known: bool) -> float:
    """What a progress bar shows. Only a final operation may show 100; an unfinished one stays
    at most ``RUNNING_BAR_CAP``; one whose total is unknown shows 0 (it is drawn as
    "counting" instead). Displays never lower what they showed while it runs (console.js)."""
    shown = percent(total, done, failed, state)
    if state in FINAL_STATES:
        return shown
    if not known:
        return 0.0
    return min(shown, RUNNING_BAR_CAP)
