"""Worked examples of the sandbox's spend model: budget history, caps and the stop delay.

Account 0 is in America/New_York (UTC-5 in December). Campaign 1 has a 190.00 daily budget,
campaign 10 a 3,000.00 lifetime budget; both are generated enabled on 2025-06-01.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from promodesk.sandbox import generate as gen
from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.spend.model import DIURNAL, SpendModel, split
from promodesk.sandbox.world.objects import World

DAILY, LIFETIME = 1, 10
FIRST = date(2025, 6, 1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


def make(now: datetime, **settings: int) -> tuple[World, Clock]:
    clock = Clock(now)
    return World(SandboxConfig(accounts=1, now=clock, **settings)), clock


def life(world: World, campaign: int) -> int:
    model = SpendModel(world, 0)
    days = (world.now().date() - FIRST).days + 2
    return sum(model.campaign_day(campaign, FIRST + timedelta(days=i)) for i in range(days))


def test_the_generated_budgets_are_the_ones_the_examples_use() -> None:
    assert gen.campaign_budget(1, 0, DAILY) == ("BUDGET_MODE_DAY", 190.0)
    assert gen.campaign_budget(1, 0, LIFETIME) == ("BUDGET_MODE_TOTAL", 3000.0)
    assert World(SandboxConfig(accounts=1)).timezone(0) == "America/New_York"


def test_a_budget_raised_after_a_pause_does_not_change_past_spend() -> None:
    world, clock = make(datetime(2026, 12, 1, 15, tzinfo=UTC))
    world.set_status("campaign", 0, DAILY, "DISABLE")
    clock.at += timedelta(days=2)
    before = life(world, DAILY)
    yesterday = SpendModel(world, 0).campaign_day(DAILY, date(2026, 11, 30))
    world.update_campaign(0, DAILY, {"budget": 950.0})
    clock.at += timedelta(hours=5)
    assert life(world, DAILY) == before
    assert SpendModel(world, 0).campaign_day(DAILY, date(2026, 11, 30)) == yesterday
    # Enabled again, it spends from the new budget from then on only.
    world.set_status("campaign", 0, DAILY, "ENABLE")
    clock.at += timedelta(days=1)
    after = SpendModel(world, 0).campaign_day(DAILY, date(2026, 12, 4))
    assert 0 < after <= 95_000
    assert after > 19_000


def test_a_daily_budget_caps_each_day_at_the_budget_in_force() -> None:
    world, clock = make(datetime(2026, 12, 2, 17, tzinfo=UTC))  # 12:00 in New York
    spent = sum(SpendModel(world, 0).campaign_hours(DAILY, date(2026, 12, 2)))
    assert spent > 5_000
    world.update_campaign(0, DAILY, {"budget": 50.0})  # below what the day has spent
    clock.at += timedelta(hours=8)
    model = SpendModel(world, 0)
    hours = model.campaign_hours(DAILY, date(2026, 12, 2))
    assert sum(hours[:12]) == spent
    assert sum(hours[13:]) == 0
    for offset in range(1, 400):
        assert model.campaign_day(DAILY, date(2026, 12, 2) - timedelta(days=offset)) <= 19_000


def test_a_lifetime_budget_is_never_exceeded() -> None:
    world, clock = make(datetime(2026, 12, 7, 12, tzinfo=UTC))
    assert life(world, LIFETIME) == 300_000  # spent out long ago, never more
    world.update_campaign(0, LIFETIME, {"budget": 5000.0})
    clock.at += timedelta(days=40)
    model = SpendModel(world, 0)
    assert model.campaign_day(LIFETIME, date(2026, 12, 6)) == 0  # before the raise: unchanged
    assert model.campaign_day(LIFETIME, date(2026, 12, 8)) > 0
    assert life(world, LIFETIME) == 500_000


def test_an_8000_lifetime_budget_never_shows_more_spent() -> None:
    world, _ = make(datetime(2026, 12, 7, 12, tzinfo=UTC))
    assert gen.campaign_budget(1, 0, 8) == ("BUDGET_MODE_TOTAL", 8000.0)
    assert life(world, 8) == 800_000


def test_a_stop_at_ten_with_a_three_minute_delay_spends_nothing_after_ten_oh_three() -> None:
    day = date(2026, 12, 3)
    stop = datetime(2026, 12, 3, 15, tzinfo=UTC)  # 10:00 in New York
    world, clock = make(stop, stop_delay_seconds=180)
    world.set_status("campaign", 0, DAILY, "DISABLE")
    clock.at = stop + timedelta(hours=9)
    model = SpendModel(world, 0)
    shape = split(model.full_day(DAILY, day, 19_000), list(DIURNAL))
    hours = model.campaign_hours(DAILY, day)
    assert hours[:10] == shape[:10]
    assert hours[10] == shape[10] * 180 // 3600
    assert hours[11:] == [0] * 13
    assert model.intervals(DAILY)[-1][1] == stop + timedelta(minutes=3)


def test_without_a_delay_the_stop_is_immediate_and_a_quick_restart_is_seamless() -> None:
    stop = datetime(2026, 12, 3, 15, tzinfo=UTC)
    world, clock = make(stop, stop_delay_seconds=0)
    world.set_status("campaign", 0, DAILY, "DISABLE")
    clock.at = stop + timedelta(hours=2)
    assert SpendModel(world, 0).campaign_hours(DAILY, date(2026, 12, 3))[10:] == [0] * 14

    world, clock = make(stop, stop_delay_seconds=180)
    world.set_status("campaign", 0, DAILY, "DISABLE")
    clock.at = stop + timedelta(minutes=1)
    world.set_status("campaign", 0, DAILY, "ENABLE")
    clock.at = stop + timedelta(hours=2)
    on = SpendModel(world, 0).intervals(DAILY)
    assert on == [(world.times("campaign", 0, DAILY)[0], clock.at)]  # one unbroken interval


def test_the_budget_and_status_history_is_kept_with_the_sandbox_clock() -> None:
    at = datetime(2026, 12, 3, 15, tzinfo=UTC)
    world, clock = make(at)
    world.update_campaign(0, DAILY, {"budget": 300.0})
    clock.at += timedelta(hours=1)
    world.set_status("adgroup", 0, 4, "DISABLE")
    assert world.budgets[gen.entity_id("campaign", 0, DAILY)] == [(at, 300.0)]
    assert world.events[gen.entity_id("adgroup", 0, 4)] == [(clock.at, "DISABLE")]
    assert world.budget_at(0, DAILY, at - timedelta(seconds=1)) == 190.0
    assert world.budget_at(0, DAILY, at) == 300.0


def test_a_stopped_ad_group_stops_its_share_and_the_last_one_stops_the_campaign() -> None:
    # Campaign 1's ad groups are 2 (enabled; ads 4 and 5) and 3 (generated disabled).
    day = date(2026, 12, 3)
    stop = datetime(2026, 12, 3, 15, tzinfo=UTC)  # 10:00 in New York
    world, clock = make(stop, stop_delay_seconds=180)
    world.set_status("ad", 0, 4, "DISABLE")
    clock.at = stop + timedelta(hours=9)
    model = SpendModel(world, 0)
    ten, eleven = model.bounds(day, 10), model.bounds(day, 11)
    assert model.ad_weights(2, *ten) == [180, 3600]
    assert model.ad_weights(2, *eleven) == [0, 3600]
    assert model.group_weights(DAILY, *eleven) == [3600, 0]
    assert sum(model.campaign_hours(DAILY, day)[11:]) > 0  # ad 5 still delivers

    world.set_status("adgroup", 0, 2, "DISABLE")  # at 19:00 in New York
    clock.at += timedelta(hours=3)
    model = SpendModel(world, 0)
    hours = model.campaign_hours(DAILY, day)
    shape = split(model.full_day(DAILY, day, 19_000), list(DIURNAL))
    assert hours[18] == shape[18]
    assert hours[19] == shape[19] * 180 // 3600
    assert hours[20:] == [0] * 4


def test_ad_groups_and_ads_add_up_to_their_campaign() -> None:
    from promodesk.sandbox.report import _rows

    stop = datetime(2026, 12, 3, 15, tzinfo=UTC)
    world, clock = make(stop)
    world.set_status("ad", 0, 4, "DISABLE")
    clock.at += timedelta(hours=30)
    model = SpendModel(world, 0)
    days = [date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)]
    for time_dim in ("stat_time_day", "stat_time_hour"):
        campaigns = {
            (s, i): c.spend for s, i, c in _rows(model, "campaign", [DAILY], days, time_dim)
        }
        groups: dict[object, int] = {}
        for stamp, _, counts in _rows(model, "adgroup", [2, 3], days, time_dim):
            groups[stamp] = groups.get(stamp, 0) + counts.spend
        ads: dict[object, int] = {}
        for stamp, _, counts in _rows(model, "ad", [4, 5, 6, 7], days, time_dim):
            ads[stamp] = ads.get(stamp, 0) + counts.spend
        assert {s: v for (s, _), v in campaigns.items()} == groups == ads


def test_conversions_of_a_day_keep_arriving_for_seven_days_then_are_final() -> None:
    day = date(2026, 12, 1)
    end = datetime(2026, 12, 2, 5, tzinfo=UTC)  # midnight in New York
    world, clock = make(end)
    seen = []
    for hours in (0, 12, 48, 100, 167, 168, 400):
        clock.at = end + timedelta(hours=hours)
        model = SpendModel(world, 0)
        seen.append(model.counts(DAILY, model.campaign_day(DAILY, day), day))
    assert len({c.spend for c in seen}) == 1
    assert len({c.clicks for c in seen}) == 1
    conversions = [c.conversion for c in seen]
    assert conversions == sorted(conversions)
    assert conversions[0] < conversions[-1]
    assert conversions[0] == conversions[-1] * 60 // 100  # 60 % known when the day ends
    assert conversions[-3] < conversions[-2] == conversions[-1]  # final after 7 days


def test_results_follow_spend_with_seeded_day_to_day_noise() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    one, _ = make(now)
    two, _ = make(now)
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(20)]
    a, b = SpendModel(one, 0), SpendModel(two, 0)
    rows = [a.counts(DAILY, 1_000_000, d) for d in days]
    assert rows == [b.counts(DAILY, 1_000_000, d) for d in days]  # deterministic
    assert len({r.clicks for r in rows}) > 5  # but not flat
    plain = a.counts(DAILY, 1_000_000)
    for r in rows:
        assert r.impressions == plain.impressions
        assert plain.clicks * 90 // 100 - 1 <= r.clicks <= plain.clicks * 110 // 100 + 1
