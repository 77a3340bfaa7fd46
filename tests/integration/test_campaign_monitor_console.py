"""The console's monitor and retrospective pages in English and 简体中文: charts carry their
data-plot specs, the before/after table, filters refused without a wider list, exports,
the dashboard card, lessons and action items for operators only."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promodesk.audit import service as audit
from promodesk.campaigns.service.retrospective import notes as retro_notes
from promodesk.kit import clock
from promodesk.kit.db import Database
from tests.integration.test_campaign_monitor import NOW, seed_monitor
from tests.integration.test_campaign_retrospective import seed_retro
from tests.integration.test_console_support import (
    console_client,
    log_in,
    new_member,
    post_form,
    refused_form,
)


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def plots(page: str) -> dict[str, dict[str, Any]]:
    """Every chart's spec, by its id (the JSON beside each ``data-plot`` box)."""
    ids = re.findall(r'data-plot="([^"]+)"', page)
    out = {}
    for data_id in ids:
        found = re.search(
            rf'<script type="application/json" id="{re.escape(data_id)}">(.*?)</script>',
            page,
            re.S,
        )
        assert found, data_id
        out[data_id.removesuffix("-data")] = json.loads(html.unescape(found.group(1)))
    return out


def test_monitor_page_in_both_languages(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    member = new_member(db, "viewer")
    seeded = seed_monitor(db, member.workspace.id)
    cid, account = seeded["cancellation"], seeded["account"]
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(f"/cancellations/{cid}/monitor")
        assert page.status_code == 200, page.text
        text = page.text
        charts = plots(text)
        daily = charts[f"daily-{account}"]
        assert daily["x"][0] == "2026-11-17"
        assert daily["markers"] == [{"x": "2026-12-01", "label": "Stop"}]
        assert daily["series"][0]["y"][daily["x"].index("2026-11-30")] == "100.00"
        assert daily["y_title"] == "USD"
        hourly = charts[f"hourly-{account}"]
        assert hourly["markers"][0]["x"] == "2026-12-01 12:00:00"
        assert "Asia/Singapore" in text
        assert "Other campaigns" in text
        assert "picked up part of the spend" in text
        assert "Advertiser Acme Shoes" in text
        assert "Poor performance" in text

        # reached from the cancellation's page and the log
        one = client.get(f"/cancellations/{cid}")
        assert one.status_code == 200, one.text
        assert f'href="/cancellations/{cid}/monitor"' in one.text
        assert 'href="/cancellations/retrospective"' in client.get("/cancellations").text

        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get(f"/cancellations/{cid}/monitor").text
        assert "取消之后" in zh
        assert "其他推广系列" in zh
        assert plots(zh)[f"daily-{account}"]["markers"][0]["label"] == "停止"
        assert client.get("/cancellations/999999/monitor").status_code == 404


def test_retrospective_page_filters_exports_and_dashboard(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    member = new_member(db, "viewer")
    seeded = seed_retro(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get("/cancellations/retrospective", params={"month": "2026-12"}).text
        charts = plots(page)
        assert charts["by-reason"]["x"] == ["Budget", "Poor performance"]
        assert charts["by-reason"]["series"][0]["y"] == [2, 1]
        assert charts["money-USD"]["series"][0]["y"] == ["1025.00", "520.00", "250.00", "0.00"]
        assert 'id="retro-rows"' in page
        assert "X shoes" in page
        # viewers read the lessons but get no form
        assert 'action="/cancellations/' not in page.replace(
            'action="/cancellations/retrospective"', ""
        )
        assert "No lessons written yet." in page

        only_y = client.get(
            "/cancellations/retrospective", params={"month": "2026-12", "advertiser": seeded["y"]}
        ).text
        assert plots(only_y)["by-reason"]["series"][0]["y"] == [1]

        bad = client.get("/cancellations/retrospective", params={"month": "2026-13"})
        assert bad.status_code == 200
        assert "Enter a month as YYYY-MM." in bad.text
        assert 'id="retro-rows"' not in bad.text
        unknown = client.get("/cancellations/retrospective", params={"advertiser": "999999"})
        assert "Choose an advertiser from the list." in unknown.text
        assert 'id="retro-rows"' not in unknown.text

        csv = client.get("/cancellations/retrospective.csv", params={"month": "2026-12"})
        assert csv.status_code == 200
        assert csv.text.startswith("\ufeffCancellation,")
        xlsx = client.get("/cancellations/retrospective.xlsx", params={"month": "2026-12"})
        assert xlsx.content[:2] == b"PK"

        home = client.get("/").text
        assert 'id="cancellations-card"' in home
        assert "Cancelled this week" in home

        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get("/cancellations/retrospective", params={"month": "2026-12"}).text
        assert "取消复盘" in zh
        assert plots(zh)["by-reason"]["x"] == ["预算", "效果不佳"]
        zh_csv = client.get("/cancellations/retrospective.csv", params={"month": "2026-12"})
        assert zh_csv.text.startswith("\ufeff取消记录,创建时间（UTC）,原因")
        assert ",效果不佳," in zh_csv.text  # reasons as labels
        # days typed while "Month" is still chosen mean a range of days
        ranged = client.get(
            "/cancellations/retrospective",
            params={"period": "month", "since": "2026-12-03", "until": "2026-12-04"},
        ).text
        assert plots(ranged)["by-reason"]["series"][0]["y"] == [1, 1]
        assert "本周取消" in client.get("/").text


def test_lessons_form_for_operators(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    member = new_member(db, "operator")
    cid = seed_retro(db, member.workspace.id)["c"][0]
    viewer = new_member(db, "viewer", member.workspace)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get("/cancellations/retrospective", params={"month": "2026-12"}).text
        assert f'action="/cancellations/{cid}/lessons"' in page
        form = {
            "lessons": "Test budgets first.",
            "item_text_0": "Cap tests at 50",
            "item_owner_0": "Lin",
            "item_due_0": "2026-12-20",
            "item_text_1": "",
            "item_owner_1": "",
            "item_due_1": "",
            "back": "/cancellations/retrospective?month=2026-12",
        }
        where = post_form(client, f"/cancellations/{cid}/lessons", form, csrf)
        assert where.startswith("/cancellations/retrospective?month=2026-12")
        page = client.get(where.split("#")[0]).text
        assert "Test budgets first." in page
        assert 'value="Cap tests at 50"' in page
        refused = refused_form(
            client,
            f"/cancellations/{cid}/lessons",
            {**form, "item_due_0": "soon", "back": "/cancellations/retrospective?month=2026-12"},
            csrf,
        )
        assert "Enter the due day as YYYY-MM-DD." in refused
    with db.read() as uow:
        events = audit.list_events(uow, member.workspace.id, action="campaigns.cancellation_notes")
        assert len(events) == 1
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, viewer)
        answer = client.post(
            f"/cancellations/{cid}/lessons",
            data={"csrf_token": csrf, "lessons": "viewer"},
            follow_redirects=False,
        )
        assert answer.status_code in (303, 403)
    with db.read() as uow:
        assert retro_notes.notes(uow, member.workspace.id, cid)["lessons"] == "Test budgets first."


def test_a_cancellation_without_items_still_shows(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    from tests.integration.accounts_factories import make_cancellation

    member = new_member(db, "viewer")
    with db.transaction() as uow:
        cid = make_cancellation(uow, member.workspace.id, [], reason_code="other", status="running")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = client.get("/cancellations/retrospective")
        assert page.status_code == 200, page.text
        assert f'id="cancellation-{cid}"' in page.text
        assert client.get("/cancellations/retrospective.csv").status_code == 200
        assert client.get("/cancellations/retrospective.xlsx").status_code == 200
        monitor = client.get(f"/cancellations/{cid}/monitor")
        assert monitor.status_code == 200
        assert "Nothing to monitor" in monitor.text
