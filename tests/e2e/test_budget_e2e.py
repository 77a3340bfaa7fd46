"""End to end, freed budget (seed step 5): the real server in demo mode (the TikTok sandbox
mounted on it), Debian's chromium driven by Playwright.

The demo workspace gets 500.00 USD of freed budget in the pool of its agency-paid ad account (what a
cancellation would have posted). The owner opens Budget, sees the pool and the balances TikTok
reports, opens "Reallocate…", gives two campaigns an amount each, sees before → after and the
pool left, confirms, and lands on the result: both budgets raised and verified by read-back,
the pool down by exactly the total. Then the same page in 简体中文. Screenshots go to
``test-artifacts/budget-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from promodesk.campaigns.service import freed
from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG
from promodesk.kit.db import Database
from promodesk.models import AdAccountAllocation, TikTokAdAccount
from promodesk.tenancy.repository import TenancyRepository
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    csp_violations,
    running_server,
)

POOL: dict[str, str] = {}


def _seed_pool(data_dir: Path) -> None:
    """500.00 in the pool of the demo's first USD ad account (the advertiser's pool already
    holds what the demo's past cancellations freed), as a cancellation posts it."""
    db = Database(f"sqlite:///{data_dir / 'promodesk.db'}")
    try:
        with db.transaction() as uow:
            workspace = TenancyRepository(uow).workspace_by_slug(DEMO_SLUG)
            assert workspace is not None
            for alloc in uow.session.scalars(
                select(AdAccountAllocation).where(AdAccountAllocation.workspace_id == workspace.id)
            ):
                account = uow.session.get(TikTokAdAccount, alloc.ad_account_id)
                if account is not None and account.currency == "USD":
                    pool = freed.pool_of(None, account.id, "USD")
                    freed.post_freed(uow, workspace.id, pool, 500_00, "item:e2e", memo="e2e")
                    POOL["key"] = freed.key_of(pool)
                    return
        raise AssertionError("the demo has no USD advertiser")
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("promodesk-budget-e2e")
    with running_server(
        data_dir, before_serve=lambda: _seed_pool(data_dir), PROMODESK_DEMO="1"
    ) as server:
        yield server


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"budget-{name}.png"), full_page=True)


def _money(text: str) -> int:
    """ "$1,234.50" → 123450 (minor units)."""
    digits = re.sub(r"[^0-9.]", "", text)
    whole, _, cents = digits.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def test_reallocate_freed_budget_in_the_browser(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    key = POOL["key"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        violations = csp_violations(page)
        page.goto(server.base + "/login")
        page.fill("input[name=email]", DEMO_EMAIL)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")

        page.goto(server.base + "/budget")
        pool_row = page.locator(f'tr[data-pool="{key}"]')
        expect(pool_row).to_contain_text("$500.00")
        # the agency-paid USD account's balance comes from the sandbox's Business Center
        expect(page.locator("#budget-table td.balance").first).not_to_contain_text("Unavailable")
        _shot(page, "view")

        pool_row.get_by_role("link", name="Reallocate…").click()
        expect(page.locator("h1")).to_contain_text("Reallocate freed budget")
        rows = page.locator("#reallocate-form tbody tr")
        # The demo's campaigns arrive with its first sync, which may still be running on a
        # busy machine: the page lists them once they are mirrored.
        for _ in range(120):
            if rows.count() >= 2:
                break
            page.wait_for_timeout(1000)
            page.reload()
        first, second = rows.nth(0), rows.nth(1)
        before = [_money(r.locator("td.num").first.inner_text()) for r in (first, second)]
        first.locator("input").fill("120.00")
        second.locator("input").fill("80.50")
        _shot(page, "choose")

        page.click("#preview-reallocation")
        expect(page.locator("#pool-change")).to_contain_text("$500.00 → $299.50")
        after = page.locator("#reallocation-preview tbody tr td.num strong")
        assert [_money(after.nth(i).inner_text()) for i in range(2)] == [
            before[0] + 120_00,
            before[1] + 80_50,
        ]
        _shot(page, "preview")

        page.click("#confirm-reallocation")
        expect(page.locator("#reallocation-status")).to_have_text("Done")
        expect(page.locator('tr[data-status="done"]')).to_have_count(2)
        expect(page.locator("#reallocation-result")).to_contain_text("Verified")
        _shot(page, "result")

        page.goto(server.base + "/budget")
        expect(page.locator(f'tr[data-pool="{key}"]')).to_contain_text("$299.50")
        page.click(".topbar .locale-switch button[value=zh_Hans]")
        expect(page.locator("h1")).to_have_text("预算")
        expect(page.locator(f'tr[data-pool="{key}"]')).to_contain_text("US$299.50")
        _shot(page, "view-zh")
        assert violations == []
        browser.close()
