"""A refused status change says what happened in plain words: "order 12 is already stopped",
"a stopped order cannot be started", never "it cannot become stopped"."""

from __future__ import annotations

import pytest

from promodesk.kit.errors import InvalidTransition
from promodesk.notify import domain as notify
from promodesk.operations import domain as operations
from promodesk.promote.domain import orders as promote


def _refusal(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(InvalidTransition) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    return refused.value.detail


def test_orders() -> None:
    S = promote.OrderStatus
    guard = promote.ORDER.transition
    assert _refusal(guard, S.STOPPED, S.STOPPED) == "the order is already stopped"
    assert (
        _refusal(promote.lifecycle("order 12").transition, S.STOPPED, S.STOPPED)
        == "order 12 is already stopped"
    )
    assert (
        _refusal(promote.lifecycle("order 3").transition, S.COMPLETED, S.STOPPED)
        == "order 3 is already completed"
    )
    assert _refusal(guard, S.IN_REVIEW, S.COMPLETED) == "an order in review cannot be completed"
    assert _refusal(guard, S.DELIVERING, S.IN_REVIEW) == (
        "a delivering order cannot be sent back to review"
    )


def test_messages_and_operations() -> None:
    O = notify.OutboxStatus  # noqa: E741
    assert _refusal(notify.OUTBOX.transition, O.SENT, O.QUEUED) == "the message is already sent"
    assert (
        _refusal(notify.OUTBOX.transition, O.QUEUED, O.QUEUED)
        == "a queued message cannot be queued again"
    )
    P = operations.OperationState
    assert (
        _refusal(operations.OPERATION.transition, P.SUCCEEDED, P.CANCELLED)
        == "the operation has already ended (succeeded)"
    )
    assert (
        _refusal(operations.OPERATION.transition, P.RUNNING, P.PENDING)
        == "a running operation cannot be sent back to pending"
    )


def test_no_refusal_says_cannot_become() -> None:
    for allowed, guard, states in (
        (notify.ALLOWED, notify.OUTBOX.transition, notify.OutboxStatus),
        (operations.ALLOWED, operations.OPERATION.transition, operations.OperationState),
    ):
        for cur in states:
            for tgt in states:
                if tgt in allowed[cur]:  # type: ignore[index]
                    continue
                detail = _refusal(guard, cur, tgt)
                assert "cannot become" not in detail
                assert "it cannot" not in detail


def test_no_order_refusal_says_cannot_become() -> None:
    for cur in promote.OrderStatus:
        for tgt in promote.OrderStatus:
            if promote.ORDER.can(cur, tgt):
                continue
            detail = _refusal(promote.ORDER.transition, cur, tgt)
            assert "cannot become" not in detail
            assert "it cannot" not in detail
