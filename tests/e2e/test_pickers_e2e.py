"""End to end, pickers: in Debian's chromium, typing "Indonesia" on the creator's region picks
Indonesia (it used to be a two-letter box that kept "In", stored as India), and in 简体中文 a
person chooses 印度尼西亚 (ID) from names sorted by pinyin; the account request's time-zone
picker names places in Chinese and fits a phone's width. Screenshots:
``test-artifacts/pickers-zh.png``, ``test-artifacts/pickers-request-zh.png``."""

from __future__ import annotations

from typing import Any

from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Server


def _new_creator(page: Any, handle: str) -> Any:
    form = page.locator("#new-creator form")
    form.locator("input[name=handle]").fill(handle)
    form.locator("input[name=birth_date]").fill("1994-06-15")
    return form


def test_choosing_a_country_in_english_and_chinese(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(server.base + "/login")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            page.goto(server.base + "/promote")

            # a person types the country's name on the picker: the browser finds it by name
            form = _new_creator(page, "ayu.typed")
            region = form.locator("select[name=region]")
            region.focus()
            page.keyboard.type("Indonesia")
            expect(region).to_have_value("ID")
            form.locator("button[type=submit]").click()
            expect(page.locator(".flash-success")).to_contain_text("@ayu.typed")
            page.goto(server.base + "/promote")
            expect(page.locator("tr", has_text="@ayu.typed")).to_contain_text("ID")

            # the same in 简体中文: names in Chinese, in pinyin order, chosen by name
            page.goto(server.base + "/promote")
            page.click("form.locale-switch button[value=zh_Hans]")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            form = _new_creator(page, "ayu.zh")
            region = form.locator("select[name=region]")
            launched = region.locator("optgroup").nth(0).locator("option").all_inner_texts()
            assert launched.index("巴西 (BR)") < launched.index("印度尼西亚 (ID)")
            others = region.locator("optgroup").nth(1).locator("option").all_inner_texts()
            assert others.index("阿根廷 (AR)") < others.index("冰岛 (IS)")
            assert others.index("冰岛 (IS)") < others.index("中国 (CN)")
            region.select_option(label="印度尼西亚 (ID)")
            expect(region).to_have_value("ID")
            ARTIFACTS.mkdir(exist_ok=True)
            form.screenshot(path=str(ARTIFACTS / "pickers-zh.png"))
            form.locator("button[type=submit]").click()
            expect(page.locator(".flash-success")).to_contain_text("@ayu.zh")
            page.goto(server.base + "/promote")
            row = page.locator("tr", has_text="@ayu.zh")
            expect(row).to_contain_text("印度尼西亚 (ID)")

            # the account request's three pickers, in Chinese
            page.goto(server.base + "/accounts/request")
            request = page.locator("#request-form")
            expect(request.locator("select[name=country]")).to_have_value("SG")
            zone = request.locator("select[name=timezone]")
            zone.select_option(label="印度尼西亚 · 雅加达 · UTC+07:00 (Asia/Jakarta)")
            expect(zone).to_have_value("Asia/Jakarta")
            page.set_viewport_size({"width": 420, "height": 900})  # a phone: the pickers fit
            for name in ("country", "currency", "timezone"):
                box = request.locator(f"select[name={name}]").bounding_box()
                assert box is not None
                assert box["x"] + box["width"] <= 420, (name, box)
            request.screenshot(path=str(ARTIFACTS / "pickers-request-zh.png"))
        finally:
            browser.close()
