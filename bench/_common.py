"""Shared helpers for the benchmarks: timing, medians, peak memory, aligned output.

Benchmarks print figures and ratios against a reference measured in the same run; they never
assert a speed. Importing this module has no side effects (``make bench`` also runs it).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Timer:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    """``with timed() as t: ...`` then ``t.seconds``."""
    timer = Timer()
    start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - start


def measure(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_of(run: Callable[[int], float], repeats: int) -> float:
    """Median of ``run(round)`` over ``repeats`` rounds; ``run`` returns the seconds it timed
    itself (so that its setup stays off the clock)."""
    return statistics.median(run(r) for r in range(max(1, repeats)))


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def fmt_rate(value: float, unit: str) -> str:
    return f"{value:>12,.0f} {unit}/s"


@dataclass
class Table:
    """Rows of (label, value, note) printed with aligned columns."""

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, label: str, value: str, note: str = "") -> None:
        self.rows.append((label, value, note))

    def print(self) -> None:
        print(f"\n{self.title}")
        width = max((len(r[0]) for r in self.rows), default=0)
        vwidth = max((len(r[1]) for r in self.rows), default=0)
        for label, value, note in self.rows:
            print(f"  {label:<{width}}  {value:>{vwidth}}  {note}".rstrip())
        sys.stdout.flush()


def verdict(ratio: float, aim: float) -> str:
    return f"aim >= {aim:.0%}: {'met' if ratio >= aim else 'NOT met'}"
