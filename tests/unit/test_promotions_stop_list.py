"""The list of stops everywhere: a stop's status, its retry and restart, its verification, and
the filters (worked examples)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.promotions.domain import stop_list as rules


def s(status: str, **kw: Any) -> dict[str, Any]:
    return {"channel": "promote", "status": status, "reversible": False, "verified": None, **kw}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([s("done"), s("running")], "running"),
        ([s("running"), s("failed")], "running"),  # a step still runs: not over yet
        ([s("done"), s("failed")], "failed"),
        ([s("failed"), s("done", restarted=True)], "failed"),  # retry still offered
        ([s("done", restarted=True), s("done")], "restarted"),
        ([s("done"), s("done")], "done"),
        ([], "done"),
    ],
)
def test_status_of_a_stop(steps: list[dict[str, Any]], expected: str) -> None:
    assert rules.status_of(steps).value == expected


def test_retry_restart_and_verified() -> None:
    paused = s("done", channel="tiktok_ads", reversible=True, verified=True)
    assert rules.can_restart([paused])
    assert not rules.can_restart([{**paused, "restarted": True}])
    assert not rules.can_restart([s("done", verified=True)])  # a Promote stop is final
    assert rules.can_retry([paused, s("failed")])
    assert not rules.can_retry([paused])
    assert rules.verified([paused, s("done", verified=True)]) is True
    assert rules.verified([paused, s("done", verified=False)]) is False
    assert rules.verified([paused, s("running")]) is None
    assert rules.verified([]) is None


def test_channels_in_the_order_of_the_steps() -> None:
    steps = [
        s("done", channel="tiktok_ads", verified=True),
        s("failed", channel="shop"),
        s("done", channel="tiktok_ads"),
    ]
    assert rules.channels(steps) == [
        {"channel": "tiktok_ads", "status": "done", "steps": 2, "running": 0, "failed": 0,
         "verified": 1},
        {"channel": "shop", "status": "failed", "steps": 1, "running": 0, "failed": 1,
         "verified": 0},
    ]  # fmt: skip


def test_filters() -> None:
    f = rules.stop_filters(
        status="failed,Running",
        channel=["shop"],
        reason="sold_out",
        created_by=" rule:7 ",
        created_since="2026-12-01",
        created_until="2026-12-07",
    )
    assert f.statuses == {rules.StopStatus.FAILED, rules.StopStatus.RUNNING}
    assert f.created_by == "rule:7"
    assert f.since == date(2026, 12, 1)
    assert f.created_after() == datetime(2026, 12, 1, tzinfo=UTC)
    assert f.created_before() == datetime(2026, 12, 8, tzinfo=UTC)  # the last day included
    assert f.by_steps
    assert f.keeps([s("failed", channel="shop")])
    assert not f.keeps([s("failed", channel="promote")])
    assert not f.keeps([s("done", channel="shop")])
    nothing = rules.stop_filters()
    assert not nothing.by_steps
    assert nothing.keeps([])
    assert nothing.created_after() is None


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"status": "stopped"}, "status"),
        ({"channel": "tiktok"}, "channel"),
        ({"reason": "bored"}, "reason"),
        ({"created_by": "x" * 201}, "created_by"),
        ({"created_since": "2026-02-30"}, "created_since"),
        ({"created_until": "0001-01-01"}, "created_until"),
        ({"created_since": "2026-02-02", "created_until": "2026-02-01"}, "created_until"),
    ],
)
def test_unknown_filter_values_are_refused(kw: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.stop_filters(**kw)
    assert refused.value.field == field
