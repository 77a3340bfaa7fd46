"""End to end, a refused form: the real server in a subprocess, Debian's chromium driven by
Playwright. The browser types a new creator born in the future and sends it; the same page
comes back with everything typed or chosen still in its field (the region picker included),
the birth date marked invalid with its message beside it and a summary at the top, in English
and in 简体中文; corrected, the form is done. Screenshots go to ``test-artifacts/form-error-*.png``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Server, csp_violations

FORM = "form[action='/promote/creators']"


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"form-error-{name}.png"), full_page=True)


FUTURE = "2099-05-17"


def _type_creator(page: Any, handle: str, birth: str) -> None:
    form = page.locator(FORM)
    form.locator("input[name=handle]").fill(handle)
    form.locator("input[name=display_name]").fill("Studio Mei 美")
    form.locator("input[name=birth_date]").fill(birth)
    form.locator("select[name=account_type]").select_option("business")
    form.locator("select[name=region]").select_option("ID")
    # the browser's own checks are not what is tested; the server's are
    form.evaluate("f => f.noValidate = true")
    form.locator("button[type=submit]").click()


def _check_refused(page: Any, handle: str, summary_title: str, reason: str, expect: Any) -> None:
    form = page.locator(FORM)
    birth = form.locator("input[name=birth_date]")
    expect(birth).to_have_value(FUTURE)
    expect(birth).to_have_attribute("aria-invalid", "true")
    described = birth.get_attribute("aria-describedby")
    assert described
    message = page.locator(f"#{described}")
    expect(message).to_be_visible()
    expect(message).to_contain_text(reason)  # in the reader's language, no English after it
    expect(form.locator("input[name=handle]")).to_have_value(handle)
    expect(form.locator("input[name=display_name]")).to_have_value("Studio Mei 美")
    expect(form.locator("select[name=region]")).to_have_value("ID")
    expect(form.locator("select[name=account_type]")).to_have_value("business")
    expect(form.locator(".form-errors")).to_contain_text(summary_title)
    expect(form.locator(".form-errors")).to_be_focused()  # in view wherever the form is
    expect(form.locator("input[name=handle]")).not_to_have_attribute("aria-invalid", "true")


def test_a_refused_form_keeps_what_was_typed_in_both_languages(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            violations = csp_violations(page)
            page.goto(base + "/login")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("h1")).to_have_text("Dashboard")

            page.goto(base + "/promote")
            handle = f"@mei.{uuid.uuid4().hex[:6]}"
            _type_creator(page, handle, FUTURE)
            expect(page).to_have_url(re.compile(r"/promote/creators$"))
            _check_refused(
                page, handle, "Please check what you entered", "birth date is in the future", expect
            )
            page.locator(FORM).locator("input[name=birth_date]").scroll_into_view_if_needed()
            _shot(page, "en")

            # corrected on the page shown again: done
            page.locator(FORM).locator("input[name=birth_date]").fill("1990-05-17")
            page.locator(FORM).locator("button[type=submit]").click()
            expect(page).to_have_url(re.compile(r"/promote/creators/\d+$"))

            # in Simplified Chinese
            page.goto(base + "/promote")
            page.click("form.locale-switch button[lang=zh-Hans]")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            handle = f"@mei.{uuid.uuid4().hex[:6]}"
            _type_creator(page, handle, FUTURE)
            _check_refused(page, handle, "请检查您输入的内容", "出生日期不能晚于今天。", expect)
            expect(page.locator(FORM).locator(".form-errors")).not_to_contain_text("future")
            page.locator(FORM).locator("input[name=birth_date]").scroll_into_view_if_needed()
            _shot(page, "zh")
            assert not violations, violations
        finally:
            browser.close()
