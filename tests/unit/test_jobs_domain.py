"""Pure job rules: backoff, retry budget, schedule times, stored error text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promodesk.kit.jobs.domain import (
    backoff,
    error_text,
    first_schedule_run,
    next_cron_run,
    next_interval_run,
    next_schedule_run,
    retry_at,
    validate_cron,
)
from promodesk.kit.jobs.registry import UnknownJob, handler, require

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_backoff_doubles_from_the_base_and_is_capped() -> None:
    assert backoff(0, 2, 3600) == timedelta(0)
    assert [backoff(n, 2, 3600).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(40, 2, 3600) == timedelta(seconds=3600)
    assert backoff(10_000, 2, 3600) == timedelta(seconds=3600)  # no overflow


def test_backoff_jitter_is_deterministic_and_under_ten_percent() -> None:
    for job_id in range(1, 200):
        delay = backoff(3, 10, 10_000, job_id).total_seconds()
        assert 40 <= delay < 44
        assert delay == backoff(3, 10, 10_000, job_id).total_seconds()


def test_retry_budget() -> None:
    assert retry_at(1, 3, T0, 2, 60, 0) == T0 + timedelta(seconds=2)
    assert retry_at(2, 3, T0, 2, 60, 0) == T0 + timedelta(seconds=4)
    assert retry_at(3, 3, T0, 2, 60, 0) is None  # dead


def test_interval_schedule_skips_missed_runs() -> None:
    assert next_interval_run(T0, 60, T0) == T0 + timedelta(minutes=1)
    assert next_interval_run(T0, 60, T0 + timedelta(minutes=5, seconds=3)) == T0 + timedelta(
        minutes=6
    )
    assert first_schedule_run(None, 60, T0) == T0


def test_cron_schedule_in_utc() -> None:
    assert next_cron_run("*/5 * * * *", T0) == T0 + timedelta(minutes=5)
    assert next_cron_run("17 3 * * *", T0) == datetime(2026, 3, 2, 3, 17, tzinfo=UTC)
    assert first_schedule_run("17 3 * * *", None, T0) == datetime(2026, 3, 2, 3, 17, tzinfo=UTC)
    late = T0 + timedelta(minutes=12)  # fired late: the next due time is after "now"
    assert next_schedule_run("*/5 * * * *", None, T0, late) == T0 + timedelta(minutes=15)
    with pytest.raises(ValueError, match="invalid cron"):
        validate_cron("61 * * * *")


def test_error_text_is_storable() -> None:
    text = error_text("RuntimeError", "a\x00b", "trace" * 2000)
    assert "\x00" not in text
    assert text.startswith("RuntimeError: a\\0b")
    assert len(text) == 4000


def test_unknown_handler_names_the_fix() -> None:
    with pytest.raises(UnknownJob, match="PROMODESK_JOB_MODULES"):
        require("unit.nothing-here")


def test_one_handler_per_name() -> None:
    @handler("unit.once")
    def first(ctx: object) -> None: ...

    with pytest.raises(ValueError, match="already has a handler"):

        @handler("unit.once")
        def second(ctx: object) -> None: ...
