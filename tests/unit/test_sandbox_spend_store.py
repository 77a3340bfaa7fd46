"""The spend of ended days is kept per ad account (``spend.Settled``) and read by every later
report: it must always be what a fresh computation over the whole history gives, however many
changes came after it was kept."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.report import _rows
from promodesk.sandbox.spend.model import SpendModel, settle_history
from promodesk.sandbox.world.objects import World

LEVELS = (("campaign", 12), ("adgroup", 25), ("ad", 40), ("advertiser", 1))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


def rows(world: World, account: int) -> list[tuple[object, ...]]:
    model = SpendModel(world, account)
    today = model.now.astimezone(model.zone).date()
    days = [today - timedelta(days=n) for n in range(10, -1, -1)]
    out: list[tuple[object, ...]] = []
    for level, count in LEVELS:
        for time_dim in ("stat_time_day", "stat_time_hour", None):
            span = days[-2:] if time_dim == "stat_time_hour" else days
            for stamp, index, c in _rows(model, level, list(range(count)), span, time_dim):
                out.append((level, time_dim, stamp, index, c.spend, c.clicks, c.conversion))
    return out


def fresh_copy(world: World, clock: Clock) -> World:
    """The same history in a new world: nothing kept, everything computed again."""
    twin = World(copy.copy(world.config))
    twin.config.now = clock
    twin.events = copy.deepcopy(world.events)
    twin.budgets = copy.deepcopy(world.budgets)
    twin.changes = copy.deepcopy(world.changes)
    twin.versions = dict(world.versions)
    return twin


def test_kept_days_agree_with_a_fresh_computation_after_every_change() -> None:
    clock = Clock(datetime(2026, 11, 20, 15, 7, tzinfo=UTC))
    config = SandboxConfig(
        accounts=2, campaigns=12, adgroups=25, ads=40, now=clock, stop_delay_seconds=240
    )
    world = World(config)
    for account in (0, 1):
        rows(world, account)  # keeps the ended days of both accounts
        for step in range(5):
            clock.at += timedelta(hours=7, minutes=13)
            world.set_status("campaign", account, step, "DISABLE")
            world.update_campaign(account, step + 3, {"budget": 20.0 + 400 * step})
            world.set_status("adgroup", account, step * 2, "DISABLE")
            world.set_status("ad", account, step * 3 + 1, "DISABLE")
            clock.at += timedelta(minutes=50)
            if step % 2:
                world.set_status("campaign", account, step - 1, "ENABLE")
            kept = rows(world, account)
            assert kept == rows(fresh_copy(world, clock), account)
            assert any(r[4] for r in kept)


def test_an_ended_day_is_read_from_the_store_and_today_is_not() -> None:
    clock = Clock(datetime(2026, 12, 3, 15, tzinfo=UTC))  # 10:00 in New York
    world = World(SandboxConfig(accounts=1, now=clock))
    model = SpendModel(world, 0)
    yesterday, today = date(2026, 12, 2), date(2026, 12, 3)
    assert model.ended(yesterday)
    assert not model.ended(today)
    spends = model.level_spend("campaign", yesterday)
    assert list(spends) == [model.campaign_day(c, yesterday) for c in range(30)]
    assert model.settled.through == yesterday
    assert today not in model.settled.campaigns
    # A later request reads the same array instead of computing it again.
    assert SpendModel(world, 0).level_spend("campaign", yesterday) is spends


def test_a_setting_that_moves_past_stops_is_not_served_from_the_store() -> None:
    clock = Clock(datetime(2026, 12, 3, 15, tzinfo=UTC))
    world = World(SandboxConfig(accounts=1, now=clock, stop_delay_seconds=0))
    world.set_status("campaign", 0, 1, "DISABLE")
    clock.at += timedelta(days=1)
    day = date(2026, 12, 3)
    at_once = SpendModel(world, 0).campaign_day(1, day)
    world.config.update({"stop_delay_seconds": 3600})
    later = SpendModel(world, 0).campaign_day(1, day)
    assert later > at_once


def test_a_change_recorded_with_the_clock_set_back_drops_the_days_it_reaches() -> None:
    now = datetime(2026, 12, 3, 15, tzinfo=UTC)
    clock = Clock(now)
    world = World(SandboxConfig(accounts=1, campaigns=12, adgroups=25, ads=40, now=clock))
    before = rows(world, 0)
    clock.at = now - timedelta(days=3)
    world.set_status("campaign", 0, 1, "DISABLE")
    world.update_campaign(0, 4, {"budget": 5.0})
    clock.at = now
    after = rows(world, 0)
    assert after != before
    assert after == rows(fresh_copy(world, clock), 0)


def test_a_settled_history_answers_as_a_cold_one_and_keeps_every_account() -> None:
    """``settle_history`` (``promodesk sandbox --settle``) works out every ended day before any
    report asks: the reports are the same, before and after later changes, and the world
    keeps as many accounts as ``kept_accounts`` allows."""
    clock = Clock(datetime(2026, 11, 20, 15, 7, tzinfo=UTC))
    config = SandboxConfig(
        accounts=3, campaigns=12, adgroups=25, ads=40, now=clock, kept_accounts=3
    )
    settled = World(config)
    days = settle_history(settled)
    assert days > 3 * 30
    assert len(settled._settled) == 3
    store = next(iter(settled._settled.values()))
    assert store.through is not None
    assert any(k[0] == "ad" for k in store.levels)
    for account in range(3):
        assert rows(settled, account) == rows(fresh_copy(settled, clock), account)
    clock.at += timedelta(days=1, hours=3)
    settled.set_status("campaign", 1, 2, "DISABLE")
    settled.update_campaign(1, 4, {"budget": 900.0})
    clock.at += timedelta(hours=5)
    for account in range(3):
        assert rows(settled, account) == rows(fresh_copy(settled, clock), account)


def test_kept_accounts_is_checked() -> None:
    with pytest.raises(ValueError, match="kept_accounts"):
        SandboxConfig(kept_accounts=0)
