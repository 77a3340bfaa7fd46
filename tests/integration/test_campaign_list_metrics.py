"""The campaign, ad group and ad lists' metric columns: ranges in each ad account's own zone,
totals of the whole filtered list per currency, sorts by metric walked page by page (no row
skipped or repeated), refusals, and CSV / XLSX exports of exactly what the list shows, on
SQLite and PostgreSQL (service and API)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.campaigns.service import lists
from promodesk.cli import app
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.models import TikTokAd, TikTokAdAccount, TikTokAdGroup, TikTokReportRow, Workspace
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_campaign,
    make_grant,
    make_report_rows,
)
from tests.integration.test_console_support import console_client, log_in, new_member, post_form

# 02:00 UTC: already 10:00 on 10 March in Singapore, still 21:00 on 9 March in New York
AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def _seed(db: Database, workspace: Workspace) -> dict[str, Any]:
    """Account A (Singapore, USD): c1, c2, c3 (no rows); account B (New York, EUR): c4."""
    with db.transaction() as uow:
        grant = make_grant(uow, workspace.id)
        a = make_ad_account(uow, workspace.id, grant, name="Shop SG", advertiser_id="701")
        b = make_ad_account(uow, workspace.id, grant, name="Shop NY", advertiser_id="702")
        acc_b = uow.session.get(TikTokAdAccount, b)
        assert acc_b is not None
        acc_b.timezone = "America/New_York"
        acc_b.currency = "EUR"
        c1 = make_campaign(uow, workspace.id, a, name="Spring", campaign_id="1801")
        c2 = make_campaign(uow, workspace.id, a, name="Summer", campaign_id="1802")
        c3 = make_campaign(uow, workspace.id, a, name="=cmd|evil", campaign_id="1803")
        c4 = make_campaign(uow, workspace.id, b, name="Autumn", campaign_id="1804")
        make_report_rows(
            uow,
            workspace.id,
            a,
            "1801",
            {"2026-03-10": 500, "2026-03-09": 300, "2026-02-20": 1000, "2026-02-08": 9},
        )
        make_report_rows(uow, workspace.id, a, "1802", {"2026-03-10": 100})
        make_report_rows(
            uow,
            workspace.id,
            b,
            "1804",
            {"2026-03-10": 7000, "2026-03-09": 200},
            currency="EUR",
            time_zone="America/New_York",
        )
        # an ad group row of c1 is no campaign row
        make_report_rows(
            uow, workspace.id, a, "2801", {"2026-03-10": 4444}, level="adgroup", campaign_id="1801"
        )
    return {"a": a, "b": b, "ids": [c1, c2, c3, c4]}


def _page(db: Database, workspace_id: int, **kw: Any) -> dict[str, Any]:
    with db.read() as uow:
        return lists.object_page(uow, workspace_id, "campaign", at=AT, **kw)


def _spend(page: dict[str, Any]) -> dict[int, int]:
    return {i["id"]: i["metrics"]["spend_minor"] for i in page["items"]}


def test_ranges_are_each_ad_accounts_local_days(db: Database) -> None:
    workspace = new_workspace(db)
    s = _seed(db, workspace)
    c1, c2, c3, c4 = s["ids"]
    today = _page(db, workspace.id, range="today")
    # New York's today is still 9 March: its 10 March row is not "today" yet
    assert _spend(today) == {c1: 500, c2: 100, c3: 0, c4: 200}
    assert today["range"] == {
        "range": "today",
        "days": [
            {"time_zone": "America/New_York", "since": "2026-03-09", "until": "2026-03-09"},
            {"time_zone": "Asia/Singapore", "since": "2026-03-10", "until": "2026-03-10"},
        ],
    }
    assert _spend(_page(db, workspace.id, range="yesterday")) == {c1: 300, c2: 0, c3: 0, c4: 0}
    # last 30 days, today included: Singapore 9 Feb .. 10 Mar (8 Feb left out)
    assert _spend(_page(db, workspace.id, range="last_30_days")) == {
        c1: 1800,
        c2: 100,
        c3: 0,
        c4: 200,
    }
    custom = _page(db, workspace.id, range="custom", since="2026-02-20", until="2026-02-20")
    assert _spend(custom) == {c1: 1000, c2: 0, c3: 0, c4: 0}
    # since/until alone mean custom
    assert _spend(_page(db, workspace.id, since="2026-03-09", until="2026-03-10"))[c1] == 800


def test_metrics_and_totals_of_the_whole_filtered_list(db: Database) -> None:
    workspace = new_workspace(db)
    s = _seed(db, workspace)
    c1, c2, _c3, _c4 = s["ids"]
    page = _page(db, workspace.id, range="last_30_days", sort="-spend", limit=1)
    assert [i["id"] for i in page["items"]] == [c1]
    m = page["items"][0]["metrics"]
    assert m == {
        "spend_minor": 1800,
        "impressions": 180000,
        "clicks": 1800,
        "conversions": 180,
        "ctr": Decimal("1.00"),
        "cpc_minor": Decimal("1.00"),
        "cpm_minor": Decimal("10.00"),
        "cost_per_result_minor": Decimal("10.00"),
    }
    # totals cover every page, per currency (USD and EUR are never added up)
    totals = page["totals"]
    assert totals["count"] == 4
    by = {t["currency"]: t for t in totals["by_currency"]}
    assert by["USD"]["count"] == 3
    assert by["USD"]["metrics"]["spend_minor"] == 1900
    assert by["EUR"]["metrics"]["spend_minor"] == 200
    # the totals follow the filters
    found = _page(db, workspace.id, range="last_30_days", search="summer")
    assert [i["id"] for i in found["items"]] == [c2]
    assert found["totals"]["count"] == 1
    assert found["totals"]["by_currency"][0]["metrics"]["spend_minor"] == 100
    none = _page(db, workspace.id, search="nothing like it")
    assert none["totals"] == {"count": 0, "by_currency": []}


@pytest.mark.parametrize(
    "sort", ["spend", "-spend", "clicks", "-ctr", "cpc", "-cpm", "cost_per_result", "-conversions"]
)
def test_sort_by_metric_walks_every_row_once(db: Database, sort: str) -> None:
    workspace = new_workspace(db)
    s = _seed(db, workspace)
    with db.transaction() as uow:  # distinct ratios: more conversions for c2, fewer clicks for c4
        for row in uow.session.query(TikTokReportRow).filter_by(workspace_id=workspace.id):
            if row.object_id == "1802":
                row.conversions = 40
            if row.object_id == "1804":
                row.clicks = 50
        extra = [make_campaign(uow, workspace.id, s["a"], name=f"X{n}") for n in range(5)]
    ids = s["ids"] + extra
    full = _page(db, workspace.id, range="last_30_days", sort=sort, limit=100)["items"]
    assert sorted(i["id"] for i in full) == sorted(ids)
    seen: list[int] = []
    pages: list[list[int]] = []
    cursor = None
    while True:
        page = _page(db, workspace.id, range="last_30_days", sort=sort, limit=2, cursor=cursor)
        pages.append([i["id"] for i in page["items"]])
        seen += pages[-1]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in full]
    # and back with prev_cursor: the same pages in reverse
    back = page["prev_cursor"]
    walked_back = [pages[-1]]
    while back is not None:
        page = _page(db, workspace.id, range="last_30_days", sort=sort, limit=2, cursor=back)
        walked_back.append([i["id"] for i in page["items"]])
        back = page["prev_cursor"]
    assert walked_back == pages[::-1]
    # the order is the metric's (then id), in the asked direction
    field = {
        "spend": "spend_minor",
        "clicks": "clicks",
        "ctr": "ctr",
        "cpc": "cpc_minor",
        "cpm": "cpm_minor",
        "cost_per_result": "cost_per_result_minor",
        "conversions": "conversions",
    }[sort.removeprefix("-")]

    def key(i: dict[str, Any]) -> tuple[Decimal, int]:
        value = i["metrics"][field]
        return (Decimal(-1) if value is None else Decimal(value), i["id"])

    expected = sorted(full, key=key, reverse=sort.startswith("-"))
    assert [i["id"] for i in full] == [i["id"] for i in expected]


def test_unknown_values_are_refused(db: Database) -> None:
    workspace = new_workspace(db)
    _seed(db, workspace)
    with db.read() as uow:
        cursor = lists.object_page(uow, workspace.id, sort="spend", limit=1, at=AT)["next_cursor"]
    bad: list[tuple[dict[str, Any], str]] = [
        ({"range": "last_week"}, "range"),
        ({"range": "today", "since": "2026-01-01"}, "range"),
        ({"range": "custom", "since": "2026-01-01"}, "until"),
        ({"range": "custom", "until": "2026-01-01"}, "since"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "since"),
        ({"since": "1.1.2026", "until": "2026-01-01"}, "since"),
        ({"since": "2020-01-01", "until": "2026-01-01"}, "until"),
        ({"sort": "revenue"}, "sort"),
        ({"sort": "spend", "range": "today", "cursor": cursor}, "cursor"),
        ({"sort": "-spend", "cursor": cursor}, "cursor"),
    ]
    for kw, field in bad:
        with db.read() as uow, pytest.raises(ValidationFailed) as info:
            lists.object_page(uow, workspace.id, at=AT, **kw)
        assert info.value.field == field, kw
    with db.read() as uow, pytest.raises(ValidationFailed) as info:
        lists.object_page(uow, workspace.id, "ad", sort="budget")
    assert info.value.field == "sort"
    with db.read() as uow, pytest.raises(ValidationFailed) as info:
        lists.object_page(uow, workspace.id, "keyword")
    assert info.value.field == "level"


def _children(db: Database, workspace: Workspace, s: dict[str, Any]) -> None:
    with db.transaction() as uow:
        for n, (sec, deleted) in enumerate(
            [
                ("ADGROUP_STATUS_DELIVERY_OK", False),
                ("ADGROUP_STATUS_AUDIT", False),
                ("ADGROUP_STATUS_CAMPAIGN_DISABLE", False),
            ]
        ):
            uow.session.add(
                TikTokAdGroup(
                    workspace_id=workspace.id,
                    ad_account_id=s["a"],
                    adgroup_id=f"280{n + 1}",
                    campaign_id="1801",
                    name=f"Group {n + 1}",
                    operation_status="ENABLE",
                    secondary_status=sec,
                    deleted=deleted,
                    budget_mode="BUDGET_MODE_DAY",
                    budget_minor=1000 * (n + 1),
                    raw={},
                )
            )
        for n, sec in enumerate(["AD_STATUS_DELIVERY_OK", "AD_STATUS_ADGROUP_DELETE"]):
            uow.session.add(
                TikTokAd(
                    workspace_id=workspace.id,
                    ad_account_id=s["a"],
                    ad_id=f"380{n + 1}",
                    adgroup_id="2801",
                    campaign_id="1801",
                    name=f"Ad {n + 1}",
                    operation_status="ENABLE",
                    secondary_status=sec,
                    raw={},
                )
            )


def test_ad_group_and_ad_lists(db: Database) -> None:
    workspace = new_workspace(db)
    s = _seed(db, workspace)
    _children(db, workspace, s)
    with db.read() as uow:
        groups = lists.object_page(uow, workspace.id, "adgroup", range="today", at=AT)
        ads = lists.object_page(uow, workspace.id, "ad", sort="-name", at=AT)
        one = lists.object_page(uow, workspace.id, "adgroup", campaign_row_id=s["ids"][0])
        waiting = lists.object_page(uow, workspace.id, "adgroup", status="not delivering")
    words = {g["tiktok_id"]: (g["status"], g["status_reason"]) for g in groups["items"]}
    assert words == {
        "2801": ("active", None),
        "2802": ("not_delivering", "ADGROUP_STATUS_AUDIT"),
        "2803": ("paused", None),
    }
    assert groups["items"][0]["campaign_name"] == "Spring"
    assert groups["items"][0]["metrics"]["spend_minor"] == 4444
    assert groups["totals"]["by_currency"][0]["metrics"]["spend_minor"] == 4444
    assert [a["tiktok_id"] for a in ads["items"]] == ["3802", "3801"]
    assert ads["items"][0]["status"] == "deleted"
    assert ads["items"][1]["adgroup_name"] == "Group 1"
    assert len(one["items"]) == 3
    assert [g["tiktok_id"] for g in waiting["items"]] == ["2802"]


def _cells(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        names = z.namelist()
        assert "xl/worksheets/sheet1.xml" in names
        return z.read("xl/worksheets/sheet1.xml").decode() + z.read("xl/sharedStrings.xml").decode()


def test_exports_and_api(db: Database, tmp_path: Path) -> None:
    workspace = new_workspace(db)
    s = _seed(db, workspace)
    _children(db, workspace, s)
    c1, c2, c3, c4 = s["ids"]
    previous = clock.set_clock(clock.FrozenClock(AT))
    try:
        with TestClient(make_app(db, tmp_path)) as client:
            client.headers.update(bearer(new_key(db, workspace, "viewer")))
            params = {"range": "last_30_days", "sort": "-spend", "limit": "1"}
            body = client.get("/api/v1/campaigns", params=params).json()
            assert body["items"][0]["id"] == c1
            assert body["items"][0]["campaign_id"] == "1801"  # TikTok ids as strings
            assert body["items"][0]["metrics"]["ctr"] == "1.00"
            assert body["totals"]["count"] == 4
            assert body["range"]["range"] == "last_30_days"
            got = client.get("/api/v1/campaigns", params={**params, "format": "csv"})
            assert got.status_code == 200
            assert got.headers["content-type"].startswith("text/csv")
            assert "campaigns-last_30_days.csv" in got.headers["content-disposition"]
            rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
            # every page (not just the limit), in the list's order, then the totals per currency
            assert [r[0] for r in rows[1:5]] == [str(c1), str(c4), str(c2), str(c3)]
            assert rows[0][0] == "ID"
            spend_at = rows[0].index("Spend")
            assert rows[1][spend_at] == "18.00"
            assert rows[3][2] == "1802"
            assert rows[4][1] == "'=cmd|evil"  # never a formula
            assert [r[0] for r in rows[5:]] == ["Total EUR", "Total USD"]
            assert rows[6][spend_at] == "19.00"
            xlsx = client.get("/api/v1/campaigns", params={**params, "format": "xlsx"})
            assert xlsx.headers["content-type"].startswith("application/vnd.openxml")
            text = _cells(xlsx.content)
            assert "Total USD" in text
            assert "Spring" in text
            assert "=cmd|evil" in text
            assert "<f>" not in text  # no formula cells
            groups = client.get("/api/v1/adgroups", params={"campaign_id": c1}).json()
            assert len(groups["items"]) == 3
            ads = client.get("/api/v1/ads", params={"format": "csv"})
            assert ads.status_code == 200
            assert "Ad group" in ads.text
            for refused_params, field in (
                ({"range": "week"}, "range"),
                ({"format": "pdf"}, "format"),
                ({"sort": "revenue"}, "sort"),
            ):
                refused = client.get("/api/v1/campaigns", params=refused_params)
                assert refused.status_code == 422, refused_params
                assert refused.json()["field"] == field
            refused = client.get("/api/v1/ads", params={"sort": "-budget"})
            assert refused.status_code == 422
            assert client.get("/api/v1/adgroups", params={"campaign_id": 999999}).status_code == 404
    finally:
        clock.set_clock(previous)


def test_cli_list_parity_and_export(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    workspace = new_workspace(db)
    s = _seed(db, workspace)
    _children(db, workspace, s)
    previous = clock.set_clock(clock.FrozenClock(AT))
    try:
        runner = CliRunner()
        ws = ["--workspace", workspace.slug]
        params = {"range": "last_30_days", "sort": "-spend", "limit": "2"}
        flags = ["--json", "--range", "last_30_days", "--sort", "-spend", "--limit", "2"]
        result = runner.invoke(app, ["tiktok", "campaigns", "list", *ws, *flags])
        assert result.exit_code == 0, result.output
        with TestClient(make_app(db, tmp_path)) as client:
            client.headers.update(bearer(new_key(db, workspace, "viewer")))
            api = client.get("/api/v1/campaigns", params=params).json()
        assert json.loads(result.stdout) == api
        plain = runner.invoke(app, ["tiktok", "campaigns", *ws, "--range", "today"])
        assert plain.exit_code == 0, plain.output
        assert "range today: 2026-03-09..2026-03-09 America/New_York" in plain.output
        target = tmp_path / "groups.xlsx"
        exported = runner.invoke(app, ["tiktok", "adgroups", *ws, "--export", str(target)])
        assert exported.exit_code == 0, exported.output
        assert "Group 2" in _cells(target.read_bytes())
        ads = runner.invoke(app, ["tiktok", "ads", "list", *ws, "--json"])
        assert exported.exit_code == 0, ads.output
        assert len(json.loads(ads.stdout)["items"]) == 2
        refused = runner.invoke(app, ["tiktok", "campaigns", *ws, "--range", "week"])
        assert refused.exit_code != 0
        assert "range" in refused.output
        wrong = runner.invoke(app, ["tiktok", "campaigns", *ws, "--export", "x.pdf"])
        assert wrong.exit_code != 0
    finally:
        clock.set_clock(previous)
        clikit.reset()


def test_console_lists_in_both_languages(db: Database, tmp_path: Path) -> None:
    operator = new_member(db, "operator")
    workspace = operator.workspace
    s = _seed(db, workspace)
    _children(db, workspace, s)
    c1 = s["ids"][0]
    previous = clock.set_clock(clock.FrozenClock(AT))
    try:
        with console_client(db, tmp_path) as client:
            csrf = log_in(client, operator)
            page = client.get("/campaigns", params={"range": "last_30_days", "sort": "-spend"})
            assert page.status_code == 200
            text = page.text
            assert '<option value="last_30_days" selected>Last 30 days</option>' in text
            assert re.findall(r'<tr[^>]*data-id="(\d+)"', text)[0] == str(c1)
            assert "18.00 USD" in text  # c1's spend over 30 days
            assert 'id="totals"' in text
            assert "Total USD" in text
            assert "19.00 USD" in text  # the USD total
            assert "Asia/Singapore" in text  # the days, named with their zone
            # checkboxes of mirror ids for the Cancel preview, operators only
            assert f'name="ids" value="{c1}" form="cancel-form"' in text
            assert 'action="/campaigns/cancel"' in text
            assert 'name="level" value="campaign"' in text
            export = re.search(r'href="([^"]+)" id="export-csv"', text)
            assert export is not None
            got = client.get(html.unescape(export.group(1)))
            assert got.status_code == 200
            rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
            assert rows[1][0] == str(c1)  # the list's sort
            groups = client.get("/campaigns/adgroups", params={"range": "today"}).text
            assert "In review" in groups  # Not delivering — reason, as a label
            assert "Not delivering" in groups
            assert 'name="level" value="adgroup"' in groups
            ads = client.get("/campaigns/ads", params={"campaign_id": c1}).text
            assert "Group 1" in ads
            assert 'name="level" value="ad"' in ads

            post_form(client, "/locale", {"locale": "zh_Hans", "next": "/campaigns"}, csrf)
            zh = client.get("/campaigns", params={"range": "today"}).text
            assert '<option value="today" selected>今天</option>' in zh
            assert "展示" in zh
            assert "按各广告账户自己的时区计算" in zh
            zh_groups = client.get("/campaigns/adgroups").text
            assert "广告组" in zh_groups
            zh_export = client.get("/campaigns/export", params={"format": "csv"})
            assert "点击率（%）" in zh_export.content.decode("utf-8-sig")
            refused = client.get("/campaigns", params={"range": "fortnight"})
            assert refused.status_code == 422
    finally:
        clock.set_clock(previous)


def test_console_viewer_has_no_cancel(db: Database, tmp_path: Path) -> None:
    viewer = new_member(db, "viewer")
    _seed(db, viewer.workspace)
    with console_client(db, tmp_path) as client:
        log_in(client, viewer)
        text = client.get("/campaigns").text
        assert 'id="export-csv"' in text
        assert "/campaigns/cancel" not in text
        assert 'name="ids"' not in text


def test_console_range_mistake_keeps_the_input(db: Database, tmp_path: Path) -> None:
    viewer = new_member(db, "viewer")
    _seed(db, viewer.workspace)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, viewer)
        wrong = client.get("/campaigns", params={"range": "custom", "since": "2026-03-01"})
        assert wrong.status_code == 422
        assert 'id="range-error"' in wrong.text
        assert "a custom range needs until" in wrong.text
        assert 'name="since" value="2026-03-01"' in wrong.text
        assert '<option value="custom" selected>' in wrong.text
        assert 'id="campaigns"' in wrong.text  # the list is still there (default range)
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get(
            "/campaigns/adgroups",
            params={"range": "custom", "since": "2026-03-02", "until": "2026-03-01"},
        )
        assert zh.status_code == 422
        assert "开始日期晚于结束日期" in zh.text
