"""End to end, the campaign list at agency scale and the campaign detail: the real server in a
subprocess (SQLite), Debian's chromium driven by Playwright. An operator sorts by 30-day spend,
sees the totals row, opens a campaign whose chart plotly draws, ticks three campaigns and
presses Cancel… (the preview's URL carries their ids), then reads the list in 简体中文.
Screenshots go to ``test-artifacts/campaign-list-*.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from promodesk.kit.db import Database
from promodesk.models import TikTokCampaign
from promodesk.tenancy import service as tenancy
from tests.conftest import own_database_url
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    needs_chromium,
    running_server,
)
from tests.integration.accounts_factories import make_ad_account, make_grant, make_report_rows

EMAIL, PASSWORD = "owner@list-e2e.example", "list-e2e-password"
NAMES = ["Spring sale 春季", "Summer teaser", "Autumn push", "Winter clearance", "Evergreen"]


def _seed(url: str) -> None:
    db = Database(url)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Singapore")).date()
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, "list-e2e", "Lotus Agency", actor="e2e")
            tenancy.create_user(uow, EMAIL, PASSWORD, name="Mei", workspace=ws,
                                role="owner", actor="e2e")  # fmt: skip
            account = make_ad_account(uow, ws.id, make_grant(uow, ws.id), name="Lotus SG")
            for n, name in enumerate(NAMES):
                row = TikTokCampaign(
                    workspace_id=ws.id, ad_account_id=account, campaign_id=f"18{n:08d}",
                    name=name, operation_status="ENABLE",
                    secondary_status="CAMPAIGN_STATUS_ENABLE" if n != 4
                    else "CAMPAIGN_STATUS_BUDGET_EXCEED",
                    objective_type="TRAFFIC", budget_mode="BUDGET_MODE_TOTAL",
                    budget_minor=500_000, raw={},
                )  # fmt: skip
                uow.session.add(row)
                uow.flush()
                spend = {
                    (today - timedelta(days=d)).isoformat(): (n + 1) * 1000 + d * 37 * (n + 1)
                    for d in range(45)
                }
                make_report_rows(uow, ws.id, account, row.campaign_id, spend)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def list_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    needs_chromium()
    folder = tmp_path_factory.mktemp("promodesk-list-e2e")
    with (
        own_database_url("sqlite", "list", folder=folder, migrate=False) as url,
        running_server(folder, demo=False, before_serve=lambda: _seed(url),
                       PROMODESK_DATABASE_URL=url) as server,
    ):  # fmt: skip
        yield server


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"campaign-list-{name}.png"), full_page=True)


def test_list_detail_and_cancel_selection(list_server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = list_server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-US")
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=email]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("h1")).to_have_text("Dashboard")
            page.goto(base + "/campaigns")
            page.select_option("#range-select", "last_30_days")
            page.fill("input[name=search]", "")
            page.click("#campaign-filter button[type=submit]")
            page.click("a[data-sort='spend']")  # ascending, then descending
            page.click("a[data-sort='spend']")
            expect(page).to_have_url(re.compile(r"sort=-spend"))
            rows = page.locator("#campaigns tbody tr")
            expect(rows).to_have_count(5)
            expect(rows.first).to_contain_text("Evergreen")
            expect(page.locator("#totals")).to_contain_text("Total USD")
            expect(page.locator("#range-note")).to_contain_text("Asia/Singapore")
            _shot(page, "01-sorted-by-spend")

            page.click("text=Evergreen")
            expect(page.locator("#spent")).to_contain_text("USD")
            expect(page.locator("#schedule")).to_contain_text("Asia/Singapore")
            expect(page.locator(".plot[data-drawn='1']")).to_have_count(1, timeout=20_000)
            _shot(page, "02-detail-chart")

            page.go_back()
            for name in ("Spring sale 春季", "Summer teaser", "Autumn push"):
                page.locator("#campaigns tbody tr", has_text=name).locator(
                    "input[name=ids]"
                ).check()
            page.click("#cancel-selected")
            expect(page).to_have_url(re.compile(r"/campaigns/cancel\?level=campaign(&ids=\d+){3}"))
            _shot(page, "03-cancel-preview")

            page.goto(base + "/campaigns/adgroups")
            expect(page.locator("#list-tabs a.active")).to_have_text("Ad groups")
            page.goto(base + "/campaigns?range=last_30_days&sort=-spend")
            page.get_by_role("button", name="简体中文").click()  # the switch a user clicks
            expect(page.locator("#range-select")).to_contain_text("最近 30 天")
            _shot(page, "04-list-zh")
        finally:
            browser.close()
