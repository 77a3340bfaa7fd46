"""Rate limits, fault injection and counters of the local API sandboxes (shared by the
TikTok Marketing API sandbox and the TikTok Shop Partner API sandbox).

The limit is two sliding windows: at most ``qps`` accepted calls in any 1-second span and at
most ``qpm`` in any 60-second span, per (caller, endpoint), or per caller alone when
``per_endpoint`` is off (TikTok Shop limits a shop across endpoints). Refused calls do not count
against the windows, so a client that backs off gets through as soon as the window allows.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Protocol


class LimitSettings(Protocol):
    """The knobs a sandbox's settings carry for its limits (read on every call, so runtime
    changes apply at once)."""

    seed: int
    rate_limit: bool
    qps: int
    qpm: int
    fault_rate: float
    slow_rate: float
    slow_seconds: float
    late_rate: float
    late_seconds: float
    fail_next: int

    def public(self) -> dict[str, Any]: ...


@dataclass
class Limits:
    config: LimitSettings
    per_endpoint: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    _second: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _minute: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    codes: Counter[int] = field(default_factory=Counter)
    faults: int = 0
    slowed: int = 0
    late: int = 0
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.config.seed)

    def admit(self, app_id: str, endpoint: str) -> bool:
        """Count a call; False when it is over the caller's limit (for this endpoint)."""
        with self.lock:
            self.requests[endpoint] += 1
            if not self.config.rate_limit:
                return True
            now = time.monotonic()
            key = (app_id, endpoint if self.per_endpoint else "")
            second = self._second.setdefault(key, deque())
            minute = self._minute.setdefault(key, deque())
            while second and second[0] <= now - 1.0:
                second.popleft()
            while minute and minute[0] <= now - 60.0:
                minute.popleft()
            if len(second) >= self.config.qps or len(minute) >= self.config.qpm:
                self.throttled[endpoint] += 1
                return False
            second.append(now)
            minute.append(now)
            return True

    def fault(self) -> bool:
        """Whether this call should fail as a server error (``fail_next`` first, then
        ``fault_rate``)."""
        with self.lock:
            if self.config.fail_next > 0:
                self.config.fail_next -= 1
                self.faults += 1
                return True
            if self.config.fault_rate and self._random.random() < self.config.fault_rate:
                self.faults += 1
                return True
            return False

    def delay(self) -> float:
        with self.lock:
            if self.config.slow_rate and self._random.random() < self.config.slow_rate:
                self.slowed += 1
                return self.config.slow_seconds
            return 0.0

    def lateness(self) -> float:
        """How long this call waits before it is counted (``late_rate``, ``late_seconds``)."""
        with self.lock:
            if self.config.late_rate and self._random.random() < self.config.late_rate:
                self.late += 1
                return self._random.random() * self.config.late_seconds
            return 0.0

    def answered(self, code: int) -> None:
        with self.lock:
            self.codes[code] += 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "requests_total": sum(self.requests.values()),
                "throttled": dict(self.throttled),
                "throttled_total": sum(self.throttled.values()),
                "codes": {str(k): v for k, v in sorted(self.codes.items())},
                "faults_total": self.faults,
                "slowed_total": self.slowed,
                "late_total": self.late,
                "settings": self.config.public(),
            }

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.throttled.clear()
            self.codes.clear()
            self.faults = 0
            self.slowed = 0
            self.late = 0
            self._second.clear()
            self._minute.clear()
