"""A worker's prefetches run ahead of its handlers, for the jobs of one claimed batch.

Rules:
- The jobs whose prefetch may run ahead (``registry.prefetch(..., ahead=True)``) have it run
  in one helper thread, one at a time, in claim order, starting when the batch is claimed and
  going from one to the next without waiting for the handlers: a step's remote calls overlap
  the database work of the handlers before it (a long one included, such as a cancel batch's
  chunk), so the calls keep to their rate limit instead of waiting for the database.
- Each prefetch runs under its own job's lease (renewed while it calls, see
  ``kit.jobs.lease``), and its result waits for the job's handler, which commits only while
  the worker still holds the lease: exactly-once is that of several worker threads (a step
  reads back before it sends, so calls whose job was taken over are not sent twice).
- While the next job's prefetch is still running, the worker runs a claimed job that has no
  prefetch at all (pure database work) first, instead of waiting idle for the calls.
- When the worker stops, prefetches not started yet are not started: those jobs are handed
  back; the ones already started (or that the worker already waits for) are handled as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any


@dataclass
class Attempt:
    """What the worker knows of the job it runs (read by its prefetch or its handler)."""

    name: str = "?"
    attempts: int = 0
    max_attempts: int = 1


# A claimed job whose prefetch was started ahead: its attempt and the prefetch's result
# (still ours, what it fetched).
Started = tuple[Attempt, "Future[tuple[bool, Any]]"]
Fetch = Callable[[int, Attempt], tuple[bool, Any]]


class AheadChain:
    """The ahead prefetches of one claimed batch (``ids`` in claim order), run one after the
    other in a helper thread by ``fetch``; ``stop`` set: the next ones are not started."""

    def __init__(self, ids: list[int], fetch: Fetch, stop: threading.Event) -> None:
        self._fetch = fetch
        self._stop = stop
        # The helper thread walks this list; the worker takes from the dict (a job taken
        # before the helper reached it must still be there for the helper).
        self._order: list[tuple[int, Started]] = [(i, (Attempt(), Future())) for i in ids]
        self._started: dict[int, Started] = dict(self._order)
        self._lock = threading.Lock()  # a job is taken or cancelled, never both
        self._thread = threading.Thread(target=self._run, name="promodesk-prefetch", daemon=True)

    def __enter__(self) -> AheadChain:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_pending()
        self._thread.join()

    def _run(self) -> None:
        for job_id, (attempt, future) in self._order:
            if self._stop.is_set():
                self._stop_pending()
            if not future.set_running_or_notify_cancel():
                continue  # handed back by the worker (stopping)
            try:
                future.set_result(self._fetch(job_id, attempt))
            except BaseException as exc:  # the job's handler step reports it, as before
                future.set_exception(exc)

    def _stop_pending(self) -> None:
        # Only those not started and not taken by the worker (it waits for those: they run);
        # a running prefetch finishes.
        with self._lock:
            for _, future in self._started.values():
                future.cancel()

    def __contains__(self, job_id: int) -> bool:
        return job_id in self._started

    def ready(self, job_id: int) -> bool:
        """Whether the job's prefetch is over (or it is not in the chain)."""
        begun = self._started.get(job_id)
        return begun is None or begun[1].done()

    def take(self, job_id: int) -> Started | None:
        """The job's started prefetch, for its handler; None when it is not in the chain or
        was never started (the worker stopped first)."""
        with self._lock:
            begun = self._started.pop(job_id, None)
        if begun is None or begun[1].cancelled():
            return None
        return begun

    def hand_back(self, job_id: int) -> bool:
        """Cancel the job's prefetch if it has not started; True when nothing of it ran."""
        with self._lock:
            begun = self._started.get(job_id)
            return begun is not None and begun[1].cancel()
