"""End to end, the confirmation pages of money and budget changes, in English and 简体中文.

Debian's chromium (Playwright) on the real server: a recharge's price, a withdrawal's cash and
payout date, and a campaign budget's before → after are shown before anything happens, in the
reader's language; the figure confirmed is the figure kept. Screenshots go to
``test-artifacts/confirm-*.png``.
"""

from __future__ import annotations

import json
import re
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # demo mode: the ad accounts sync their campaigns from the sandbox mounted on the server
    data_dir = tmp_path_factory.mktemp("promodesk-confirm-e2e")
    with running_server(data_dir, PROMODESK_DEMO="1") as server:
        yield server


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"confirm-{name}.png"), full_page=True)


def _locale(page: Any, value: str) -> None:
    from playwright.sync_api import expect

    page.click(f".topbar .locale-switch button[value={value}]")
    expect(page.locator("html")).to_have_attribute(
        "lang", "zh-Hans" if value == "zh_Hans" else value
    )


def test_money_and_budget_confirmations_in_both_languages(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    made = cli(
        server.env, "promote", "creators", "create", "budi.bandung", "--birth-date",
        "1992-03-01", "--region", "ID", "--name", "Budi", "-w", "demo", "--json",
    )  # fmt: skip
    creator_id = json.loads(made)["id"]
    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            violations = csp_violations(context)
            page.goto(base + "/login")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            _locale(page, "zh_Hans")

            # recharge in Chinese: the price in rupiah, whole rupiah, before paying
            page.goto(f"{base}/promote/creators/{creator_id}")
            recharge = page.locator("#recharge-form")
            recharge.locator("input[name=coins]").fill("500")
            recharge.locator("select[name=method]").select_option("card")
            recharge.locator("button[type=submit]").click()
            price = page.locator("#recharge-price").inner_text()
            assert price.startswith("IDR")
            assert "." not in price  # rupiah are paid whole
            _shot(page, "01-recharge-zh")
            page.click("form.actions-row button[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text("500")

            # withdrawal in Chinese, then the same confirmation in English
            page.goto(f"{base}/promote/creators/{creator_id}#withdrawals")
            page.locator("#withdrawals input[name=coins]").fill("300")
            page.locator("#withdrawals button[type=submit]").click()
            cash = page.locator("#withdraw-cash").inner_text()
            assert cash.startswith("IDR")
            day_zh = page.locator("#withdraw-date").inner_text()
            assert not ISO_DAY.search(day_zh), day_zh
            assert "年" in day_zh
            _shot(page, "02-withdraw-zh")
            confirm_url = page.url
            _locale(page, "en")
            page.goto(confirm_url)
            expect(page.locator("#withdraw-cash")).to_have_text(cash)
            assert not ISO_DAY.search(page.locator("#withdraw-date").inner_text())
            _shot(page, "03-withdraw-en")
            page.click("#withdraw-confirm button[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text(cash)
            # the cash confirmed is the cash kept
            expect(page.locator("#withdrawals table")).to_contain_text(cash)
            _shot(page, "04-withdrawn-en")

            # a campaign budget far above the current one: before -> after, then cancel
            # (the demo's ad accounts sync from the sandbox mounted on the server: wait for it)
            links: list[str] = []
            for _ in range(120):
                page.goto(f"{base}/campaigns")
                links = [
                    str(a.get_attribute("href"))
                    for a in page.locator("a[href^='/campaigns/']").all()
                    if re.fullmatch(r"/campaigns/\d+", str(a.get_attribute("href")))
                ]
                if links:
                    break
                page.wait_for_timeout(1000)
            for link in links:
                page.goto(base + link)
                if page.locator("#budget-form").count():
                    break
            else:
                raise AssertionError(f"no demo campaign with a changeable budget in {links}")
            current = page.locator("#budget-form input[name=budget]").input_value()
            bigger = str(int(float(current) * 100) or 100_000)
            page.locator("#budget-form input[name=budget]").fill(bigger)
            page.locator("#budget-form button[type=submit]").click()
            change = page.locator("#budget-change").inner_text()
            assert "→" in change
            _shot(page, "05-budget-en")
            page.click("#budget-confirm a.button.ghost")  # Cancel: nothing changed
            expect(page.locator("#budget-form input[name=budget]")).to_have_value(current)
            _locale(page, "zh_Hans")
            page.locator("#budget-form input[name=budget]").fill(bigger)
            page.locator("#budget-form button[type=submit]").click()
            expect(page.locator("#budget-change")).to_contain_text("→")
            expect(page.locator("#budget-confirm")).to_contain_text("倍")
            _shot(page, "06-budget-zh")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()
