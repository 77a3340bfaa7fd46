"""End to end, rules: in Debian's chromium a member creates a rule with the form, simulates it
on the stored history, enables it and reads its page, in English and 简体中文. Screenshots:
``test-artifacts/rules-form.png``, ``test-artifacts/rules-simulate-zh.png``,
``test-artifacts/rules-list-zh.png``."""

from __future__ import annotations

from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Server


def test_create_simulate_and_enable_a_rule(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(server.base + "/login")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")

            page.goto(server.base + "/rules")
            expect(page.locator("h1")).to_contain_text("Rules")
            expect(page.locator("table")).to_contain_text("Demo: sold out")
            page.click("text=New rule")
            form = page.locator("form.form")
            form.locator("input[name=name]").fill("Spend without results")
            form.locator("select[name=channel]").select_option("tiktok_campaign")
            form.locator("input[name=value_0]").fill("20")
            form.locator("input[name=emails]").fill("ops@agency.example")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "rules-form.png"), full_page=True)
            form.locator("button[type=submit]").click()
            expect(page.locator(".flash-success")).to_contain_text("simulate it")

            page.click("form[action$='/simulate'] button[type=submit]")
            expect(page.locator("h1")).to_contain_text("Simulation")
            page.go_back()
            page.click("form[action$='/enable'] button[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text("enabled")
            expect(page.locator("h1")).to_contain_text("Enabled")

            page.click("form.locale-switch button[value=zh_Hans]")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            page.click("form[action$='/simulate'] button[type=submit]")
            expect(page.locator("h1")).to_contain_text("模拟结果")
            page.screenshot(path=str(ARTIFACTS / "rules-simulate-zh.png"), full_page=True)
            page.goto(server.base + "/rules")
            expect(page.locator("table")).to_contain_text("已启用")
            page.screenshot(path=str(ARTIFACTS / "rules-list-zh.png"), full_page=True)
        finally:
            browser.close()
