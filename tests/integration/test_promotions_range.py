"""The promotions index's spend over a range of days (both databases): TikTok objects from their
daily report rows in each ad account's own time zone (one in Los Angeles, one in Tokyo, rows on
both sides of every range's edges), Promote orders from their delivery per UTC hour, shop rows
without spend; totals equal the sum of the rows; sorting by spend uses the ranged spend; the
API, the CLI, the console and the exports carry the range; bad ranges are 422s."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.models import PromoteOrder, PromoteOrderHourly, TikTokAdAccount, TikTokCampaign
from promodesk.promotions.domain.index import filters
from promodesk.promotions.service.index import list_promotions
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration import promote_factories as pf
from tests.integration import shop_factories as sf
from tests.integration.accounts_factories import make_ad_account, make_grant, make_report_rows
from tests.integration.promotions_support import mirror
from tests.integration.test_console_support import (
    console_client,
    csrf_of,
    log_in,
    new_member,
    post_form,
)

# 03:00 UTC on 10 March 2026: 20:00 on the 9th in Los Angeles (UTC-7 since the 8th), noon on
# the 10th in Tokyo.
AT = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
LA = {"2026-03-02": 1, "2026-03-03": 10, "2026-03-08": 100, "2026-03-09": 1000, "2026-03-10": 10000}
TOKYO = {"2026-03-03": 2, "2026-03-04": 20, "2026-03-09": 200, "2026-03-10": 2000}
# Promote delivery per UTC hour
HOURS = {
    datetime(2026, 3, 3, 0, tzinfo=UTC): 5000,
    datetime(2026, 3, 9, 23, tzinfo=UTC): 5,
    datetime(2026, 3, 10, 0, tzinfo=UTC): 50,
    datetime(2026, 3, 10, 2, tzinfo=UTC): 500,
}
# expected spend per range: (LA campaign, Tokyo campaign, Promote order)
EXPECTED = {
    "today": (1000, 2000, 550),
    "yesterday": (100, 200, 5),
    "last_7_days": (1110, 2220, 555),
    "last_30_days": (1111, 2222, 5555),
}


def _world(db: Database) -> dict[str, Any]:
    ws = new_workspace(db)
    with db.transaction() as uow:
        grant = make_grant(uow, ws.id)
        ids = {}
        for name, zone, cid, rows in (
            ("LA", "America/Los_Angeles", "5100", LA),
            ("Tokyo", "Asia/Tokyo", "5200", TOKYO),
        ):
            account = make_ad_account(uow, ws.id, grant, name=f"Account {name}")
            row = uow.session.get(TikTokAdAccount, account)
            assert row is not None
            row.timezone = zone
            campaign = mirror(
                TikTokCampaign,
                workspace_id=ws.id,
                ad_account_id=account,
                campaign_id=cid,
                name=f"Campaign {name}",
                budget_mode="BUDGET_MODE_DAY",
                budget_minor=50000,
                modify_time="2026-03-01 10:00:00",
            )
            uow.session.add(campaign)
            uow.flush()
            make_report_rows(uow, ws.id, account, cid, rows, time_zone=zone)
            ids[name] = campaign.id
        creator = pf.make_creator(uow, ws.id)
        content = pf.make_video(uow, ws.id, creator, title="Boost me")
        pf.fund(uow, ws.id, creator, 10000)
        order = pf.place(uow, ws.id, creator, content, budget_coins=9000)
        for hour, coins in HOURS.items():
            uow.session.add(
                PromoteOrderHourly(order_id=order, hour=hour, workspace_id=ws.id, spend_coins=coins)
            )
        placed = uow.session.get(PromoteOrder, order)
        assert placed is not None
        placed.spent_coins = 7777  # the order's own running total: what lifetime shows
        shop = sf.shop(uow, ws.id)
        act = sf.activity(uow, ws.id)
        sf.enrolled(uow, ws.id, act.id, shop.id, 1, offers=0)
    return {"ws": ws, "la": ids["LA"], "tokyo": ids["Tokyo"], "order": order}


def _spend(db: Database, ws: int, sort: str | None = None, **words: str) -> Any:
    with db.read() as uow:
        return list_promotions(uow, ws, filters(**words), sort, at=AT)  # type: ignore[arg-type]


def test_spend_per_range_in_each_accounts_own_days(db: Database) -> None:
    w = _world(db)
    ws = w["ws"].id
    refs = (f"campaign:{w['la']}", f"campaign:{w['tokyo']}", f"promote_order:{w['order']}")
    cases: dict[tuple[str, ...], tuple[int, int, int]] = {
        ("lifetime",): (11111, 2222, 7777),
        **{(word,): spent for word, spent in EXPECTED.items()},
        ("custom", "2026-03-02", "2026-03-08"): (111, 22, 5000),
        ("custom", "2026-03-10", "2026-03-10"): (10000, 2000, 550),
    }
    for args, expected in cases.items():
        words = {"range": args[0]}
        if len(args) == 3:
            words |= {"since": args[1], "until": args[2]}
        page = _spend(db, ws, **words)
        by = {r.ref: r for r in page.items}
        got = tuple(by[ref].spend.minor for ref in refs)  # type: ignore[union-attr]
        assert got == expected, (args, got)
        shop_rows = [r for r in page.items if r.channel.value == "shop"]
        assert shop_rows
        assert all(r.spend is None for r in shop_rows)
        # the totals are the sums of the rows, per currency
        assert page.totals is not None
        sums: dict[str, int] = {}
        for r in page.items:
            if r.spend is not None and r.kind.value in page.totals.money_kinds:
                sums[r.spend.currency] = sums.get(r.spend.currency, 0) + r.spend.minor
        assert {c.currency: c.spend.minor for c in page.totals.by_currency} == sums
        assert sums == {"USD": expected[0] + expected[1], "COIN": expected[2]}
    # the days shown: each ad account's own, and UTC for Promote
    page = _spend(db, ws, range="today")
    assert [(d.time_zone, d.since, d.until) for d in page.days] == [
        ("America/Los_Angeles", "2026-03-09", "2026-03-09"),
        ("Asia/Tokyo", "2026-03-10", "2026-03-10"),
        ("UTC", "2026-03-10", "2026-03-10"),
    ]
    assert page.range == "today"
    assert _spend(db, ws, range="custom", since="2026-03-02", until="2026-03-08").range == (
        "2026-03-02..2026-03-08"
    )


def test_sort_by_spend_uses_the_range_and_cursors_keep_it(db: Database) -> None:
    w = _world(db)
    ws = w["ws"].id

    def order(**words: str) -> list[str]:
        page = _spend(db, ws, "-spend", channel="tiktok_ads", **words)
        return [r.ref for r in page.items]

    la, tokyo = f"campaign:{w['la']}", f"campaign:{w['tokyo']}"
    assert order() == [la, tokyo]  # lifetime: 11111 before 2222
    assert order(range="yesterday") == [tokyo, la]  # 200 before 100
    with db.read() as uow:
        first = list_promotions(
            uow, ws, filters(channel="tiktok_ads", range="last_7_days"), "-spend", limit=1, at=AT
        )
        assert [r.ref for r in first.items] == [tokyo]
        assert first.next_cursor
        second = list_promotions(
            uow,
            ws,
            filters(channel="tiktok_ads", range="last_7_days"),
            "-spend",
            first.next_cursor,
            limit=1,
            at=AT,
        )
        assert [r.ref for r in second.items] == [la]
        # a cursor of one range is refused under another
        with pytest.raises(ValidationFailed) as bad:
            list_promotions(
                uow, ws, filters(channel="tiktok_ads"), "-spend", first.next_cursor, at=AT
            )
        assert bad.value.field == "cursor"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"range": "fortnight"}, "range"),
        ({"range": "custom", "since": "2026-03-08", "until": "2026-03-01"}, "until"),
        ({"range": "custom", "since": "2025-01-01", "until": "2026-01-02"}, "until"),
        ({"range": "custom", "since": "2026-03-01"}, "until"),
        ({"range": "last_7_days", "since": "2026-03-01"}, "range"),
        ({"range": "custom", "since": "2026-02-30", "until": "2026-03-01"}, "since"),
    ],
)
def test_bad_ranges_are_422(
    db: Database, tmp_path: Path, params: dict[str, str], field: str
) -> None:
    ws = new_workspace(db)
    key = bearer(new_key(db, ws, "viewer"))
    with TestClient(make_app(db, tmp_path)) as client:
        answer = client.get("/api/v1/promotions", params=params, headers=key)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        assert answer.json()["detail"]
        # a custom span of 366 days is allowed
        ok = client.get(
            "/api/v1/promotions",
            params={"range": "custom", "since": "2025-03-01", "until": "2026-03-01"},
            headers=key,
        )
        assert ok.status_code == 200, ok.text


def test_api_cli_console_and_exports_carry_the_range(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _world(db)
    ws = w["ws"]
    params = {"range": "custom", "since": "2026-03-02", "until": "2026-03-08", "sort": "-spend"}
    la = f"campaign:{w['la']}"
    with TestClient(make_app(db, tmp_path)) as client:
        key = bearer(new_key(db, ws, "viewer"))
        page = client.get("/api/v1/promotions", params=params, headers=key)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["range"] == "2026-03-02..2026-03-08"
        spend = {i["ref"]: i["spend"] for i in body["items"]}
        assert spend[la] == {"minor": 111, "currency": "USD"}
        assert {c["currency"]: c["spend"]["minor"] for c in body["totals"]["by_currency"]} == {
            "USD": 133,
            "COIN": 5000,
        }
        got = client.get("/api/v1/promotions", params={**params, "format": "csv"}, headers=key)
        assert got.status_code == 200
        assert "2026-03-02-to-2026-03-08" in got.headers["content-disposition"]
        table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert "Spend (2026-03-02 to 2026-03-08)" in table[0]
        column = table[0].index("Spend (2026-03-02 to 2026-03-08)")
        row = next(r for r in table if r[0] == la)
        assert row[column] == "1.11"
        total = next(r for r in table if r[0] == "Total USD")
        assert total[column] == "1.33"
        xlsx = client.get(
            "/api/v1/promotions", params={"range": "last_7_days", "format": "xlsx"}, headers=key
        )
        assert xlsx.status_code == 200
        assert "-last_7_days.xlsx" in xlsx.headers["content-disposition"]

    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    result = CliRunner().invoke(
        app,
        [
            *("promotions", "list", "-w", ws.slug, "--json", "--sort", "-spend"),
            *("--range", "custom", "--since", "2026-03-02", "--until", "2026-03-08"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == body
    refused = CliRunner().invoke(app, ["promotions", "list", "-w", ws.slug, "--range", "week"])
    assert refused.exit_code != 0
    assert "range is one of" in refused.output
    clikit.reset()

    member = new_member(db, "viewer", ws)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        html = client.get("/promotions", params=params).text
        assert 'id="range-select"' in html
        assert '<option value="custom" selected>' in html
        assert "Spend (2026-03-02 to 2026-03-08)" in html
        assert 'class="range-text">2026-03-02 to 2026-03-08<' in html
        assert 'id="range-note"' in html
        # paging and export links keep the range
        assert "range=custom&amp;since=2026-03-02&amp;until=2026-03-08" in html
        bad = client.get("/promotions", params={"range": "custom", "since": "2026-03-08"})
        assert bad.status_code == 422
        assert 'id="filter-error" data-field="until"' in bad.text
        assert "A custom range needs its last day." in bad.text
        # an unknown range word is named, in the reader's language
        unknown = client.get("/promotions", params={"range": "fortnight"})
        assert unknown.status_code == 422
        assert "“fortnight” is not a range: choose one of lifetime," in unknown.text
        export = client.get("/promotions/export", params={**params, "format": "csv"})
        assert "Spend (2026-03-02 to 2026-03-08)" in export.content.decode("utf-8-sig")
        csrf = csrf_of(client.get("/").text)
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/promotions"}, csrf)
        zh = client.get("/promotions", params={"range": "fortnight"}).text
        assert "“fortnight”不是可选的范围" in zh
