"""End to end, promotions across channels: the real server in a subprocess (SQLite), Debian's
chromium driven by Playwright. A user filters the one list of every promotion, opens a
product's page (its enrollment, its ads and its Promote order together), previews stopping it
everywhere with a reason, and reads the list in 简体中文. Screenshots go to
``test-artifacts/promotions-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from promodesk.kit.db import Database
from promodesk.promotions.service import products as links
from promodesk.tenancy import service as tenancy
from tests.conftest import own_database_url
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    csp_violations,
    needs_chromium,
    running_server,
)
from tests.integration import promote_factories as pf
from tests.integration.promotions_support import seed

EMAIL, PASSWORD = "owner@promotions-e2e.example", "promotions-e2e-password"


def _seed(url: str) -> None:
    db = Database(url)
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, "promo-e2e", "Moon Agency", actor="e2e")
            tenancy.create_user(uow, EMAIL, PASSWORD, name="Mei", workspace=ws,
                                role="owner", actor="e2e")  # fmt: skip
            workspace_id = ws.id
        s = seed(db, workspace_id)
        with db.transaction() as uow:
            links.link_ads_automatically(uow, workspace_id)
            content = pf.make_video(
                uow, workspace_id, s.creator, title="Mooncake unboxing", has_ecommerce_anchor=True
            )
            pf.place(uow, workspace_id, s.creator, content, budget_coins=900)
            links.link_product(
                uow, workspace_id, s.products[0], f"promote_content:{content}", actor="e2e"
            )
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def promo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    needs_chromium()
    folder = tmp_path_factory.mktemp("promodesk-promotions-e2e")
    with (
        own_database_url("sqlite", "promotions", folder=folder, migrate=False) as url,
        running_server(folder, demo=False, before_serve=lambda: _seed(url),
                       PROMODESK_DATABASE_URL=url) as server,
    ):  # fmt: skip
        yield server


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"promotions-{name}.png"), full_page=True)


def test_one_list_a_product_everywhere_and_its_stop_preview(promo_server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = promo_server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-US")
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=email]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.click("nav.sidebar a[href='/promotions']")
            rows = page.locator("#promotions tbody tr")
            expect(rows).to_have_count(13)
            _shot(page, "01-list")

            page.select_option("#promotion-filter select[name=status]", "live")
            page.click("#promotion-filter button[type=submit]")
            expect(rows).to_have_count(4)
            page.click("a[data-sort='spend']")
            expect(rows.first).to_contain_text("Spring sale")
            _shot(page, "02-live-by-spend")

            page.goto(base + "/promotions?channel=shop")
            page.locator("#promotions a.chip", has_text="product 0").first.click()
            expect(page.locator("#channel-shop")).to_be_visible()
            expect(page.locator("#channel-tiktok_ads")).to_contain_text("Spring ad")
            expect(page.locator("#channel-promote")).to_contain_text("Mooncake unboxing")
            _shot(page, "03-product")

            page.click("#stop-everywhere")
            page.select_option("#stop-form select[name=reason]", "sold_out")
            page.click("#stop-form button[type=submit]")
            expect(page.locator("#stop-totals")).to_contain_text("Coins back to the wallet")
            expect(page.locator("#stop-shop")).to_contain_text("Too few products would remain")
            _shot(page, "04-stop-preview")

            page.goto(base + "/promotions")
            page.get_by_role("button", name="简体中文").click()
            expect(page.locator("h1")).to_have_text("推广")
            _shot(page, "05-list-zh")
        finally:
            browser.close()


def test_stop_a_promote_order_then_the_stops_list_and_its_lessons(promo_server: Server) -> None:
    """Stop one Promote order everywhere, find the stop in the list of stops, open it and save
    what the team learned; the list in 简体中文."""
    from playwright.sync_api import expect, sync_playwright

    base = promo_server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-US")
            page = context.new_page()
            violations = csp_violations(page)
            page.goto(base + "/login")
            page.fill("input[name=email]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.get_by_role("button", name="English").click()  # the language is the user's
            page.goto(base + "/promotions?channel=promote&search=Boost")
            page.locator("#promotions tbody tr", has_text="Boost me").locator(
                "input[type=checkbox]"
            ).check()
            page.click("#stop-selected button[type=submit]")
            page.select_option("#stop-form select[name=reason]", "sold_out")
            page.click("#stop-form button[type=submit]")
            page.click("#stop-confirm-button")
            expect(page.locator("#stop-steps tr[data-step='1']")).to_have_attribute(
                "data-status", "done"
            )
            stop_url = page.url

            page.click(".crumbs a[href='/promotions/stops']")
            rows = page.locator("#stops tbody tr")
            expect(rows.first).to_contain_text("Sold out")
            expect(rows.first).to_contain_text("Promote: Stopped")
            _shot(page, "06-stops-list")

            rows.first.locator("a").first.click()
            expect(page).to_have_url(stop_url)
            page.fill("#stop-notes textarea[name=lessons]", "Check the stock before boosting")
            page.fill("#stop-notes input[name=item_text_0]", "Stock alert at 10 units")
            page.fill("#stop-notes input[name=item_owner_0]", "Mei")
            page.click("#save-notes")
            expect(page.locator(".flash")).to_contain_text("Lessons and action items are saved.")
            expect(page.locator("#stop-notes textarea[name=lessons]")).to_have_value(
                "Check the stock before boosting"
            )
            expect(page.locator("#stop-notes input[name=item_text_0]")).to_have_value(
                "Stock alert at 10 units"
            )
            _shot(page, "07-stop-lessons")

            page.goto(base + "/promotions")
            page.click("#stops-link")
            page.get_by_role("button", name="简体中文").click()
            expect(page.locator("h1")).to_have_text("全渠道停止记录")
            expect(page.locator("#stops tbody tr").first).to_contain_text("已售罄")
            _shot(page, "08-stops-list-zh")
            page.get_by_role("button", name="English").click()
            assert violations == []
        finally:
            browser.close()


def test_a_live_panel_polls_until_its_operation_is_over_then_reloads_once(
    promo_server: Server,
) -> None:
    """The console's live progress (``follow`` in console.js, shared by every live panel):
    it polls while the operation runs and draws the new numbers; a hidden tab stops polling
    and looks again at once when shown; once the operation is over the page reloads once and
    follows no more."""
    from playwright.sync_api import expect, sync_playwright

    from promodesk.models import Workspace
    from promodesk.operations import service as operations

    db = Database(promo_server.env["PROMODESK_DATABASE_URL"])
    try:
        with db.transaction() as uow:
            ws = uow.session.query(Workspace).filter_by(slug="promo-e2e").one()
            op_id = operations.start(uow, ws.id, "promotions.stop", title="watched", total=3).id
        base = promo_server.base
        json_url = f"/console/operations/{op_id}.json"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(locale="en-US").new_page()
                polls: list[str] = []
                page.on("request", lambda r: polls.append(r.url) if json_url in r.url else None)
                loads: list[str] = []
                page.on("load", lambda p: loads.append(p.url))
                page.goto(base + "/login")
                page.fill("input[name=email]", EMAIL)
                page.fill("input[name=password]", PASSWORD)
                page.click("form.stack button[type=submit]")
                page.get_by_role("button", name="English").click()
                page.goto(f"{base}/operations/{op_id}")
                panel = page.locator(f"[data-operation='{op_id}']")
                expect(panel).to_have_attribute("data-polling", "1")
                with page.expect_request(lambda r: json_url in r.url):
                    pass  # it polls
                with db.transaction() as uow:
                    operations.progress(uow, op_id, done=1)
                expect(panel.locator("[data-field=done]")).to_have_text("1")
                hidden = "Object.defineProperty(document, 'hidden', {configurable: true, get: () => %s}); document.dispatchEvent(new Event('visibilitychange'));"  # noqa: E501
                page.evaluate(hidden % "true")
                with db.transaction() as uow:
                    operations.progress(uow, op_id, done=2, finish_when_complete=True)
                loads_before = len(loads)
                with page.expect_navigation():
                    page.evaluate(hidden % "false")  # shown again: it looks at once
                expect(panel).not_to_have_attribute("data-live", "1")
                expect(panel.locator("[data-field=done]")).to_have_text("3")
                assert len(loads) == loads_before + 1  # reloaded once
                assert polls  # it did poll
            finally:
                browser.close()
    finally:
        db.dispose()
