"""The rate limiter shared by every process through Redis (``PROMODESK_REDIS_URL``).

Same rules as the in-process ``RateLimiter`` (see ``kit.ratelimit``): per key, a per-second and
a per-minute budget; a place is taken when a call is allowed, held while the call is in flight
(``hold``) and comes back one window after its answer; ``spread`` paces grants ``window /
limit`` apart. What changes is where the places live: two sorted sets per key and budget in
Redis, changed only by server-side scripts, so that the check and the grant of every budget are
one atomic step for all processes together, timed by the Redis server's clock (one clock for
every machine).

- ``{ns}:{key}:{i}:f`` holds the places in flight: token -> when the place is given up for lost
  (the grant's time + the longest a call can take + the window). A process killed while it
  holds places does not leak them: they come back at that time, when even a call the server
  counted last would have left its window.
- ``{ns}:{key}:{i}:r`` holds the places coming back: token -> the answer's time + the window.
- ``{ns}:{key}:{i}:d`` the earliest time ``spread`` lets the next grant go.

When Redis cannot be reached, a call waits (retrying with backoff) up to ``unavailable_wait``
seconds and then fails with ``ServiceUnavailable``: the caller's job retries later. It never
falls back to sending without a place, so losing Redis slows the work down, never past the
limit. A place whose release cannot be written stays taken until it is given up for lost.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import redis

from promodesk.kit.errors import ServiceUnavailable
from promodesk.kit.ratelimit import Budget, Grant, Limits, Sleep

log = logging.getLogger("promodesk.kit.ratelimit_redis")

# KEYS: per budget i, three keys (in flight, coming back, pace).
# ARGV: budgets, token, hold (0/1), longest call seconds, then per budget: limit, window, gap.
# Returns {wait, now}: wait "0" when granted, "-1" while every place is in flight, else the
# seconds until a place comes back. Numbers go back as strings: Redis truncates Lua numbers.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = tonumber(ARGV[1])
local token = ARGV[2]
local hold = ARGV[3] == '1'
local longest = tonumber(ARGV[4])
local wait = 0
local blocked = false
for i = 0, n - 1 do
  local limit = tonumber(ARGV[5 + i * 3])
  local window = tonumber(ARGV[6 + i * 3])
  local gap = tonumber(ARGV[7 + i * 3])
  local flying, back, due = KEYS[1 + i * 3], KEYS[2 + i * 3], KEYS[3 + i * 3]
  redis.call('ZREMRANGEBYSCORE', flying, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', back, '-inf', now)
  local w = 0
  if gap > 0 then
    local d = tonumber(redis.call('GET', due) or '0')
    if d > now then w = d - now end
  end
  if redis.call('ZCARD', flying) + redis.call('ZCARD', back) >= limit then
    local first = redis.call('ZRANGE', back, 0, 0, 'WITHSCORES')
    if first[2] then
      w = math.max(w, tonumber(first[2]) - now)
    else
      blocked = true
    end
  end
  if w > wait then wait = w end
end
if blocked then return {'-1', tostring(now)} end
if wait > 0 then return {tostring(wait), tostring(now)} end
for i = 0, n - 1 do
  local window = tonumber(ARGV[6 + i * 3])
  local gap = tonumber(ARGV[7 + i * 3])
  local flying, back, due = KEYS[1 + i * 3], KEYS[2 + i * 3], KEYS[3 + i * 3]
  local keep = math.ceil((longest + window) * 1000) + 1000
  if gap > 0 then
    local d = tonumber(redis.call('GET', due) or '0')
    local base = now
    if hold and d > 0 then base = math.max(d, now - gap) end
    redis.call('SET', due, tostring(base + gap), 'PX', keep)
  end
  if hold then
    redis.call('ZADD', flying, now + longest + window, token)
    redis.call('PEXPIRE', flying, keep)
  else
    redis.call('ZADD', back, now + window, token)
    redis.call('PEXPIRE', back, keep)
  end
end
return {'0', tostring(now)}
"""

# KEYS as ACQUIRE; ARGV: budgets, token, longest call seconds, then per budget: window.
RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = tonumber(ARGV[1])
local token = ARGV[2]
local longest = tonumber(ARGV[3])
for i = 0, n - 1 do
  local window = tonumber(ARGV[4 + i])
  local flying, back = KEYS[1 + i * 3], KEYS[2 + i * 3]
  redis.call('ZREM', flying, token)
  redis.call('ZADD', back, now + window, token)
  redis.call('PEXPIRE', back, math.ceil((longest + window) * 1000) + 1000)
end
return tostring(now)
"""


class RedisRateLimiter:
    """``RateLimiter``'s rules with its places in Redis, shared by every process that uses the
    same ``namespace`` (one per remote app)."""

    def __init__(
        self,
        client: redis.Redis,
        namespace: str,
        default: Limits,
        overrides: Mapping[str, Limits] | None = None,
        *,
        margin: float = 0.0,
        spread: bool = False,
        hold: bool = False,
        longest_call: float = 120.0,
        poll: float = 0.02,
        unavailable_wait: float = 30.0,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.redis = client
        self.namespace = namespace
        self.default = default
        self.overrides = dict(overrides or {})
        self.margin = margin
        self.spread = spread
        self.hold = hold
        self.longest_call = longest_call
        self.poll = poll
        self.unavailable_wait = unavailable_wait
        self._sleep = sleep
        self._acquire = client.register_script(ACQUIRE)
        self._release = client.register_script(RELEASE)

    def limits(self, endpoint: str) -> Limits:
        return self.overrides.get(endpoint, self.default)

    def _budgets(self, endpoint: str) -> tuple[Budget, Budget]:
        limits = self.limits(endpoint)
        return (
            Budget.per_second(limits.qps, self.margin, spread=self.spread, hold=self.hold),
            Budget.per_minute(limits.qpm, self.margin, hold=self.hold),
        )

    def _keys(self, endpoint: str, budgets: int) -> list[str]:
        base = f"{self.namespace}:{endpoint}"
        return [f"{base}:{i}:{part}" for i in range(budgets) for part in ("f", "r", "d")]

    def _script(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        """Run ``script``, waiting out a Redis that cannot be reached for a bounded time."""
        started = time.monotonic()
        delay = 0.05
        while True:
            try:
                return script(keys=keys, args=args)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if time.monotonic() - started >= self.unavailable_wait:
                    raise ServiceUnavailable(
                        "the shared rate limiter (Redis) cannot be reached: no call was sent; "
                        f"check PROMODESK_REDIS_URL ({exc})",
                        retry_after=int(self.unavailable_wait),
                    ) from exc
                log.warning("rate limiter: Redis unreachable, waiting (%s)", exc)
                self._sleep(delay)
                delay = min(delay * 2, 2.0)

    def acquire(self, endpoint: str) -> Grant:
        """Block until ``endpoint`` may be called, then count the call in Redis."""
        budgets = self._budgets(endpoint)
        token = uuid.uuid4().hex
        keys = self._keys(endpoint, len(budgets))
        args: list[Any] = [len(budgets), token, int(self.hold), self.longest_call]
        for budget in budgets:
            args += [budget.limit, budget.window, budget.gap]
        waited = 0.0
        while True:
            wait_text, now_text = self._script(self._acquire, keys, args)
            wait = float(wait_text)
            if wait == 0:
                return Grant(at=float(now_text), waited=waited, token=token)
            # Every place in flight: poll until one is released (another process may hold it).
            pause = self.poll if wait < 0 else min(max(wait, 0.001), 1.0)
            self._sleep(pause)
            waited += pause

    def release(self, endpoint: str, grant: Grant) -> float | None:
        """The answer to the call ``grant`` allowed has arrived, or the call failed. Returns
        the Redis clock's reading when its places started coming back (None without ``hold``,
        or when Redis could not be reached)."""
        if not self.hold:
            return None
        budgets = self._budgets(endpoint)
        args: list[Any] = [len(budgets), grant.token, self.longest_call]
        args += [budget.window for budget in budgets]
        try:
            return float(self._release(keys=self._keys(endpoint, len(budgets)), args=args))
        except (redis.ConnectionError, redis.TimeoutError):
            # Safe: the place stays taken until it is given up for lost.
            log.warning("rate limiter: could not release a place; it expires by itself")
            return None

    @contextmanager
    def call(self, endpoint: str) -> Iterator[Grant]:
        """Hold a place for the duration of one call: ``with limiter.call(path): send()``."""
        grant = self.acquire(endpoint)
        try:
            yield grant
        finally:
            self.release(endpoint, grant)


def connect(url: str) -> redis.Redis:
    """A client for ``url`` with short timeouts (the limiter retries on its own)."""
    return redis.Redis.from_url(
        url, socket_timeout=5.0, socket_connect_timeout=2.0, health_check_interval=30
    )
