"""Rich progress bars for long work, shared by every CLI command that shows one.

``follow`` polls a snapshot function (usually reading an operations record) and redraws the
bar until the snapshot says the work is final; ``progress_bar`` gives the same columns for a
loop the command runs itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    title: str
    total: int  # 0: not known yet
    done: int
    failed: int
    state: str
    final: bool


def progress_bar(console: Console, *, transient: bool = False) -> Progress:
    """A bar with title, count, percentage, failures, state and elapsed time. Tasks take the
    fields ``failed`` and ``state``."""
    return Progress(
        SpinnerColumn(finished_text="•"),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("[red]{task.fields[failed]} failed[/red]"),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
    )


def follow(
    poll: Callable[[], Snapshot],
    *,
    console: Console,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Snapshot:
    """Render ``poll()`` as a live bar until it reports a final snapshot; return that one."""
    snap = poll()
    with progress_bar(console) as bar:
        task = bar.add_task(
            snap.title or "working", total=snap.total or None, failed=0, state=snap.state
        )
        while True:
            bar.update(
                task,
                description=snap.title or "working",
                total=snap.total or None,
                completed=snap.done + snap.failed,
                failed=snap.failed,
                state=snap.state,
            )
            if snap.final:
                if not snap.total:
                    bar.update(
                        task,
                        total=max(1, snap.done + snap.failed),
                        completed=max(1, snap.done + snap.failed),
                    )
                return snap
            sleep(interval)
            snap = poll()
