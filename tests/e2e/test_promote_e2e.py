"""End to end, Promote: the real server in a subprocess, Debian's chromium driven by Playwright.

The browser creates a creator, adds a video, recharges with the test provider (price first),
issues a coupon, places an order with it through the wizard (eligibility, goals, preview),
approves it in the review queue; ``promodesk promote simulate`` delivers; the browser stops the
order after its refund preview, sees the refund on the order page and downloads the invoice
PDF. Screenshots in English and 简体中文 go to ``test-artifacts/promote-*.png``.
"""

from __future__ import annotations

import re
from typing import Any

from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    cli,
    csp_violations,
)


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky top bar lands mid-picture
    page.screenshot(path=str(ARTIFACTS / f"promote-{name}.png"), full_page=True)


def test_promote_journey(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True
            )
            page = context.new_page()
            violations = csp_violations(context)
            page.goto(base + "/login")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("h1")).to_have_text("Dashboard")
            page.click("nav.sidebar a[href='/promote']")
            expect(page.locator("h1")).to_have_text("Promote")
            _shot(page, "01-home-en")

            # a new creator, then a video with commercial music
            form = page.locator("#new-creator form")
            form.locator("input[name=handle]").fill("mei.kitchen")
            form.locator("input[name=display_name]").fill("Mei's kitchen")
            form.locator("input[name=birth_date]").fill("1994-06-15")
            form.locator("select[name=account_type]").select_option("creator")
            form.locator("select[name=region]").select_option("US")
            form.locator("button[type=submit]").click()
            expect(page.locator(".flash-success")).to_contain_text("@mei.kitchen")
            content_form = page.locator("#contents form")
            content_form.locator("input[name=title]").fill("Spring noodles in 60 seconds")
            content_form.locator("button[type=submit]").click()
            expect(page.locator("#content-list")).to_contain_text("Spring noodles")

            # recharge: the price in the payer's currency first, then pay (test provider)
            recharge = page.locator("#recharge-form")
            recharge.locator("input[name=coins]").fill("2000")
            recharge.locator("select[name=method]").select_option("card")
            recharge.locator("button[type=submit]").click()
            expect(page.locator("#recharge-price")).to_have_text("$19.80")
            _shot(page, "02-recharge-price-en")
            page.click("form.actions-row button[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text("2,000 coins")

            # a coupon of 300 coins
            coupons = page.locator("#coupons form")
            coupons.locator("input[name=value_coins]").fill("300")
            coupons.locator("button[type=submit]").click()
            expect(page.locator("#coupon-list")).to_contain_text("Available")
            _shot(page, "03-creator-en")

            # the wizard: eligibility and the goals of this content, then the order
            page.click("#content-list a:has-text('Promote…')")
            expect(page.locator("#eligibility")).to_contain_text("Eligible")
            expect(page.locator("#eligibility")).to_contain_text("More website visits")
            form = page.locator("#order-form")
            form.locator("input[name=goal][value=video_views]").check()
            form.locator("input[name=budget_coins]").fill("1000")
            form.locator("input[name=duration_hours]").fill("24")
            form.locator("input[name=audience][value=custom]").check()
            form.locator("select[name=gender]").select_option("female")
            form.locator("input[name=age][value='25-34']").check()
            form.locator("input[name=interests]").fill("cooking, travel")
            form.locator("input[name=coupon_id]").last.check()
            _shot(page, "04-wizard-en")
            form.locator("button[type=submit]").click()
            expect(page.locator("#held-paid")).to_have_text("700")
            expect(page.locator("#held-coupon")).to_have_text("300")
            _shot(page, "05-order-preview-en")
            page.click("#order-preview form button[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text("1,000 coins are held")
            order_url = page.url
            order_id = re.search(r"/promote/orders/(\d+)", order_url)
            assert order_id

            # the review queue: approve
            page.click("nav.sidebar a[href='/promote']")
            page.click("#review-link")
            page.click(f"a[href='/promote/review/{order_id.group(1)}']")
            _shot(page, "06-review-en")
            page.click("#approve")
            expect(page.locator(".flash-success")).to_contain_text("approved")

            # delivery for a few ticks, then the order page and its chart
            cli(
                server.env, "promote", "simulate", "-w", "demo", "--seconds", "1.5",
                "--interval", "0.5", "--share", "0.08", "--seed", "7",
            )  # fmt: skip
            page.goto(order_url)
            expect(page.locator("h1 .badge")).to_have_text("Delivering")
            spent = int(page.locator("#spent").inner_text().replace(",", ""))
            assert 0 < spent < 1000
            expect(page.locator(".chart svg rect.bar").first).to_be_visible()
            expect(page.locator("body")).not_to_contain_text("Pause")
            _shot(page, "07-order-delivering-en")

            # stop: the refund preview, then the refund on the order page
            page.click("#stop-link")
            expected = min(700, 1000 - spent)
            expect(page.locator("#refund-wallet")).to_have_text(f"{expected:,}")
            _shot(page, "08-stop-preview-en")
            page.click("#stop-preview button.danger")
            expect(page.locator(".flash-success")).to_contain_text("stopped")
            for _ in range(60):  # the embedded worker refunds within seconds
                if page.locator("#refunded").inner_text() != "0":
                    break
                page.wait_for_timeout(500)
                page.reload()
            expect(page.locator("#refunded")).to_have_text(f"{expected:,}")
            expect(page.locator("h1 .badge")).to_have_text("Stopped")
            _shot(page, "09-order-refunded-en")

            # the invoice of the recharge, as a PDF
            page.click(".crumbs a[href^='/promote/creators/']")
            with page.expect_download() as download:
                page.click("#invoices a:has-text('Download PDF')")
            saved = ARTIFACTS / "promote-invoice.pdf"
            download.value.save_as(str(saved))
            assert saved.read_bytes().startswith(b"%PDF")
            assert download.value.suggested_filename.endswith(".pdf")

            # the same pages in Simplified Chinese
            page.click(".topbar .locale-switch button[value=zh_Hans]")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            expect(page.locator("#invoices h2")).to_have_text("发票")
            _shot(page, "10-creator-zh")
            page.goto(order_url)
            expect(page.locator("h1 .badge")).to_have_text("已停止")
            _shot(page, "11-order-zh")
            page.click("nav.sidebar a[href='/promote']")
            _shot(page, "12-home-zh")
            page.click("#creators a:has-text('@mei.kitchen')")
            page.click("#new-order")
            page.click("#step-content button[type=submit]")
            expect(page.locator("#eligibility")).to_contain_text("符合资格")
            _shot(page, "13-wizard-zh")

            # an ineligible LIVE (not on air, and LIVE Promote is not launched in the US):
            # every reason is shown before any payment, and there is nothing to pay with
            page.click(".crumbs a[href^='/promote/creators/']")
            content_form = page.locator("#contents form")
            content_form.locator("select[name=kind]").select_option("live")
            content_form.locator("input[name=title]").fill("Friday cook-along")
            content_form.locator("button[type=submit]").click()
            page.locator("#content-list tr", has_text="Friday cook-along").locator(
                "a.button"
            ).click()
            reasons = page.locator("#eligibility ul.reasons li")
            expect(reasons).to_have_count(2)
            expect(page.locator("#eligibility")).to_contain_text("LIVE 必须正在直播或即将开始")
            expect(page.locator("#order-form")).to_have_count(0)
            _shot(page, "14-ineligible-zh")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()
