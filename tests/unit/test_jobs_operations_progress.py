"""Operations' state table and the shared Rich progress helper."""

from __future__ import annotations

import io
from itertools import product

import pytest
from rich.console import Console

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.kit.progress import Snapshot, follow
from promodesk.operations.domain import (
    FINAL_STATES,
    OPERATION,
    OperationState,
    final_state,
    is_complete,
    parse_final,
    percent,
)

# Written out by hand: the guard must agree with this list, not with its own table.
FINALS = ("succeeded", "failed", "partial", "cancelled")
OPERATION_EDGES = {
    ("pending", "running"),
    *(("pending", final) for final in FINALS),
    *(("running", final) for final in FINALS),
}


def test_the_state_table_is_the_expected_one() -> None:
    assert {(str(a), str(b)) for a, b in OPERATION.edges()} == OPERATION_EDGES
    assert set(OPERATION.final) == set(FINALS) == set(FINAL_STATES)


@pytest.mark.parametrize(("current", "target"), list(product(OperationState, OperationState)))
def test_every_pair_of_the_state_table(current: OperationState, target: OperationState) -> None:
    if (current.value, target.value) in OPERATION_EDGES:
        assert OPERATION.transition(current, target) == target
    else:
        with pytest.raises(InvalidTransition):
            OPERATION.transition(current, target)


def test_final_states_are_final_and_derived_from_counts() -> None:
    assert final_state(5, 0) == "succeeded"
    assert final_state(0, 5) == "failed"
    assert final_state(3, 2) == "partial"
    assert final_state(0, 0) == "succeeded"
    assert parse_final("cancelled") == "cancelled"
    for bad in ("running", "pending", "nonsense"):
        with pytest.raises(ValidationFailed):
            parse_final(bad)


def test_percent_and_completion() -> None:
    assert percent(0, 0, 0, "running") == 0.0
    assert percent(0, 0, 0, "succeeded") == 100.0
    assert percent(3, 1, 0, "running") == 33.3
    assert percent(3, 3, 1, "running") == 100.0
    assert not is_complete(0, 5, 0)
    assert is_complete(4, 3, 1)


def test_follow_draws_until_the_snapshot_is_final() -> None:
    frames = iter(
        [
            Snapshot("Counting", 0, 0, 0, "pending", False, total_known=False),
            Snapshot("Counting", 4, 1, 0, "running", False, total_known=True),
            Snapshot("Counting", 4, 3, 1, "partial", True, total_known=True),
        ]
    )
    out = io.StringIO()
    sleeps: list[float] = []
    last = follow(
        lambda: next(frames),
        console=Console(file=out, width=120, force_terminal=False),
        interval=0.2,
        sleep=sleeps.append,
    )
    assert last.state == "partial"
    assert sleeps == [0.2, 0.2]
    assert "Counting" in out.getvalue()
    assert "4/4" in out.getvalue()
    assert "1 failed" in out.getvalue()
