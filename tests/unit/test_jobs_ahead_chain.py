"""The chain of prefetches ahead of a worker's handlers (``kit.jobs.ahead``), without a
database: each prefetch runs once, in claim order; a job the worker takes before the helper
reached it still runs; a stopping worker's untaken jobs never start, its taken ones do."""

from __future__ import annotations

import threading
from typing import Any

from promodesk.kit.jobs.ahead import AheadChain, Attempt
from tests.api_support import HANG_GUARD


class Fetches:
    """A prefetch that records its job and waits for ``gate`` on the first one."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.inside = threading.Event()
        self.ran: list[int] = []

    def __call__(self, job_id: int, attempt: Attempt) -> tuple[bool, Any]:
        self.ran.append(job_id)
        if len(self.ran) == 1:
            self.inside.set()
            assert self.gate.wait(HANG_GUARD)  # a guard against a hang, not a speed limit
        return True, job_id * 10


def test_a_job_taken_before_the_helper_reached_it_still_runs() -> None:
    fetch, stop = Fetches(), threading.Event()
    with AheadChain([1, 2, 3], fetch, stop) as chain:
        assert fetch.inside.wait(HANG_GUARD)
        taken = chain.take(2)  # the helper is still in job 1
        assert taken is not None
        assert not taken[1].done()
        fetch.gate.set()
        assert taken[1].result(HANG_GUARD) == (True, 20)
        first, last = chain.take(1), chain.take(3)
        assert first is not None
        assert last is not None
        assert first[1].result(HANG_GUARD) == (True, 10)
        assert last[1].result(HANG_GUARD) == (True, 30)
    assert fetch.ran == [1, 2, 3]


def test_a_stopping_worker_starts_only_what_it_took() -> None:
    fetch, stop = Fetches(), threading.Event()
    with AheadChain([1, 2, 3], fetch, stop) as chain:
        assert fetch.inside.wait(HANG_GUARD)
        taken = chain.take(2)
        stop.set()
        assert chain.hand_back(3)  # not started: nothing of it ran
        assert not chain.hand_back(1)  # running: it finishes
        fetch.gate.set()
        assert taken is not None
        assert taken[1].result(HANG_GUARD) == (True, 20)
        assert chain.take(3) is None
    assert fetch.ran == [1, 2]
