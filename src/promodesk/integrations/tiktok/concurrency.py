"""Bounded concurrency across ad accounts.

Each advertiser's work runs in a thread pool of ``max_workers``; at most ``2 * max_workers``
are submitted at once, so results are handed over as they finish instead of piling up. The
per-endpoint limiter is shared by all threads, so more workers never means more than the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[R]):
    advertiser_id: str
    result: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def for_each_advertiser(
    advertiser_ids: Iterable[str], work: Callable[[str], R], *, max_workers: int
) -> Iterator[Outcome[R]]:
    """Run ``work(advertiser_id)`` for each id; yield outcomes in completion order.

    One advertiser's failure does not stop the others; it comes back as ``Outcome.error``.
    """
    ids = iter(advertiser_ids)
    backlog = max(1, max_workers) * 2
    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="tiktok") as pool:
        running: dict[Future[R], str] = {}

        def fill() -> None:
            while len(running) < backlog:
                advertiser_id = next(ids, None)
                if advertiser_id is None:
                    return
                running[pool.submit(work, advertiser_id)] = advertiser_id

        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                advertiser_id = running.pop(future)
                error = future.exception()
                if error is None:
                    yield Outcome(advertiser_id, result=future.result())
                else:
                    yield Outcome(advertiser_id, error=error)
            fill()
