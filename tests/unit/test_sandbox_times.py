"""The sandbox's listed times: text computed in whole minutes equals formatting the datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.wire import fmt_time, minutes_text
from promodesk.sandbox.world.objects import World

EPOCHS = [
    datetime(2025, 6, 1, tzinfo=UTC),
    datetime(2024, 2, 28, 23, 47, 13, tzinfo=timezone(timedelta(hours=8))),
]


@pytest.mark.parametrize("epoch", EPOCHS)
def test_timestamps_match_the_formatted_times(epoch: datetime) -> None:
    world = World(SandboxConfig(epoch=epoch, accounts=3))
    for kind in ("campaign", "adgroup", "ad"):
        for account in range(3):
            for index in range(0, 5000, 37):
                created, modified = world.times(kind, account, index)
                expected = {"create_time": fmt_time(created), "modify_time": fmt_time(modified)}
                assert world.timestamps(kind, account, index) == expected


@pytest.mark.parametrize("epoch", EPOCHS)
def test_minutes_text_crosses_days_months_and_leap_years(epoch: datetime) -> None:
    for minutes in (0, 1, 59, 60, 1439, 1440, 60 * 24 * 365, 60 * 24 * 366 + 17):
        assert minutes_text(epoch, minutes) == fmt_time(epoch + timedelta(minutes=minutes))


def test_a_changed_modify_time_is_shown() -> None:
    world = World(SandboxConfig(accounts=1))
    world.update_campaign(0, 3, {"budget": 100.0})
    changed = world.timestamps("campaign", 0, 3)["modify_time"]
    assert changed == fmt_time(world.now())
