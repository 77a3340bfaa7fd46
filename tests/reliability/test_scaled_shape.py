"""The scaled shape, proven: 2 API processes (``serve --no-worker``) and 3 worker processes on
one PostgreSQL database with Redis, the Marketing API sandbox as its own rate-limited process,
a bounded mixed load, and one worker and one API process SIGKILLed at random moments and
started again. Afterwards every acknowledged write is there, every job's effect happened
exactly once, the sandbox answered no 40100 and the ledger check passes
(``tests/scaled_shape.py`` holds the rules, shared with ``bench/scaled_shape.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from promodesk.kit.ratelimit_redis import connect
from tests.conftest import REQUIRE_PG, own_database_url
from tests.scaled_shape import REDIS_URL, Shape, run

pytestmark = pytest.mark.postgres

# Modest on purpose: the test proves the rules, the bench measures (bench/scaled_shape.py).
SHAPE = Shape(apis=2, workers=3, worker_threads=2, seconds=15.0, clients=3)


@pytest.fixture
def redis_url() -> str:
    try:
        connect(REDIS_URL).ping()
    except redis.RedisError as exc:
        if REQUIRE_PG:  # CI: every service must run
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_two_apis_three_workers_killed_at_random_lose_nothing_and_double_nothing(
    tmp_path: Path, redis_url: str
) -> None:
    with own_database_url("postgres", "pd_shape") as url:
        outcome = run(SHAPE, url, tmp_path, redis_url)
    assert not outcome.problems, "\n".join(outcome.problems)
    # the faults happened and the load went through them
    assert sorted(k.what.split("-")[0] for k in outcome.kills) == ["api", "worker"]
    assert all(k.restarted for k in outcome.kills)
    for cls in ("reads", "writes", "delivery", "stops"):
        assert outcome.records.latencies[cls], f"no {cls} acknowledged"
    assert outcome.records.sync_runs
    assert outcome.records.batches
    assert outcome.sandbox["requests_total"] > 0
    print(
        f"\nscaled shape: {sum(len(v) for v in outcome.records.latencies.values())} answers, "
        f"{sum(outcome.records.retries.values())} resent, kills "
        + ", ".join(
            f"{k.what} at {k.at:.1f}s (held {k.held_jobs} jobs, "
            f"back after {k.restart_seconds:.0f}s)"
            for k in outcome.kills
        )
        + f", {outcome.retried_jobs} jobs took more than one attempt"
    )
