"""End to end, Accounts (issue 4): the real server in demo mode in a subprocess, Debian's
chromium driven by Playwright.

Demo mode mounts the TikTok sandbox at ``/sandbox`` of the same server, and the connector
points at it (``http://{PROMODESK_HOST}:{PROMODESK_PORT}/sandbox``), so the subprocess gets
the host and port it listens on. A new user of a new workspace (not ``promodesk demo``: its
seeded ad accounts would make the list non-empty) imports three of the sandbox's five
advertisers through the authorization popup, creates a client account and an advertiser,
allocates an ad account (payment mode "agency"), starts "Sync campaigns" and watches the live
bar reach the end, then allocates two campaigns. Screenshots go to
``test-artifacts/accounts-*.png``.

The server runs on PostgreSQL: on SQLite a sync job holds the write lock through each step's
TikTok calls and claims its next step at once, so every console request (the live bar's own
poll included) waits until the whole sync is over.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from promodesk.kit.db import Database
from promodesk.sandbox import generate as gen
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

EMAIL, PASSWORD = "owner@accounts-e2e.example", "accounts-e2e-password"
APPROVED = [gen.advertiser_id(i) for i in range(3)]  # of the demo sandbox's five
LEFT_OUT = [gen.advertiser_id(i) for i in (3, 4)]
CLIENT, ADVERTISER = "Lotus Tea 莲花茶", "Lotus Tea Online"
SYNC_STEP_SECONDS = 0.5  # the sandbox's delay per call, so each step of the bar can be seen


def _seed(url: str) -> None:
    """A new workspace and its owner: no ad accounts, no client accounts."""
    db = Database(url)
    try:
        with db.transaction() as uow:
            workspace = tenancy.create_workspace(uow, "accounts-e2e", "莲花 Agency", actor="e2e")
            tenancy.create_user(uow, EMAIL, PASSWORD, name="Mei", workspace=workspace,
                                role="owner", actor="e2e")  # fmt: skip
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    needs_chromium()
    with (
        own_database_url("postgres", "pd_e2e_accounts", migrate=False) as url,
        running_server(
            tmp_path_factory.mktemp("promodesk-accounts-e2e"),
            demo=False,
            before_serve=lambda: _seed(url),
            PROMODESK_DATABASE_URL=url,
            PROMODESK_DEMO="1",
            PROMODESK_HOST="127.0.0.1",
            # no periodic sync: the only sync is the one the browser starts
            PROMODESK_ACCOUNTS_SYNC_INTERVAL_MINUTES="0",
            # small pages, one per step, so the bar moves in steps the browser can see
            PROMODESK_ACCOUNTS_PAGES_PER_STEP="1",
            PROMODESK_TIKTOK_PAGE_SIZE="10",
        ) as server,
    ):
        yield server


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"accounts-{name}.png"), full_page=True)


def _import_through_popup(page: Any) -> None:
    from playwright.sync_api import expect

    with page.expect_popup() as popup_info:
        page.click("#import-tiktok")
    popup = popup_info.value
    popup.wait_for_load_state()
    # TikTok's (the sandbox's) authorization page, reached through /accounts/tiktok/authorize
    expect(popup).to_have_url(re.compile(r"/sandbox/portal/auth\?"))
    expect(popup.locator("input[name=advertiser_ids]")).to_have_count(5)
    for advertiser_id in LEFT_OUT:
        popup.uncheck(f"input[name=advertiser_ids][value='{advertiser_id}']")
    _shot(popup, "02-popup-authorize")
    popup.click("#approve")
    # back in the console, still in the popup: confirm the import (a CSRF-checked POST)
    expect(popup).to_have_url(re.compile(r"/accounts/tiktok/callback\?.*auth_code="))
    expect(popup.locator("h1")).to_have_text("Import TikTok account")
    popup.click("#confirm-import")
    expect(popup.locator("#import-done .flash-success")).to_have_text(
        "Successfully added TikTok accounts"
    )
    expect(popup.locator("#import-done")).to_contain_text("3 new, 0 updated.")
    _shot(popup, "03-popup-imported")
    # "Close" reloads the list behind the popup and closes it
    with page.expect_navigation(), popup.expect_event("close"):
        popup.click("#close-popup")
    assert popup.is_closed()


def test_accounts_journey(demo_server: Server) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    base = demo_server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            page = context.new_page()
            violations = csp_violations(context)
            page.goto(base + "/login")
            page.fill("input[name=email]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("h1")).to_have_text("Dashboard")
            page.click("nav.sidebar a[href='/accounts']")
            expect(page.locator("h1")).to_have_text("Accounts")
            expect(page.locator("main")).to_contain_text("No TikTok ad accounts yet")
            _shot(page, "01-empty")

            _import_through_popup(page)
            rows = page.locator("#ad-accounts tbody tr")
            expect(rows).to_have_count(3)
            for advertiser_id in APPROVED:
                expect(page.locator(f"tr[data-advertiser-id='{advertiser_id}']")).to_contain_text(
                    "Not allocated"
                )
            for advertiser_id in LEFT_OUT:
                expect(page.locator(f"tr[data-advertiser-id='{advertiser_id}']")).to_have_count(0)
            _shot(page, "04-imported-list")

            # a client account with an advertiser
            page.fill("#new-client input[name=name]", CLIENT)
            page.click("#new-client button[type=submit]")
            expect(page.locator("h1")).to_contain_text(CLIENT)
            page.fill("#new-advertiser input[name=name]", ADVERTISER)
            page.click("#new-advertiser button[type=submit]")
            expect(page.locator("#advertisers tr[data-advertiser]")).to_contain_text(ADVERTISER)

            # allocate the first approved ad account to it, the agency pays
            page.click("nav.sidebar a[href='/accounts']")
            account_row = page.locator(f"tr[data-advertiser-id='{APPROVED[0]}']")
            account_row.locator("a", has_text="Allocate account").click()
            expect(page.locator("h1")).to_contain_text(APPROVED[0])
            ad_account_url = page.url
            page.select_option("#allocate-form select[name=advertiser_id]", label=(
                f"{CLIENT} / {ADVERTISER}"))  # fmt: skip
            page.select_option("#allocate-form select[name=payment_mode]", "agency")
            page.click("#allocate-form button[type=submit]")
            expect(page.locator(".flash-success")).to_have_text("The ad account is allocated.")
            allocated = page.locator("#allocations table tbody tr")
            expect(allocated).to_have_count(1)
            expect(allocated).to_contain_text(CLIENT)
            expect(allocated).to_contain_text(ADVERTISER)
            expect(allocated).to_contain_text("agency")
            _shot(page, "05-allocated")

            # "Sync campaigns": the sandbox answers slowly so the bar's steps show
            slow = httpx.post(
                base + "/sandbox/sandbox-admin/settings",
                json={"slow_rate": 1.0, "slow_seconds": SYNC_STEP_SECONDS},
            )
            assert slow.status_code == 200, slow.text
            page.select_option("#sync-form select[name=scope]", "campaigns")
            page.click("#confirm-sync")
            expect(page).to_have_url(re.compile(r"/operations/\d+$"))
            expect(page.locator("h1")).to_contain_text("Sync campaigns")
            expect(page.locator(".flash-success")).to_contain_text("The sync is queued")
            # the live page's own figures while it runs (its script reloads it once final):
            # the state badge follows the operation, the displayed percentage never drops and
            # stays below 100 until the end; "counting" only while the counts have caught up
            # with a total that may still grow
            seen: list[dict[str, Any]] = []
            shot = False
            deadline = time.monotonic() + 120
            while page.locator("h1 .badge").text_content() != "Succeeded":
                assert time.monotonic() < deadline, f"the sync did not finish: {seen}"
                try:
                    figures = page.evaluate(
                        "() => ({badge: document.querySelector('h1 .badge').textContent,"
                        " percent: document.querySelector('[data-field=percent]').textContent,"
                        " done: document.querySelector('[data-field=done]').textContent,"
                        " total: document.querySelector('[data-field=total]').textContent,"
                        " counting: !!document.querySelector('.op-counting'),"
                        " width: document.querySelector('.progress-big .progress-fill')"
                        ".style.width})"
                    )
                except PlaywrightError:  # the page reloads itself when the sync is over
                    continue
                if figures["badge"] == "Succeeded":
                    break
                seen.append(figures)
                if not shot and not figures["counting"] and float(figures["percent"]) > 0:
                    shot = True
                    page.wait_for_timeout(400)  # the bar's width transition, for the picture
                    _shot(page, "06-sync-running")
                page.wait_for_timeout(150)
            print("seen by the live page:", seen[:3], "…", seen[-3:])
            badges = [f["badge"] for f in seen]
            assert "Running" in badges, f"the badge never showed the run: {sorted(set(badges))}"
            assert set(badges) <= {"Queued", "Running"}, badges
            shown = [float(f["percent"]) for f in seen]
            assert shown == sorted(shown), f"the bar moved backwards: {shown}"
            assert max(shown) < 100, "100% before the sync was over"
            assert any(p > 0 for p in shown), f"the bar never showed a step: {seen}"
            done = [int(f["done"]) for f in seen]
            assert done == sorted(done), f"done went backwards: {done}"
            assert 0 < max(done) < 210, f"no step seen while it ran: {done}"
            for f in seen:
                if f["counting"]:  # no percentage claimed while the counts sit at the total
                    assert int(f["done"]) >= int(f["total"]) or f["badge"] == "Queued", f
            bar = page.locator(".progress-big .progress-fill")
            expect(bar).to_have_attribute("style", re.compile(r"width: 100(\.0)?%"))
            expect(page.locator(".progress-counting")).to_have_count(0)
            expect(page.locator("[data-field=percent]")).to_have_text(re.compile(r"^100(\.0)?$"))
            expect(page.locator("[data-field=failed]")).to_have_text("0")
            expect(page.locator("[data-field=total]")).to_have_text("210")  # 30 + 60 + 120
            page.wait_for_timeout(400)
            _shot(page, "07-sync-done")
            httpx.post(base + "/sandbox/sandbox-admin/settings", json={"slow_rate": 0.0})

            page.goto(ad_account_url)
            runs = page.locator("#sync-runs tbody tr")
            expect(runs).to_have_count(1)
            expect(runs).to_contain_text("campaigns")
            expect(runs).to_contain_text("campaigns 30")
            expect(runs).to_contain_text("ads 120")

            # allocate two campaigns of the synced ad account to the client's advertiser
            page.goto(base + "/campaigns")
            expect(page.locator("h1")).to_have_text("Campaigns")
            ad_account_id = ad_account_url.rsplit("/", 1)[1]
            page.select_option("#campaign-filter select[name=ad_account_id]", ad_account_id)
            page.check("#campaign-filter input[name=candidates]")
            page.click("#campaign-filter button[type=submit]")
            boxes = page.locator("#campaigns input[type=checkbox]")
            expect(boxes.first).to_be_visible()
            candidates = boxes.count()
            assert candidates >= 2
            names = [boxes.nth(i).get_attribute("aria-label") for i in (0, 1)]
            boxes.nth(0).check()
            boxes.nth(1).check()
            expect(page.locator("#allocate-campaigns select[name=pair]")).to_contain_text(
                f"{CLIENT} / {ADVERTISER}"
            )
            _shot(page, "08-campaign-candidates")
            page.click("#allocate-campaigns button[type=submit]")
            expect(page.locator(".flash-success")).to_have_text("2 campaign(s) allocated.")
            expect(page.locator("#campaigns input[type=checkbox]")).to_have_count(candidates - 2)
            page.uncheck("#campaign-filter input[name=candidates]")
            page.click("#campaign-filter button[type=submit]")
            for name in names:
                row = page.locator("#campaigns tbody tr", has_text=str(name))
                expect(row).to_contain_text(f"{CLIENT} / {ADVERTISER}")
            _shot(page, "09-campaigns-allocated")
            page.locator("#campaigns a", has_text=str(names[0])).first.click()
            expect(page.locator("#campaign-facts")).to_contain_text(f"{CLIENT} / {ADVERTISER}")
            _shot(page, "10-campaign")

            # a second ad account for the advertiser, made the client's default, then
            # deallocated: "Manage default TikTok accounts" opens to choose another default
            page.goto(base + "/accounts")
            page.locator(
                f"tr[data-advertiser-id='{APPROVED[1]}'] a", has_text="Allocate account"
            ).click()
            page.select_option("#allocate-form select[name=advertiser_id]", label=(
                f"{CLIENT} / {ADVERTISER}"))  # fmt: skip
            page.click("#allocate-form button[type=submit]")
            expect(page.locator(".flash-success")).to_have_text("The ad account is allocated.")
            second_url = page.url
            page.locator("#allocations a", has_text=CLIENT).click()
            page.check(f"#defaults li:has-text('{APPROVED[1]}') input[type=radio]")
            page.click("#defaults button[type=submit]")
            expect(page.locator(".flash-success")).to_have_text(
                "The default TikTok account is changed."
            )
            page.goto(second_url)
            page.locator("#allocations a", has_text="Deallocate").click()
            # the confirmation page says up front why it cannot be done yet
            expect(page.locator("#refusal")).to_contain_text(
                "This is the client account's default TikTok account."
            )
            expect(page.locator("#confirm-deallocate")).to_have_count(0)
            _shot(page, "11-deallocate-refused")
            page.click("#choose-default")
            dialog = page.locator("dialog#manage-defaults")
            expect(dialog).to_be_visible()
            expect(dialog).to_contain_text(f"is the default TikTok account of {CLIENT}")
            expect(dialog.locator("input[type=radio]")).to_have_count(1)
            _shot(page, "12-manage-default-dialog")
            page.click("#default-then-deallocate")
            expect(page.locator(".flash-success")).to_have_text(
                "The default TikTok account is changed and the ad account is deallocated."
            )
            expect(page.locator("#allocations")).to_contain_text("Not allocated")

            # allocated again, then deallocated through its confirmation page
            page.select_option("#allocate-form select[name=advertiser_id]", label=(
                f"{CLIENT} / {ADVERTISER}"))  # fmt: skip
            page.click("#allocate-form button[type=submit]")
            expect(page.locator(".flash-success")).to_have_text("The ad account is allocated.")
            page.locator("#allocations a", has_text="Deallocate").click()
            preview = page.locator("#deallocate-preview")
            expect(preview).to_contain_text(f"is no longer allocated to {ADVERTISER} of {CLIENT}")
            _shot(page, "13-deallocate-confirm")
            page.click("#confirm-deallocate")
            expect(page.locator(".flash-success")).to_have_text("The ad account is deallocated.")
            expect(page.locator("#allocations")).to_contain_text("Not allocated")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()
