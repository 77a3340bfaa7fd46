"""Pure rules of the lists' metric columns (ranges in the account's zone, sorts, status words
per level), the campaign detail (schedule, remaining budget, chart days) and the export writer,
as worked examples."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from promodesk.campaigns.domain import detail, lists
from promodesk.campaigns.domain.campaigns import ListStatus, SortKey
from promodesk.campaigns.domain.reports import Level
from promodesk.kit import export
from promodesk.kit.errors import ValidationFailed

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("word", "since", "until"),
    [
        ("today", date(2026, 3, 10), date(2026, 3, 11)),
        ("yesterday", date(2026, 3, 9), date(2026, 3, 10)),
        ("last_7_days", date(2026, 3, 4), date(2026, 3, 11)),
        ("last_30_days", date(2026, 2, 9), date(2026, 3, 11)),
    ],
)
def test_range_days_end_today_included(word: str, since: date, until: date) -> None:
    assert lists.metric_range(word).days(TODAY) == (since, until)


def test_custom_range_and_default() -> None:
    custom = lists.metric_range("", "2026-01-01", "2026-01-31")
    assert custom.word is lists.RangeWord.CUSTOM
    assert custom.days(TODAY) == (date(2026, 1, 1), date(2026, 2, 1))
    assert custom.token == "2026-01-01..2026-01-31"
    assert lists.metric_range(None).word is lists.RangeWord.LAST_7_DAYS
    assert lists.metric_range("Last 30 Days").word is lists.RangeWord.LAST_30_DAYS


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("week",), "range"),
        (("today", "2026-01-01"), "range"),
        (("custom", "2026-01-01"), "until"),
        (("custom", None, "2026-01-01"), "since"),
        (("custom", "2026-01-02", "2026-01-01"), "since"),
        (("custom", "2026-1-1", "2026-01-01"), "since"),
        (("custom", "2024-01-01", "2026-01-01"), "until"),
    ],
)
def test_range_refusals(args: tuple[str | None, ...], field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        lists.metric_range(*args)
    assert info.value.field == field


def test_local_today_is_the_accounts_day() -> None:
    at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    assert lists.local_today("Asia/Singapore", at) == date(2026, 3, 10)
    assert lists.local_today("America/New_York", at) == date(2026, 3, 9)
    assert lists.local_today("Not/AZone", at) == date(2026, 3, 10)  # read as UTC


def test_sorts_per_level() -> None:
    assert lists.sort("-spend") == lists.Sort(lists.MetricKey.SPEND, True)
    assert lists.sort("") == lists.Sort(SortKey.ID, False)
    assert lists.sort("budget", Level.ADGROUP).key is SortKey.BUDGET
    for bad, lvl in (("budget", Level.AD), ("revenue", Level.CAMPAIGN), ("--name", Level.AD)):
        with pytest.raises(ValidationFailed) as info:
            lists.sort(bad, lvl)
        assert info.value.field == "sort"


@pytest.mark.parametrize(
    ("level", "op", "sec", "word"),
    [
        (Level.ADGROUP, "ENABLE", "ADGROUP_STATUS_DELIVERY_OK", ListStatus.ACTIVE),
        (Level.ADGROUP, "ENABLE", "ADGROUP_STATUS_CAMPAIGN_DISABLE", ListStatus.PAUSED),
        (Level.ADGROUP, "ENABLE", "ADGROUP_STATUS_CAMPAIGN_DELETE", ListStatus.DELETED),
        (Level.ADGROUP, "ENABLE", "ADGROUP_STATUS_BUDGET_EXCEED", ListStatus.NOT_DELIVERING),
        (Level.AD, "ENABLE", "AD_STATUS_ADGROUP_DELETE", ListStatus.DELETED),
        (Level.AD, "DISABLE", "AD_STATUS_DELIVERY_OK", ListStatus.PAUSED),
        (Level.AD, "ENABLE", "AD_STATUS_AUDIT", ListStatus.NOT_DELIVERING),
        (Level.CAMPAIGN, "ENABLE", "", ListStatus.ACTIVE),
    ],
)
def test_status_words_per_level(level: Level, op: str, sec: str, word: ListStatus) -> None:
    assert lists.status_at(level, op, sec, False, False) is word


def test_schedule_of_the_live_ad_groups() -> None:
    groups = [
        ("SCHEDULE_START_END", "2026-03-01 10:00:00", "2026-04-01 00:00:00", False),
        ("SCHEDULE_START_END", "2026-02-25 08:00:00", "2026-03-20 00:00:00", False),
        ("SCHEDULE_START_END", "2026-01-01 00:00:00", "2026-12-31 00:00:00", True),
    ]
    assert detail.schedule(groups) == detail.Schedule("2026-02-25 08:00:00", "2026-04-01 00:00:00")
    open_ended = [*groups, ("SCHEDULE_FROM_NOW", "2026-03-02 00:00:00", "", False)]
    assert detail.schedule(open_ended).end is None
    assert detail.schedule([]) == detail.Schedule(None, None)


def test_remaining_budget() -> None:
    assert detail.remaining("BUDGET_MODE_TOTAL", 10_000, 1_809, 500) == detail.Remaining(
        8_191, "lifetime"
    )
    assert detail.remaining("BUDGET_MODE_TOTAL", 1_000, 1_809, 500).minor == 0  # never below 0
    assert detail.remaining("BUDGET_MODE_DAY", 600, 9_999, 100) == detail.Remaining(500, "today")
    assert detail.remaining("BUDGET_MODE_INFINITE", 0, 100, 1) == detail.Remaining(None, None)


def test_chart_days() -> None:
    life = detail.chart_days(detail.ChartSpan.LIFE, date(2026, 3, 1), TODAY)
    assert (life[0], life[-1], len(life)) == (date(2026, 3, 1), TODAY, 10)
    last = detail.chart_days(detail.ChartSpan.LAST_30_DAYS, date(2026, 3, 1), TODAY)
    assert (last[0], len(last)) == (date(2026, 2, 9), 30)
    long = detail.chart_days(detail.ChartSpan.LIFE, date(2020, 1, 1), TODAY)
    assert len(long) == detail.LIFE_MAX_DAYS
    with pytest.raises(ValidationFailed):
        detail.chart_span("forever")


def test_export_writer_csv_and_xlsx() -> None:
    table = export.Table(
        ["ID", "Name", "Spend"],
        [[1, "=HYPERLINK(1)", Decimal("18.00")], [2, "春季", None]],
        [["Total", None, Decimal("18.00")]],
        title="Campaigns last/7",
    )
    text = export.to_csv(table).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["ID", "Name", "Spend"],
        ["1", "'=HYPERLINK(1)", "18.00"],
        ["2", "春季", ""],
        ["Total", "", "18.00"],
    ]
    with zipfile.ZipFile(io.BytesIO(export.to_xlsx(table))) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
        book = z.read("xl/workbook.xml").decode()
    assert "<f>" not in sheet  # the formula-like name stays text
    assert "=HYPERLINK(1)" in strings
    assert "春季" in strings
    assert "<v>18</v>" in sheet
    assert 'name="Campaigns last_7"' in book
    assert export.export_format("XLSX") is export.Format.XLSX
    with pytest.raises(ValidationFailed) as info:
        export.export_format("pdf")
    assert info.value.field == "format"
    assert export.filename("campaigns 2026-01-01..2026-01-31", export.Format.CSV) == (
        "campaigns_2026-01-01..2026-01-31.csv"
    )


def test_export_writer_xlsx_of_several_sheets() -> None:
    first = export.Table(["Reason", "Count"], [["budget", 2], ["=cmd", 1]], title="Cancellations")
    second = export.Table(["Item", "Figure"], [["Freed", Decimal("520.00")]], title="Summary")
    third = export.Table(["X"], [], title="summary")  # a name taken, in another case
    with zipfile.ZipFile(io.BytesIO(export.to_xlsx_sheets([first, second, third]))) as z:
        names = z.namelist()
        book = z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
        one = z.read("xl/worksheets/sheet1.xml").decode()
        two = z.read("xl/worksheets/sheet2.xml").decode()
    assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} <= set(names)
    assert book.index('name="Cancellations"') < book.index('name="Summary"')
    assert 'name="summary (2)"' in book
    assert "<f>" not in one  # the formula-like text stays text
    assert "=cmd" in strings
    assert "<v>2</v>" in one
    assert "<v>520</v>" in two
    assert 'topLeftCell="A2"' in one  # the header row is frozen on every sheet
    assert 'topLeftCell="A2"' in two
    with pytest.raises(ValueError):
        export.to_xlsx_sheets([])
