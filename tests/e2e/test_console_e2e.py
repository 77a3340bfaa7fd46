"""End to end: the real server in a subprocess, Debian's chromium driven by Playwright.

``promodesk migrate``, ``demo`` and ``serve`` run exactly as a user runs them (SQLite in a
temporary data dir). The browser logs in as the demo user, switches to 简体中文, opens the
jobs page, watches a demo operation's live bar and logs out; an API key from
``promodesk keys create`` calls the API. Screenshots of the key pages go to
``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import re
import time

import httpx

from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG
from promodesk.kit.db import Database
from promodesk.kit.jobs import enqueue
from promodesk.models import Job
from promodesk.tenancy import service as tenancy
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    STARTUP_GUARD_SECONDS,
    Server,
    cli,
    csp_violations,
)


def _failing_job(server: Server) -> int:
    """A job with no handler and one attempt: the server's own worker makes it dead."""
    db = Database(f"sqlite:///{server.data_dir / 'promodesk.db'}")
    try:
        with db.transaction() as uow:
            ws = tenancy.get_workspace(uow, DEMO_SLUG)
            job_id = enqueue(
                uow, "e2e.no_such_handler", {"why": "e2e"}, workspace_id=ws.id, max_attempts=1
            ).id
        deadline = time.monotonic() + STARTUP_GUARD_SECONDS
        while time.monotonic() < deadline:
            with db.transaction() as uow:
                job = uow.session.get(Job, job_id)
                if job is not None and job.status == "dead":
                    return job_id
            time.sleep(0.2)
        raise AssertionError(f"the worker did not run job {job_id}")
    finally:
        db.dispose()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_browser_journey(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")
            violations = csp_violations(page)
            page.goto(base + "/")
            expect(page).to_have_url(re.compile(r"/login"))
            _shot(page, "01-login-en")
            page.fill("input[name=email]", DEMO_EMAIL)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("h1")).to_have_text("Dashboard")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            _shot(page, "02-dashboard-en")

            # switch to Simplified Chinese from the top bar
            page.click(".topbar .locale-switch button[value=zh_Hans]")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            expect(page.locator("h1")).to_have_text("概览")
            _shot(page, "03-dashboard-zh")

            job_id = _failing_job(server)
            page.click("nav.sidebar a[href='/jobs']")
            expect(page.locator("h1")).to_have_text("任务")
            expect(page.locator("nav.filters")).to_contain_text("已失败")
            # a job kind without a label is humanised; the code stays in the tooltip
            dead = page.locator("tr.row-dead").first
            expect(dead).to_contain_text("E2e no such handler")
            expect(dead.locator("[title='e2e.no_such_handler']")).to_have_count(1)
            _shot(page, "04-jobs-zh")

            # re-running a dead job: a preview first, then the confirmation
            page.click(f"a[href='/jobs/{job_id}/retry']")
            expect(page.locator("h1")).to_have_text(f"要重试任务 {job_id} 吗？")
            _shot(page, "05-job-retry-preview-zh")
            page.click("form.actions-row button[type=submit]")
            expect(page.locator(".flash-success")).to_have_text(f"任务 {job_id} 已重新排队运行。")

            # a demo operation: the live bar moves without reloading the page
            page.click("nav.sidebar a[href='/operations']")
            page.click("form[action='/operations/demo'] button")
            expect(page.locator("h1")).to_contain_text("计数到")  # the title, translated
            bar = page.locator(".progress-big .progress-fill")
            page.wait_for_function(
                "() => { const el = document.querySelector('[data-field=done]');"
                " return el && Number(el.textContent) >= 5; }",
                timeout=60_000,
            )
            page.wait_for_timeout(500)  # let the bar's width transition settle for the picture
            _shot(page, "06-operation-running-zh")
            expect(page.locator("h1 .badge")).to_have_text("成功", timeout=60_000)
            expect(bar).to_have_attribute("style", re.compile(r"width: 100(\.0)?%"))
            _shot(page, "07-operation-done-zh")

            # an API key: created once, then revoked after a confirmation
            page.click("nav.sidebar a[href='/keys']")
            page.fill("input[name=name]", "e2e")
            page.select_option("select[name=role]", "viewer")
            page.click("form[action='/keys'] button[type=submit]")
            expect(page.locator("#new-key")).to_contain_text("pdk_")
            _shot(page, "08-key-created-zh")
            page.click("a.button[href='/keys']")
            page.click("a.danger[href$='/revoke']")
            _shot(page, "09-key-revoke-preview-zh")
            page.click("form.actions-row button[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text("已吊销")
            page.click("nav.sidebar a[href='/audit']")
            expect(page.locator("table")).to_contain_text("已吊销 API 密钥")  # api_key.revoked
            expect(page.locator("table [title='api_key.revoked']")).to_have_count(1)
            _shot(page, "10-audit-zh")

            page.click(".topbar form.logout button")
            expect(page).to_have_url(re.compile(r"/login$"))
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            expect(page.locator(".flash")).to_have_text("您已退出登录。")
            _shot(page, "11-login-zh")
            page.goto(base + "/jobs")
            expect(page).to_have_url(re.compile(r"/login\?next=%2Fjobs"))

            # the same console on a phone
            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            violations += csp_violations(phone)
            phone.goto(base + "/login")
            phone.fill("input[name=email]", DEMO_EMAIL)
            phone.fill("input[name=password]", DEMO_PASSWORD)
            phone.click("form.stack button[type=submit]")
            expect(phone.locator("h1")).to_have_text("概览")  # the choice stuck to the user
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
            _shot(phone, "12-dashboard-phone-zh")
            phone.goto(base + "/jobs")
            _shot(phone, "13-jobs-phone-zh")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()


def test_api_call_with_a_key_from_the_cli(server: Server) -> None:
    base, env = server.base, server.env
    key = cli(env, "keys", "create", "-w", "demo", "--role", "admin").strip()
    assert key.startswith("pdk_")
    response = httpx.get(
        base + "/api/v1/workspaces/current", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["role"]) == ("demo", "admin")
    assert httpx.get(base + "/api/v1/workspaces/current").status_code == 401
