"""End to end, cancelling ad campaigns as seed 000 describes, on the demo after ``promodesk
demo``: the real server in demo mode (the TikTok sandbox mounted on it), Debian's chromium.

A new user finds campaigns by name, ticks three, sees the money before confirming (a reason is
required), confirms, watches the cancellation verified, moves freed budget to another campaign
(read back from TikTok), looks at the before/after chart and reads the month's retrospective, in
English and 简体中文; the CLI lists the same campaigns and the retrospective. Screenshots go to
``test-artifacts/cancel-*.png``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    cli,
    csp_violations,
    running_server,
)

GUARD_SECONDS = 180  # only against a hang (a sync or a verification that never comes)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("promodesk-cancel-e2e"),
        PROMODESK_DEMO="1",
        PROMODESK_ACCOUNTS_CANCEL_VERIFY_SETTLE_SECONDS="1",
        PROMODESK_ACCOUNTS_CANCEL_VERIFY_LATER_SECONDS="2",
    ) as running:
        yield running


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"cancel-{name}.png"), full_page=True)


def _until(page: Any, url: str, ready: Any) -> None:
    """Load ``url`` again until ``ready(page)`` (the demo's sync and the verification run in
    the server's worker); a guard only against a hang."""
    deadline = time.monotonic() + GUARD_SECONDS
    while True:
        page.goto(url)
        if ready(page):
            return
        assert time.monotonic() < deadline, f"{url} never became ready"
        time.sleep(1)


def test_cancel_three_campaigns_and_follow_the_money(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
            page = context.new_page()
            violations = csp_violations(context)
            page.goto(base + "/login")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("h1")).to_have_text("Dashboard")

            # find: campaigns named "Engagement", active, with last week's metrics
            listing = base + "/campaigns?search=Engagement&status=active&range=last_7_days"
            _until(page, listing, lambda p: p.locator("input[name=ids]").count() >= 3)
            expect(page.locator("table")).to_contain_text("Engagement")
            _shot(page, "01-list-en")
            boxes = page.locator("input[name=ids]")
            names = [boxes.nth(i).get_attribute("value") for i in range(3)]
            for i in range(3):
                boxes.nth(i).check()
            page.get_by_role("button", name=re.compile("Cancel")).first.click()

            # review: the money per campaign and in total before anything changes
            expect(page.locator("#cancel-items")).to_contain_text("$")
            expect(page.locator("#cancel-items tbody tr")).to_have_count(3)
            expect(page.locator("#freed-USD")).to_contain_text("$")
            expect(page.locator("#reason_code")).to_have_attribute("required", "")
            # without a reason the server refuses too, beside the field, the input kept
            page.evaluate("document.querySelector('#reason_code').removeAttribute('required')")
            page.fill("#note", "kept")
            page.click("#confirm-cancel")
            expect(page.locator("#cancel-form")).to_contain_text(re.compile("reason", re.I))
            expect(page.locator("#note")).to_have_value("kept")
            _shot(page, "02-preview-en")
            page.select_option("#reason_code", "poor_performance")
            page.fill("#note", "Cost per purchase twice the target for a week")
            page.click("#confirm-cancel")

            # watch it run and be verified by reading every campaign back from TikTok
            expect(page.locator("h1")).to_contain_text("Cancellation")
            cancellation_id = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            # the page reloads itself while the cancel runs and until it is verified
            expect(page.locator("#verified")).to_have_text("3", timeout=GUARD_SECONDS * 1000)
            expect(page.locator("#verify-failed")).to_have_text("0")
            expect(page.locator("#freed")).to_contain_text("$")
            _shot(page, "03-verified-en")

            # move freed budget to another campaign, verified by read-back
            page.goto(base + "/budget")
            expect(page.locator("h1")).to_have_text("Budget")
            _shot(page, "04-budget-en")
            page.get_by_role("link", name=re.compile("Reallocate")).first.click()
            page.locator("input[name^=amount_]").first.fill("25.00")
            page.click("#preview-reallocation")
            expect(page.locator("main")).to_contain_text("+$25.00")
            page.get_by_role("button", name=re.compile("reallocate", re.I)).click()
            expect(page.locator("main")).to_contain_text("Verified")
            _shot(page, "05-reallocated-en")

            # before / after: charts drawn by the locally served plotly.js
            page.goto(f"{base}/cancellations/{cancellation_id}/monitor")
            expect(page.locator("[data-plot][data-drawn='1']").first).to_be_visible()
            expect(page.locator("main")).to_contain_text("Stop")
            _shot(page, "06-monitor-en")

            # the month's retrospective, then in 简体中文
            page.goto(base + "/cancellations/retrospective")
            expect(page.locator("main")).to_contain_text("Poor performance")
            _shot(page, "07-retrospective-en")
            page.get_by_role("button", name="简体中文").click()
            expect(page.locator("h1")).to_contain_text("复盘")
            _shot(page, "08-retrospective-zh")
            page.goto(f"{base}/cancellations/{cancellation_id}")
            expect(page.locator("#verified")).to_have_text("3")
            _shot(page, "09-cancellation-zh")
            assert violations == []
        finally:
            browser.close()

    # the CLI sees the same: the campaigns by name, the cancellation, the retrospective
    args = ["tiktok", "campaigns", "list", "-w", "demo", "--search", "Engagement", "--json"]
    listed = json.loads(cli(server.env, *args))
    assert {str(c["id"]) for c in listed["items"]} >= set(filter(None, names))
    shown = cli(server.env, "tiktok", "cancellation", cancellation_id, "-w", "demo")
    assert "verified" in shown
    retro = json.loads(cli(server.env, "tiktok", "retrospective", "-w", "demo", "--json"))
    assert retro
