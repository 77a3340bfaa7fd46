"""Counters a sync run reports: requests, pages, throttles met (40100 answers), retries."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Counts:
    requests: int = 0
    pages: int = 0
    throttles: int = 0
    retries: int = 0
    errors: int = 0
    limiter_waits: int = 0
    limiter_wait_seconds: float = 0.0
    # Sending to the answer's head: with the limiter's ``hold`` each place is taken this long
    # on top of its window, so it bounds the pace (``limit / (window + answer time)``).
    answer_seconds: float = 0.0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            **{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)}
        )


class Stats:
    """Thread-safe counters; ``snapshot()`` before and after a run gives the run's figures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = Counts()

    def add(self, **deltas: float) -> None:
        with self._lock:
            values = {f.name: getattr(self._counts, f.name) for f in fields(self._counts)}
            for name, delta in deltas.items():
                values[name] += delta
            self._counts = Counts(**values)

    def snapshot(self) -> Counts:
        with self._lock:
            return self._counts
