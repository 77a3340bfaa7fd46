"""Rich progress bars for long work, shared by every CLI command that shows one.

A bar draws ``Snapshot``s: counts, a state and whether the total is known yet. While it is not
(work that discovers its size as it goes, such as a TikTok sync learning a list's size from its
first page), the bar pulses and reads "Counting…" beside the count instead of a percentage;
once it is, the bar is a real one. As in the console, the figure shown never goes back while
the work runs, only a final snapshot shows 100%, and the final figure is the snapshot's own
(a failed or cancelled run may stop short). Whether a total is known is the caller's rule
(operations: ``total_known`` in ``operations/domain.py``), passed in as data.

``follow`` polls a snapshot function (usually reading an operations record) and redraws the
bar until the snapshot says the work is final; ``tracked_bar`` gives the same bar for a loop
the command runs itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

COUNTING = "Counting…"
# The most a bar shows before the work is final (counts can be complete a moment before the
# work is finished, and a full bar must mean "over"); the console's bar follows the same rule.
RUNNING_CAP = 99.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    title: str
    total: int  # 0: not reported yet
    done: int
    failed: int
    state: str
    final: bool
    total_known: bool  # False while the total may still grow: drawn as "Counting…"


def bar_figure(snap: Snapshot) -> float | None:
    """The percentage a snapshot alone would show; ``None`` while it is counting."""
    handled = snap.done + snap.failed
    if snap.final:
        return 100.0 if snap.total <= 0 else min(100.0, round(100.0 * handled / snap.total, 1))
    if not snap.total_known or snap.total <= 0:
        return None
    return min(RUNNING_CAP, round(100.0 * handled / snap.total, 1))


def counts_text(snap: Snapshot, counting: bool) -> str:
    """``handled/total``, or ``handled · Counting…`` while the total is not known."""
    handled = snap.done + snap.failed
    if counting:
        return f"{handled:,} · {COUNTING}"
    return f"{handled:,}/{max(snap.total, handled):,}"


def progress_bar(console: Console, *, transient: bool = False) -> Progress:
    """The columns: title, bar, count, percentage, failures, state and elapsed time. Tasks
    take the fields ``counts``, ``failed`` and ``state``; ``Tracker`` fills them."""
    return Progress(
        SpinnerColumn(finished_text="•"),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TaskProgressColumn(),
        TextColumn("[red]{task.fields[failed]} failed[/red]"),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
    )


class Tracker:
    """One task of a ``progress_bar``, drawn from snapshots. The bar's scale is a percentage
    (total 100) so that the shown figure can be held while a growing total lowers the ratio;
    Rich's ``total=None`` makes it pulse while counting."""

    def __init__(self, progress: Progress, title: str, *, state: str = "") -> None:
        self.progress = progress
        self.shown = 0.0
        self.counting = True
        self.task: TaskID = progress.add_task(
            title or "working", total=None, counts=f"0 · {COUNTING}", failed=0, state=state
        )

    def draw(self, snap: Snapshot) -> float | None:
        """Show ``snap``; return the figure shown (``None`` while counting)."""
        figure = bar_figure(snap)
        self.counting = figure is None
        if figure is not None:
            self.shown = figure if snap.final else max(self.shown, figure)
        self._set_total(None if self.counting else 100.0)
        self.progress.update(
            self.task,
            description=snap.title or "working",
            completed=self.shown,
            counts=counts_text(snap, self.counting),
            failed=snap.failed,
            state=snap.state,
        )
        return None if self.counting else self.shown

    def _set_total(self, total: float | None) -> None:
        # ``Progress.update(total=None)`` keeps the old total, so the pulse is set on the task.
        for task in self.progress.tasks:
            if task.id == self.task and task.total != total:
                if total is None:
                    task.total = None
                else:
                    self.progress.update(self.task, total=total)


@contextmanager
def tracked_bar(
    console: Console, title: str, *, state: str = "", transient: bool = False
) -> Iterator[Tracker]:
    """A live bar with one task for a loop the command runs itself: call ``draw`` per step."""
    with progress_bar(console, transient=transient) as progress:
        yield Tracker(progress, title, state=state)


def follow(
    poll: Callable[[], Snapshot],
    *,
    console: Console,
    interval: float = 0.5,
    sleep: Callable[[float], None] | None = None,
) -> Snapshot:
    """Render ``poll()`` as a live bar until it reports a final snapshot; return that one
    (``sleep`` waits between polls; default ``time.sleep``)."""
    snap = poll()
    with tracked_bar(console, snap.title, state=snap.state) as bar:
        while True:
            bar.draw(snap)
            if snap.final:
                return snap
            (sleep or time.sleep)(interval)
            snap = poll()
