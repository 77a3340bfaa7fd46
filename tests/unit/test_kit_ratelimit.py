"""Limiter math on an injected clock: nothing here sleeps for real."""

from __future__ import annotations

import itertools
import math
import random
import threading

import pytest

from promodesk.kit.ratelimit import Budget, Limits, RateLimiter


class FakeTime:
    """A monotonic clock whose ``sleep`` moves time forward instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def limiter(time: FakeTime, qps: float = 10, qpm: int = 600, **kw: object) -> RateLimiter:
    return RateLimiter(Limits(qps, qpm), clock=time.clock, sleep=time.sleep, **kw)  # type: ignore[arg-type]


def most_in_any_window(grants: list[float], window: float) -> int:
    grants = sorted(grants)
    best, start = 0, 0
    for end, at in enumerate(grants):
        while at - grants[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_budget_counts_a_sliding_window() -> None:
    budget = Budget(limit=2, window=1.0)
    assert budget.wait_time(0.0) == 0
    budget.grant(0.0)
    budget.grant(0.4)
    assert budget.wait_time(0.5) == pytest.approx(0.5)
    assert budget.wait_time(1.0) == 0  # the grant at 0.0 has left the window
    budget.grant(1.0)
    assert budget.wait_time(1.0) == pytest.approx(0.4)


def test_fractional_rates() -> None:
    assert (Budget.per_second(0.5).limit, Budget.per_second(0.5).window) == (1, 2.0)
    assert (Budget.per_second(2.5).limit, Budget.per_second(2.5).window) == (2, 0.8)
    assert Budget.per_second(10, margin=0.05).window == pytest.approx(1.05)
    with pytest.raises(ValueError):
        Budget(0, 1.0)


def test_a_burst_of_qps_then_one_window_per_burst() -> None:
    time = FakeTime()
    rl = limiter(time)
    grants = [rl.acquire("campaign/get/") for _ in range(35)]
    assert [g.waited for g in grants[:10]] == [0.0] * 10
    assert grants[10].waited == pytest.approx(1.0)
    assert [g.at for g in grants[::10]] == pytest.approx([0.0, 1.0, 2.0, 3.0])
    assert most_in_any_window([g.at for g in grants], 1.0) == 10


def test_qpm_binds_when_tighter_than_qps() -> None:
    time = FakeTime()
    rl = limiter(time, qps=10, qpm=30)
    grants = [rl.acquire("ad/get/") for _ in range(31)]
    assert grants[29].at == pytest.approx(2.0)
    assert grants[30].at == pytest.approx(60.0)
    assert most_in_any_window([g.at for g in grants], 60.0) == 30


def test_sustained_rate_never_exceeds_either_limit() -> None:
    time = FakeTime()
    rl = limiter(time, qps=10, qpm=600)
    times = [rl.acquire("adgroup/get/").at for _ in range(2000)]
    assert most_in_any_window(times, 1.0) <= 10
    assert most_in_any_window(times, 60.0) <= 600
    # 2000 grants at 10 per second and 600 per minute: the minute budget binds at 60 s, so
    # grants 600..1199 start at 60 s, 1200..1799 at 120 s, 1800.. at 180 s.
    assert times[-1] == pytest.approx(199.0)


def test_margin_widens_each_window() -> None:
    time = FakeTime()
    rl = limiter(time, qps=2, qpm=600, margin=0.1)
    times = [rl.acquire("x/").at for _ in range(5)]
    assert times == pytest.approx([0.0, 0.0, 1.1, 1.1, 2.2])


def test_endpoints_are_independent_and_overridable() -> None:
    time = FakeTime()
    rl = RateLimiter(
        Limits(10, 600),
        {"ad/create/": Limits(5, 150)},
        clock=time.clock,
        sleep=time.sleep,
    )
    for _ in range(10):
        rl.acquire("campaign/get/")
    assert rl.acquire("ad/get/").waited == 0  # another endpoint is not blocked
    creates = [rl.acquire("ad/create/") for _ in range(6)]
    assert creates[5].waited == pytest.approx(1.0)
    assert rl.limits("ad/create/") == Limits(5, 150)
    assert rl.limits("anything/") == Limits(10, 600)


def test_threads_share_the_budget() -> None:
    time = FakeTime()
    rl = limiter(time, qps=10, qpm=100)
    grants: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(40):
            at = rl.acquire("campaign/get/").at
            with lock:
                grants.append(at)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(grants) == 320
    assert most_in_any_window(grants, 1.0) <= 10
    assert most_in_any_window(grants, 60.0) <= 100


def test_spread_paces_calls_evenly_at_the_same_rate() -> None:
    time = FakeTime()
    rl = RateLimiter(Limits(10, 600), spread=True, clock=time.clock, sleep=time.sleep)
    times = [rl.acquire("ad/get/").at for _ in range(30)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(0.1)
    assert times[-1] == pytest.approx(2.9)  # 10 per second, as without spreading
    assert most_in_any_window(times, 1.0) == 10


def test_a_held_place_stays_taken_until_its_answer_then_one_window() -> None:
    budget = Budget(limit=2, window=1.0, hold=True)
    budget.grant(0.0)
    budget.grant(0.1)
    assert budget.wait_time(5.0) == math.inf  # both calls still in flight: no time frees them
    budget.done(0.3)
    assert budget.wait_time(0.5) == pytest.approx(0.8)  # back one window after the answer
    assert budget.wait_time(1.3) == 0
    budget.done(2.0)
    budget.done(2.0)  # more answers than calls changes nothing
    assert budget.in_flight == 0


def test_release_without_hold_changes_nothing() -> None:
    time = FakeTime()
    rl = limiter(time, qps=2)
    with rl.call("x/"), rl.call("x/"):
        pass
    third = rl.acquire("x/")
    assert third.at == pytest.approx(1.0)  # the places came back one window after the calls


def test_call_holds_its_place_for_the_answer_time() -> None:
    time = FakeTime()
    rl = limiter(time, qps=2, hold=True)
    for _ in range(2):
        with rl.call("x/"):
            time.sleep(0.4)  # the answer takes 0.4 s
    # Answers arrived at 0.4 and 0.8: the places come back at 1.4 and 1.8.
    assert rl.acquire("x/").at == pytest.approx(1.4)


def _simulate(hold: bool, seed: int, calls: int = 600) -> tuple[list[float], float]:
    """Eight workers call one endpoint with uneven answer times; the server counts each call at
    a random moment between its sending and its answer. Returns the server's count times and
    when the last answer arrived (discrete events on a virtual clock)."""
    rng = random.Random(seed)
    budgets = (Budget.per_second(10, spread=True, hold=hold), Budget.per_minute(600, hold=hold))
    ready = [(0.0, worker) for worker in range(8)]  # (when the worker asks, worker)
    answers: list[float] = []  # pending answer times (hold mode frees places then)
    counted: list[float] = []
    now = 0.0
    while len(counted) < calls:
        ready.sort()
        now = max(now, ready[0][0])
        while answers and min(answers) <= now:
            at = min(answers)
            answers.remove(at)
            for budget in budgets:
                budget.done(at)
        wait = max(b.wait_time(now) for b in budgets)
        if wait > 0:
            now = min(now + wait, *answers) if answers else now + wait
            continue
        _, worker = ready.pop(0)
        for budget in budgets:
            budget.grant(now)
        latency = rng.choice([0.01, 0.02, 0.05, 0.3])
        counted.append(now + rng.random() * latency)
        answers.append(now + latency)
        ready.append((now + latency, worker))
    return counted, max(answers)


@pytest.mark.parametrize("seed", range(5))
def test_held_places_keep_any_server_window_within_the_limit(seed: int) -> None:
    counted, last = _simulate(hold=True, seed=seed)
    assert most_in_any_window(counted, 1.0) <= 10
    assert most_in_any_window(counted, 60.0) <= 600
    assert last < 600 / 10 * 1.2  # and still near the limit's pace with these answer times


def test_without_holding_an_uneven_server_counts_too_many() -> None:
    # Why ``hold`` is the default: pacing by sending time alone, an uneven server sees more
    # than 10 calls in some second.
    assert any(most_in_any_window(_simulate(hold=False, seed=s)[0], 1.0) > 10 for s in range(5))


def test_held_pace_lets_a_late_grant_catch_up_by_one_gap() -> None:
    budget = Budget(limit=10, window=1.0, spread=True, hold=True)
    budget.grant(0.0)
    assert budget.wait_time(0.05) == pytest.approx(0.05)
    budget.grant(0.13)  # its thread woke 30 ms late
    assert budget.wait_time(0.13) == pytest.approx(0.07)  # the schedule stays at 0.2
    budget.grant(0.2)
    budget.grant(0.75)  # very late: at most one more right away, then the pace again
    assert budget.wait_time(0.75) == 0
    budget.grant(0.75)
    assert budget.wait_time(0.75) == pytest.approx(0.1)


def test_unheld_pace_always_waits_a_whole_gap_after_the_last_grant() -> None:
    budget = Budget(limit=10, window=1.0, spread=True)
    budget.grant(0.0)
    budget.grant(0.13)
    assert budget.wait_time(0.13) == pytest.approx(0.1)
