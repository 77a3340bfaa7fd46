"""Client-side rate limiter: per key (an API endpoint, a shop), a QPS budget AND a QPM budget,
thread-safe, blocking. Used by the TikTok Marketing API client (keyed by endpoint) and the
TikTok Shop client (keyed by shop).

Why sliding windows rather than refilling buckets: a bucket of capacity C refilled at C per
window lets up to 2C requests through in one window (a full bucket plus its refill), which a
server counting the last second or minute answers with 40100. Here each budget holds at most
``limit`` places, and a place comes back exactly one window after its call, so no window of that
length ever sees more than the limit.

When does a call's window start? The server counts a call at some moment between the moment it
leaves us and the moment its answer is back, and we cannot know which: a server busy with other
work counts some calls late and others on time. With ``hold`` on, a call keeps its place while it
is in flight and for one whole window after its answer arrived (``RateLimiter.call``). Then any
``limit + 1`` calls the server counts within one window would include one we sent while the other
``limit`` still held their places, which the budget refuses: **the server never sees more than the
limit, however unevenly it counts**. The price is the answer time per place: ``limit`` calls per
``window + latency`` instead of per ``window``. With ``hold`` off, a place comes back one window
after the call left, widened by ``margin``; faster with slow answers, but a server that counts
unevenly answers some calls with 40100.

``spread`` paces the per-second budget: grants are at least ``window / limit`` apart instead of
leaving in bursts, so a server handling a burst one request after another does not count the
burst's last call late.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Budget:
    """At most ``limit`` places within any ``window`` seconds. Not thread-safe by itself.

    ``grant(now)`` takes a place. Without ``hold`` it comes back at ``now + window``; with
    ``hold`` it stays taken until ``done(at)``, then comes back at ``at + window``.
    """

    def __init__(
        self, limit: int, window: float, *, spread: bool = False, hold: bool = False
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a budget needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.gap = window / limit if spread else 0.0
        self.hold = hold
        self.in_flight = 0
        self._returns: list[float] = []  # heap: when each finished place comes back
        self._due: float | None = None  # when ``spread`` lets the next grant go

    @classmethod
    def per_second(
        cls, qps: float, margin: float = 0.0, *, spread: bool = False, hold: bool = False
    ) -> Budget:
        """``qps`` may be fractional: 0.3 QPS is one request per 3.33 s; 2.5 QPS two per 0.8 s."""
        limit = max(1, math.floor(qps))
        return cls(limit, limit / qps + margin, spread=spread, hold=hold)

    @classmethod
    def per_minute(cls, qpm: int, margin: float = 0.0, *, hold: bool = False) -> Budget:
        return cls(qpm, 60.0 + margin, hold=hold)

    def wait_time(self, now: float) -> float:
        """Seconds until a grant is allowed at ``now``: 0 when allowed now, ``inf`` while every
        place is held by a call in flight (only ``done`` can free one)."""
        while self._returns and self._returns[0] <= now:
            heapq.heappop(self._returns)
        paced = self._due - now if self.gap and self._due is not None else 0.0
        if self.in_flight + len(self._returns) < self.limit:
            return max(0.0, paced)
        if not self._returns:
            return math.inf
        return max(paced, self._returns[0] - now)

    def grant(self, now: float) -> None:
        if self.gap:
            # With ``hold`` the pace keeps its schedule: a grant that went late (its thread
            # woke late) lets the next one catch up by one gap instead of pushing every later
            # grant back too. Without ``hold`` every grant waits a whole gap after the last,
            # since there the spacing is what keeps the server's count within the limit.
            due = self._due if self.hold and self._due is not None else now
            self._due = max(due, now - self.gap) + self.gap
        if self.hold:
            self.in_flight += 1
        else:
            heapq.heappush(self._returns, now + self.window)

    def done(self, at: float) -> None:
        """The answer to a held call arrived at ``at`` (or the call failed then)."""
        if self.hold and self.in_flight > 0:
            self.in_flight -= 1
            heapq.heappush(self._returns, at + self.window)


@dataclass(frozen=True)
class Limits:
    qps: float
    qpm: int


@dataclass(frozen=True)
class Grant:
    at: float  # the clock reading when the request was allowed
    waited: float  # seconds spent blocked
    token: str = ""  # which place it took, where places are named (the Redis limiter)


class Limiter(Protocol):
    """What the API clients need of a limiter: in process (``RateLimiter``) or shared by every
    process through Redis (``kit.ratelimit_redis.RedisRateLimiter``)."""

    def limits(self, endpoint: str) -> Limits: ...

    def call(self, endpoint: str) -> AbstractContextManager[Grant]: ...


class _Endpoint:
    def __init__(self, limits: Limits, margin: float, spread: bool, hold: bool) -> None:
        self.lock = threading.Lock()
        self.freed = threading.Condition(self.lock)
        self.budgets = (
            Budget.per_second(limits.qps, margin, spread=spread, hold=hold),
            Budget.per_minute(limits.qpm, margin, hold=hold),
        )


class RateLimiter:
    """One per remote app: every thread calling with one key (an endpoint, a shop) shares that
    key's budgets."""

    def __init__(
        self,
        default: Limits,
        overrides: Mapping[str, Limits] | None = None,
        *,
        margin: float = 0.0,
        spread: bool = False,
        hold: bool = False,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.default = default
        self.overrides = dict(overrides or {})
        self.margin = margin
        self.spread = spread
        self.hold = hold
        self._clock = clock
        self._sleep = sleep
        self._endpoints: dict[str, _Endpoint] = {}
        self._lock = threading.Lock()

    def limits(self, endpoint: str) -> Limits:
        return self.overrides.get(endpoint, self.default)

    def _state(self, endpoint: str) -> _Endpoint:
        with self._lock:
            state = self._endpoints.get(endpoint)
            if state is None:
                state = self._endpoints[endpoint] = _Endpoint(
                    self.limits(endpoint), self.margin, self.spread, self.hold
                )
            return state

    def acquire(self, endpoint: str) -> Grant:
        """Block until ``endpoint`` may be called, then count the call.

        With ``hold``, pair it with ``release`` (or use ``call``): the place stays taken until then.
        """
        state = self._state(endpoint)
        waited = 0.0
        while True:
            with state.lock:
                now = self._clock()
                wait = max(budget.wait_time(now) for budget in state.budgets)
                if wait <= 0:
                    for budget in state.budgets:
                        budget.grant(now)
                    return Grant(at=now, waited=waited)
                if math.isinf(wait):
                    # Every place is in flight: only a release frees one. The timeout only
                    # guards against a caller that never releases.
                    started = time.monotonic()
                    state.freed.wait(timeout=1.0)
                    waited += time.monotonic() - started
                    continue
            # Sleep outside the lock; another thread may win the slot, then we wait again.
            self._sleep(wait)
            waited += wait

    def release(self, endpoint: str) -> None:
        """The answer to a call granted by ``acquire`` has arrived, or the call failed."""
        if not self.hold:
            return
        state = self._state(endpoint)
        with state.lock:
            now = self._clock()
            for budget in state.budgets:
                budget.done(now)
            state.freed.notify_all()

    @contextmanager
    def call(self, endpoint: str) -> Iterator[Grant]:
        """Hold a place for the duration of one call: ``with limiter.call(path): send()``."""
        grant = self.acquire(endpoint)
        try:
            yield grant
        finally:
            self.release(endpoint)


_shared: dict[str, Limiter] = {}
_shared_lock = threading.Lock()


def shared(namespace: str, build: Callable[[], Limiter]) -> Limiter:
    """The one limiter of a remote app in this process (``namespace`` names the app: its id and
    base URL), built by ``build`` on first use: every client of that app shares its places."""
    with _shared_lock:
        limiter = _shared.get(namespace)
        if limiter is None:
            limiter = _shared[namespace] = build()
        return limiter


def make_limiter(
    default: Limits,
    overrides: Mapping[str, Limits] | None = None,
    *,
    margin: float = 0.0,
    spread: bool = False,
    hold: bool = False,
    redis_url: str = "",
    namespace: str = "",
    longest_call: float = 120.0,
) -> Limiter:
    """The limiter of one remote app: shared by every process through Redis when ``redis_url``
    is set (``namespace`` names the app there), else this process's own."""
    if not redis_url:
        return RateLimiter(default, overrides, margin=margin, spread=spread, hold=hold)
    from promodesk.kit.ratelimit_redis import RedisRateLimiter, connect

    return RedisRateLimiter(
        connect(redis_url),
        namespace,
        default,
        overrides,
        margin=margin,
        spread=spread,
        hold=hold,
        longest_call=longest_call,
    )
