"""Client-side rate limiter: per endpoint, a QPS budget AND a QPM budget, thread-safe, blocking.

Why sliding windows rather than refilling buckets: a bucket of capacity C refilled at C per
window lets up to 2C requests through in one window (a full bucket plus its refill), which a
server counting the last second or minute answers with 40100. Here each budget is a bucket
whose tokens come back exactly one window after they were spent, so no window of that length
ever sees more than its limit. ``margin`` widens each window because requests reach the server
a little later than they leave us, and not all equally late.

``spread`` paces the per-second budget: grants are at least ``window / limit`` apart instead of
leaving in bursts. A server handles a burst one request after another, so the burst's last
call is counted later than its first; the next burst's first call then finds the window still
full and is refused (40100). Evenly spaced calls keep the same rate without that.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Budget:
    """At most ``limit`` grants within any ``window`` seconds. Not thread-safe by itself."""

    def __init__(self, limit: int, window: float, *, spread: bool = False) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a budget needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.gap = window / limit if spread else 0.0
        self._grants: deque[float] = deque()

    @classmethod
    def per_second(cls, qps: float, margin: float = 0.0, *, spread: bool = False) -> Budget:
        """``qps`` may be fractional: 0.3 QPS is one request per 3.33 s; 2.5 QPS two per 0.8 s."""
        limit = max(1, math.floor(qps))
        return cls(limit, limit / qps + margin, spread=spread)

    @classmethod
    def per_minute(cls, qpm: int, margin: float = 0.0) -> Budget:
        return cls(qpm, 60.0 + margin)

    def wait_time(self, now: float) -> float:
        """Seconds until a grant is allowed at ``now`` (0 when allowed now)."""
        horizon = now - self.window
        paced = self._grants[-1] + self.gap - now if self.gap and self._grants else 0.0
        while self._grants and self._grants[0] <= horizon:
            self._grants.popleft()
        if len(self._grants) < self.limit:
            return max(0.0, paced)
        return max(paced, self._grants[0] + self.window - now)

    def grant(self, now: float) -> None:
        self._grants.append(now)


@dataclass(frozen=True)
class Limits:
    qps: float
    qpm: int


@dataclass(frozen=True)
class Grant:
    at: float  # the clock reading when the request was allowed
    waited: float  # seconds spent blocked


class _Endpoint:
    def __init__(self, limits: Limits, margin: float, spread: bool) -> None:
        self.lock = threading.Lock()
        self.budgets = (
            Budget.per_second(limits.qps, margin, spread=spread),
            Budget.per_minute(limits.qpm, margin),
        )


class RateLimiter:
    """One per TikTok app: every thread calling an endpoint shares that endpoint's budgets."""

    def __init__(
        self,
        default: Limits,
        overrides: Mapping[str, Limits] | None = None,
        *,
        margin: float = 0.0,
        spread: bool = False,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.default = default
        self.overrides = dict(overrides or {})
        self.margin = margin
        self.spread = spread
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
                    self.limits(endpoint), self.margin, self.spread
                )
            return state

    def acquire(self, endpoint: str) -> Grant:
        """Block until ``endpoint`` may be called, then count the call."""
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
            # Sleep outside the lock; another thread may win the slot, then we wait again.
            self._sleep(wait)
            waited += wait
