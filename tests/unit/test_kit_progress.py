"""The CLI progress bar: "Counting…" while a total may still grow, never going back."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Task

from promodesk.kit.progress import (
    COUNTING,
    RUNNING_CAP,
    Snapshot,
    Tracker,
    bar_figure,
    counts_text,
    follow,
    progress_bar,
)


def snap(total: int, done: int, *, known: bool, final: bool = False, failed: int = 0) -> Snapshot:
    state = "succeeded" if final else "running"
    return Snapshot("sync", total, done, failed, state, final, total_known=known)


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120, force_terminal=False)


def task_of(tracker: Tracker) -> Task:
    return tracker.progress.tasks[0]


def test_the_figure_of_one_snapshot() -> None:
    assert bar_figure(snap(0, 0, known=False)) is None  # nothing reported yet
    assert bar_figure(snap(31, 31, known=False)) is None  # a stage is through: still counting
    assert bar_figure(snap(200, 50, known=True)) == 25.0
    assert bar_figure(snap(200, 199, known=True, failed=1)) == RUNNING_CAP  # not over yet
    assert bar_figure(snap(200, 200, known=True, final=True)) == 100.0
    assert bar_figure(snap(0, 7, known=True, final=True)) == 100.0  # final, size never reported
    assert bar_figure(snap(10, 3, known=True, final=True, failed=1)) == 40.0  # stopped short


def test_counts_read_counting_until_the_total_is_known() -> None:
    assert counts_text(snap(31, 30, known=False, failed=1), counting=True) == f"31 · {COUNTING}"
    assert counts_text(snap(2500, 1200, known=True), counting=False) == "1,200/2,500"
    assert counts_text(snap(0, 7, known=True, final=True), counting=False) == "7/7"


def test_the_bar_pulses_while_counting_and_never_goes_back() -> None:
    with progress_bar(quiet()) as progress:
        bar = Tracker(progress, "sync")
        task = task_of(bar)
        assert (task.total, task.fields["counts"]) == (None, f"0 · {COUNTING}")

        assert bar.draw(snap(0, 0, known=False)) is None
        assert task.total is None  # Rich draws a pulsing bar

        assert bar.draw(snap(40, 30, known=True)) == 75.0
        assert (task.total, task.completed, task.fields["counts"]) == (100.0, 75.0, "30/40")

        # The first list is through; the next one's size is not reported yet.
        assert bar.draw(snap(40, 40, known=False)) is None
        assert task.total is None
        assert task.fields["counts"] == f"40 · {COUNTING}"

        # The total grew: 45/100 is lower than what was shown, so the bar holds.
        assert bar.draw(snap(100, 45, known=True)) == 75.0
        assert (task.total, task.completed, task.fields["counts"]) == (100.0, 75.0, "45/100")
        assert bar.draw(snap(100, 90, known=True)) == 90.0
        assert bar.draw(snap(100, 100, known=True, final=True)) == 100.0
        assert task.finished


def test_a_final_figure_is_the_snapshots_own() -> None:
    with progress_bar(quiet()) as progress:
        bar = Tracker(progress, "sync")
        assert bar.draw(snap(10, 8, known=True)) == 80.0
        cancelled = Snapshot("sync", 20, 8, 0, "cancelled", True, total_known=True)
        assert bar.draw(cancelled) == 40.0


def test_follow_shows_counting_then_the_final_count() -> None:
    frames = iter(
        [
            snap(0, 0, known=False),
            snap(12, 5, known=True),
            snap(12, 12, known=False),
            snap(30, 30, known=True, final=True),
        ]
    )
    out = io.StringIO()
    sleeps: list[float] = []
    follow(
        lambda: next(frames),
        console=Console(file=out, width=120, force_terminal=False),
        interval=0.1,
        sleep=sleeps.append,
    )
    assert sleeps == [0.1, 0.1, 0.1]
    assert "30/30" in out.getvalue()
    assert "100%" in out.getvalue()
