"""Retry policy: what is retried, how often, how long it waits (injected sleep)."""

from __future__ import annotations

import pytest

from promodesk.integrations.tiktok import errors
from promodesk.integrations.tiktok.oauth import StateSigner
from promodesk.integrations.tiktok.retry import policy, should_retry
from promodesk.integrations.tiktok.stats import Counts, Stats


class Flaky:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def run(fn: Flaky, *, idempotent: bool = True, attempts: int = 5) -> tuple[str, list[float]]:
    sleeps: list[float] = []
    retrying = policy(
        max_attempts=attempts,
        initial=1.0,
        maximum=8.0,
        jitter=0.5,
        idempotent=idempotent,
        sleep=sleeps.append,
    )
    return retrying(fn), sleeps


def throttled() -> errors.Throttled:
    return errors.Throttled("App reaches the QPS limit.", code=40100)


@pytest.mark.parametrize(
    ("error", "idempotent", "expected"),
    [
        (errors.Throttled("x"), False, True),
        (errors.ServerError("x"), True, True),
        (errors.ServerError("x"), False, False),
        (errors.Transport("x", sent=True), True, True),
        (errors.Transport("x", sent=True), False, False),
        (errors.Transport("x", sent=False), False, True),
        (errors.AuthRevoked("x"), True, False),
        (errors.BadParameter("x"), True, False),
        (errors.ObjectNotFound("x"), True, False),
        (ValueError("x"), True, False),
    ],
)
def test_should_retry(error: Exception, idempotent: bool, expected: bool) -> None:
    assert should_retry(error, idempotent=idempotent) is expected


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    result, sleeps = run(Flaky(*(throttled() for _ in range(4))))
    assert result == "ok"
    assert len(sleeps) == 4
    for n, slept in enumerate(sleeps):
        base = min(8.0, 2.0**n)
        assert base <= slept <= base + 0.5


def test_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    flaky = Flaky(*(errors.ServerError("System error.", code=50000) for _ in range(10)))
    with pytest.raises(errors.ServerError):
        run(flaky, attempts=3)
    assert flaky.calls == 3


def test_backoff_is_capped() -> None:
    _, sleeps = run(Flaky(*(throttled() for _ in range(7))), attempts=8)
    assert max(sleeps) <= 8.0 + 0.5


def test_non_retryable_errors_fail_at_once() -> None:
    flaky = Flaky(errors.AuthRevoked("revoked", code=40105))
    with pytest.raises(errors.AuthRevoked):
        run(flaky)
    assert flaky.calls == 1


def test_non_idempotent_calls_retry_only_throttles() -> None:
    flaky = Flaky(throttled(), errors.ServerError("System error.", code=50000))
    with pytest.raises(errors.ServerError):
        run(flaky, idempotent=False)
    assert flaky.calls == 2


def test_stats_add_and_subtract() -> None:
    stats = Stats()
    before = stats.snapshot()
    stats.add(pages=2, throttles=1)
    stats.add(pages=1, retries=1)
    assert stats.snapshot() - before == Counts(pages=3, throttles=1, retries=1)


def test_oauth_state_is_signed_and_expires() -> None:
    signer = StateSigner("app-secret-key")
    state = signer.sign({"workspace": "w1", "nonce": "n"})
    assert signer.verify(state, max_age=600) == {"workspace": "w1", "nonce": "n"}
    with pytest.raises(errors.StateRejected):
        StateSigner("another-key").verify(state, max_age=600)
    with pytest.raises(errors.StateRejected):
        signer.verify(state[:-2] + "xx", max_age=600)
    with pytest.raises(errors.StateRejected, match="too long"):
        signer.verify(state, max_age=-1)
