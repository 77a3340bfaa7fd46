"""Which days a report sync reads and which are final, as worked examples."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from promodesk.campaigns.domain.report_sync import (
    Window,
    count,
    final_before,
    first_sync_since,
    is_final,
    local_day_of,
    local_today,
    plan,
    reread_since,
    spans,
    spend_minor,
    stat_time,
)
from promodesk.campaigns.domain.reports import Grain, Level

TODAY = date(2026, 3, 31)


def test_first_sync_reads_from_the_oldest_campaign_bounded_by_the_history() -> None:
    assert first_sync_since(TODAY, 365, date(2026, 1, 15)) == date(2026, 1, 15)
    assert first_sync_since(TODAY, 365, date(2020, 1, 1)) == date(2025, 4, 1)
    assert first_sync_since(TODAY, 365, None) == date(2025, 4, 1)
    assert first_sync_since(TODAY, 1, None) == TODAY
    # A campaign "created tomorrow" in the account's zone still reads today.
    assert first_sync_since(TODAY, 365, date(2026, 4, 2)) == TODAY


def test_later_syncs_reread_the_window_and_every_day_not_final() -> None:
    # Synced yesterday: days through 03-23 were final; the window is 03-24..03-31.
    assert reread_since(TODAY, 7, date(2026, 3, 23)) == date(2026, 3, 24)
    # Synced ten days ago: 03-14..03-20 were never read past the window; read them again.
    assert reread_since(TODAY, 7, date(2026, 3, 13)) == date(2026, 3, 14)
    assert final_before(TODAY, 7) == date(2026, 3, 24)
    assert final_before(TODAY, 0) == TODAY


def test_windows_respect_tiktoks_spans() -> None:
    assert spans(date(2026, 1, 1), date(2026, 3, 1), 30) == [
        (date(2026, 1, 1), date(2026, 1, 30)),
        (date(2026, 1, 31), date(2026, 3, 1)),
    ]
    assert spans(date(2026, 1, 1), date(2026, 1, 1), 30) == [(date(2026, 1, 1), date(2026, 1, 1))]
    assert spans(date(2026, 1, 2), date(2026, 1, 1), 30) == []


def test_first_sync_plan_has_daily_history_and_hourly_days_per_level() -> None:
    p = plan(
        TODAY,
        attribution_days=7,
        hourly_days=3,
        history_days=365,
        oldest=date(2026, 1, 1),
        final_through=None,
    )
    assert p.daily_since == date(2026, 1, 1)
    assert p.final_before == date(2026, 3, 24)
    campaign = [w for w in p.windows if w.level == Level.CAMPAIGN]
    assert campaign == [
        Window(Level.CAMPAIGN, Grain.DAY, date(2026, 1, 1), date(2026, 1, 30)),
        Window(Level.CAMPAIGN, Grain.DAY, date(2026, 1, 31), date(2026, 3, 1)),
        Window(Level.CAMPAIGN, Grain.DAY, date(2026, 3, 2), date(2026, 3, 31)),
        Window(Level.CAMPAIGN, Grain.HOUR, date(2026, 3, 29), date(2026, 3, 29)),
        Window(Level.CAMPAIGN, Grain.HOUR, date(2026, 3, 30), date(2026, 3, 30)),
        Window(Level.CAMPAIGN, Grain.HOUR, date(2026, 3, 31), date(2026, 3, 31)),
    ]
    assert len(p.windows) == 3 * 6
    assert [w.level for w in p.windows[::6]] == [Level.CAMPAIGN, Level.ADGROUP, Level.AD]


def test_incremental_plan_reads_only_days_not_final() -> None:
    p = plan(
        TODAY,
        attribution_days=7,
        hourly_days=3,
        history_days=365,
        oldest=date(2025, 1, 1),
        final_through=date(2026, 3, 23),
        levels=(Level.AD,),
    )
    assert p.windows == (
        Window(Level.AD, Grain.DAY, date(2026, 3, 24), date(2026, 3, 31)),
        Window(Level.AD, Grain.HOUR, date(2026, 3, 29), date(2026, 3, 29)),
        Window(Level.AD, Grain.HOUR, date(2026, 3, 30), date(2026, 3, 30)),
        Window(Level.AD, Grain.HOUR, date(2026, 3, 31), date(2026, 3, 31)),
    )
    no_hours = plan(
        TODAY,
        attribution_days=7,
        hourly_days=0,
        history_days=365,
        oldest=None,
        final_through=date(2026, 3, 23),
        levels=(Level.CAMPAIGN,),
    )
    assert [w.grain for w in no_hours.windows] == [Grain.DAY]


def test_a_window_asks_for_the_level_id_the_time_and_the_campaign() -> None:
    w = Window(Level.ADGROUP, Grain.HOUR, TODAY, TODAY)
    assert w.data_level == "AUCTION_ADGROUP"
    assert w.dimensions() == ["adgroup_id", "stat_time_hour"]
    assert "campaign_id" in w.metrics()
    assert "campaign_id" not in Window(Level.CAMPAIGN, Grain.DAY, TODAY, TODAY).metrics()
    assert w.label() == "adgroup hour 2026-03-31"


def test_stat_times_and_final_days() -> None:
    assert stat_time(Grain.DAY, "2026-03-05 00:00:00") == "2026-03-05"
    assert stat_time(Grain.HOUR, "2026-03-05 13:00:00") == "2026-03-05 13:00:00"
    assert stat_time(Grain.DAY, "2026-03-05") == "2026-03-05"
    assert stat_time(Grain.DAY, "yesterday") is None
    before = date(2026, 3, 24)
    assert is_final("2026-03-23", before)
    assert is_final("2026-03-23 23:00:00", before)
    assert not is_final("2026-03-24", before)
    assert not is_final("2026-03-24 00:00:00", before)


def test_local_days_follow_the_account_zone() -> None:
    late = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert local_today(late, "UTC") == date(2026, 3, 31)
    assert local_today(late, "Asia/Shanghai") == date(2026, 4, 1)
    assert local_today(late, "") == date(2026, 3, 31)
    assert local_day_of("2026-03-31 20:00:00", "Asia/Shanghai") == date(2026, 4, 1)
    assert local_day_of("2026-03-31 03:00:00", "America/Los_Angeles") == date(2026, 3, 30)
    assert local_day_of("", "UTC") is None
    with pytest.raises(ValueError, match="unknown time zone"):
        local_today(late, "Mars/Olympus")


def test_counted_metrics_parse_tiktoks_strings() -> None:
    assert count("1079") == 1079
    assert count("-") == 0
    assert count(None) == 0
    assert count("1,234") == 1234
    assert count("12.0") == 12
    assert count("n/a") == 0


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("14.68", "USD", 1468),
        ("0.01", "USD", 1),
        ("123456789.99", "USD", 12345678999),
        ("15000.00", "IDR", 1500000),
        ("1200", "JPY", 1200),
        ("1200.50", "JPY", 1201),
        ("1200.49", "JPY", 1200),
        ("-", "USD", 0),
        (None, "USD", 0),
        ("", "USD", 0),
        ("n/a", "USD", 0),
    ],
)
def test_spend_is_exact_minor_units(value: str | None, currency: str, minor: int) -> None:
    assert spend_minor(value, currency) == minor


def test_odd_stat_times_are_refused() -> None:
    assert stat_time(Grain.DAY, "2026-02-30 00:00:00") is None
    assert stat_time(Grain.HOUR, "2026-03-05 24:00:00") is None
    assert stat_time(Grain.HOUR, "2026-03-05") == "2026-03-05 00:00:00"
    assert stat_time(Grain.DAY, " 2026-03-05 00:00:00 ") == "2026-03-05"
