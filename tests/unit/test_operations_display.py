"""What a progress bar shows: 100% only once final, and no percentage of a total the counts
have already reached while the work goes on (a TikTok sync may still discover more)."""

from __future__ import annotations

import pytest

from promodesk.operations.domain import FINAL_STATES, RUNNING_BAR_CAP, bar_percent, total_known


@pytest.mark.parametrize("state", ["pending", "running"])
def test_an_unfinished_total_is_known_only_while_the_counts_are_below_it(state: str) -> None:
    assert total_known(210, 30, 0, state)
    assert total_known(210, 200, 9, state)
    assert not total_known(0, 0, 0, state)  # nothing reported yet
    assert not total_known(31, 31, 0, state)  # a stage is through; the next may add more
    assert not total_known(31, 30, 1, state)


def test_a_final_total_is_known() -> None:
    for state in FINAL_STATES:
        assert total_known(210, 210, 0, state)
        assert total_known(0, 0, 0, state)
        assert total_known(10, 2, 1, state)


def test_an_unfinished_operation_never_shows_a_full_bar() -> None:
    assert bar_percent(4, 1, 0, "running", True) == 25.0
    # rounding would say 100.0: the cap keeps it below until the operation is over
    assert bar_percent(2000, 1999, 0, "running", True) == RUNNING_BAR_CAP < 100


def test_an_unknown_total_shows_no_percentage() -> None:
    # the first stage of a sync is through (done == total so far): not 100%, not 99%
    assert bar_percent(31, 31, 0, "running", False) == 0.0


def test_a_final_operation_shows_its_counts() -> None:
    assert bar_percent(210, 210, 0, "succeeded", True) == 100.0
    assert bar_percent(0, 0, 0, "succeeded", True) == 100.0
    assert bar_percent(10, 2, 1, "failed", True) == 30.0  # stopped short, drawn in red
