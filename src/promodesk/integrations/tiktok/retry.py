"""When and how long to retry (tenacity): bounded attempts, exponential backoff with jitter.

Rule: a throttled request (40100) was refused before TikTok did anything, so it is always
retried. A server or network failure may have happened after TikTok acted, so it is retried only
for idempotent calls (reads, status and budget updates), except a connection that never opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from promodesk.integrations.tiktok.errors import ServerError, Throttled, Transport

OnRetry = Callable[[RetryCallState], None]


def should_retry(error: BaseException, *, idempotent: bool) -> bool:
    if isinstance(error, Throttled):
        return True
    if isinstance(error, Transport):
        return idempotent or not error.sent
    if isinstance(error, ServerError):
        return idempotent
    return False


def policy(
    *,
    max_attempts: int,
    initial: float,
    maximum: float,
    jitter: float,
    idempotent: bool,
    on_retry: OnRetry | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Retrying:
    """Wait ``initial * 2**n`` seconds (capped at ``maximum``) plus up to ``jitter`` random."""
    return Retrying(
        stop=stop_after_attempt(max_attempts),
        wait=wait_exponential(multiplier=initial, max=maximum) + wait_random(0, jitter),
        retry=retry_if_exception(lambda error: should_retry(error, idempotent=idempotent)),
        before_sleep=on_retry,
        sleep=sleep,
        reraise=True,
    )
