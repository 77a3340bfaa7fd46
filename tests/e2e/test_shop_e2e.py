"""End to end, Shop: the real server (with its embedded worker) in a subprocess, Debian's
chromium driven by Playwright.

Before the server starts, the demo workspace gets a shop and a 中秋节 activity whose low-traffic
window covers the current time in the shop's zone (so "now" is inside the window) and whose
verification delay is 0 minutes (the worker verifies as soon as the batch finishes). The browser
selects four products (one over the 30 % limit), previews, confirms and sees the refusal with
the alternatives, chooses "stock to zero" for one and sees the delist job scheduled, sets
the stock of two more to zero from the multi-select (one already zeroed is refused on its
own), cancels one product in the window and watches the verification pass, then issues
compensation coupons to its followers and publishes an announcement with a replacement product
that the storefront shows. Screenshots in English
and 简体中文 go to ``test-artifacts/shop-*.png``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.shop.service import catalog, offers, shops
from promodesk.tenancy import service as tenancy
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    STARTUP_GUARD_SECONDS,
    Server,
    csp_violations,
    running_server,
)

TZ = "Asia/Shanghai"
ACTIVITY = "中秋节 · E2E"
# Its own workspace and owner (not ``promodesk demo``: the other features' demo jobs would
# compete for the SQLite file while the browser works).
EMAIL, PASSWORD = "owner@shop-e2e.example", "shop-e2e-password"
#: a code as it would leak into visible text: snake_case or SCREAMING_CASE
RAW_CODE = re.compile(r"\b(?:[a-z]+(?:_[a-z0-9]+)+|[A-Z]+(?:_[A-Z0-9]+)+)\b")


def _seed(data_dir: Path) -> int:
    """A shop with ten approved products in an activity whose window is open now."""
    db = Database(f"sqlite:///{data_dir / 'promodesk.db'}")
    try:
        with db.transaction() as uow:
            workspace = tenancy.create_workspace(uow, "shop-e2e", "月明食品 e2e", actor="e2e")
            tenancy.create_user(uow, EMAIL, PASSWORD, name="店长", workspace=workspace,
                                role="owner", actor="e2e")  # fmt: skip
            workspace_id = workspace.id
            now = clock.now()
            local = now.astimezone(ZoneInfo(TZ))
            minute = local.hour * 60 + local.minute
            shop = shops.create_shop(uow, workspace_id, name="E2E 月饼小铺", timezone=TZ)
            shops.add_member(uow, workspace_id, shop.id, name="运营", role="operations",
                                       email="ops@e2e.example")  # fmt: skip
            activity = catalog.create_activity(
                uow, workspace_id, name=ACTIVITY, registration_starts_at=now - timedelta(days=3),
                registration_ends_at=now + timedelta(days=2), starts_at=now + timedelta(days=2),
                ends_at=now + timedelta(days=9), low_traffic_start_minute=(minute - 60) % 1440,
                low_traffic_end_minute=(minute + 120) % 1440, verification_delay_minutes=0,
                delist_delay_minutes=24 * 60,
            )  # fmt: skip
            for n in range(10):
                p = shops.create_product(
                    uow, workspace_id, shop.id, title=f"E2E 月饼 {n + 1:02d}", price_minor=12800,
                    currency="CNY", stock=80,
                )  # fmt: skip
                e = catalog.enroll(uow, workspace_id, activity.id, p.id, activity_price_minor=9900,
                                           activity_stock=40)  # fmt: skip
                catalog.review(uow, workspace_id, e.id, approve=True)
                offers.add_offer(uow, workspace_id, e.id, kind="coupon", title="满99减10",
                                          value_minor=1000)  # fmt: skip
                offers.record_traffic(uow, workspace_id, e.id, views=500 - n * 20, orders=20 - n)
                if n == 0:  # the product cancelled in the window: its followers get coupons
                    shops.add_followers(uow, workspace_id, p.id, [f"buyer-{k}" for k in range(12)])
            return int(activity.id)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def shop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    data_dir = tmp_path_factory.mktemp("promodesk-shop-e2e")
    seeded: list[int] = []
    with running_server(
        data_dir, demo=False, before_serve=lambda: seeded.append(_seed(data_dir))
    ) as server:
        yield server, seeded[0]


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"shop-{name}.png"), full_page=True)


def _select(page: Any, titles: list[str]) -> None:
    for title in titles:
        page.locator(f"#enrollments tr:has-text('{title}') input[name=e]").check()


def test_shop_journey(shop_server: tuple[Server, int]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, activity_id = shop_server
    base = server.base
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
            page.click("nav.sidebar a[href='/shop']")
            expect(page.locator("h1")).to_have_text("My activities")
            page.select_option("#filters select[name=activity_id]", str(activity_id))
            page.click("#filters button[type=submit]")
            expect(page.locator("#enrollments input[name=e]")).to_have_count(10)
            _shot(page, "01-my-activities-en")

            # four of ten: 40 % > 30 %, the preview says it would be refused
            _select(page, [f"E2E 月饼 {n:02d}" for n in (1, 2, 3, 4)])
            page.click("#preview-selected")
            expect(page.locator("h1")).to_have_text("Cancel preview")
            expect(page.locator("#refusal-warning")).to_be_visible()
            expect(page.locator(".violation[data-rule=max_cancel_ratio]").first).to_contain_text(
                "4 of 10"
            )
            expect(page.locator(".timing").first).to_contain_text("Now is the low-traffic window")
            _shot(page, "02-preview-refused-en")
            page.click("#confirm-cancel")
            expect(page.locator("h1")).to_have_text("Cancel refused")
            expect(page.locator("#refusal-alternatives")).to_contain_text("Stock to zero")
            _shot(page, "03-refusal-en")

            # the alternative: stock to zero for one product; the delist job is scheduled
            row = page.locator("#preview-items tr:has-text('E2E 月饼 04')")
            row.locator("button[data-stock-zero]").click()
            expect(page.locator(".flash-success")).to_contain_text("Stock is zero")
            expect(page.locator("#delist-notice")).to_contain_text("delist job runs at")
            _shot(page, "04-stock-zero-en")
            page.goto(base + "/jobs")
            expect(page.locator("main")).to_contain_text("Shop: delist after stock to zero")

            # stock to zero for several at once from the multi-select: one is zeroed already
            page.goto(base + f"/shop?activity_id={activity_id}")
            _select(page, [f"E2E 月饼 {n:02d}" for n in (4, 6, 7)])
            page.click("#stock-zero-selected")
            expect(page.locator("h1")).to_have_text("Stock to zero: preview")
            expect(page.locator("#stock-zero-items tr[data-ok=yes]")).to_have_count(2)
            expect(page.locator("tr[data-code=ALREADY_STOCK_ZEROED]")).to_have_count(1)
            page.click("#confirm-stock-zero")
            expect(page.locator(".flash-warning")).to_contain_text("2 products are stock-zeroed")
            expect(page.locator("#stock-zero-items tr[data-ok=yes]")).to_have_count(2)
            _shot(page, "04b-stock-zero-several-en")

            # one product in the window (now): cancelled, verified by the worker
            page.goto(base + f"/shop?activity_id={activity_id}")
            _select(page, ["E2E 月饼 01"])
            page.click("#preview-selected")
            expect(page.locator(".verdict[data-verdict=ok]")).to_have_count(1)
            page.select_option("#cancel-form select[name=reason]", "stock_shortage")
            page.click("#confirm-cancel")
            expect(page.locator(".flash-success")).to_contain_text("1 products are cancelled")
            deadline = time.monotonic() + STARTUP_GUARD_SECONDS
            while page.locator("#verification-result").count() == 0:
                assert time.monotonic() < deadline, "verification never ran"
                time.sleep(0.5)
                page.reload()
            expect(page.locator("#verification-result")).to_contain_text("Passed")
            _shot(page, "05-verified-en")
            batch_url = page.url

            # remediation: coupons for the followers, an announcement on the shop's page
            page.goto(base + f"/shop?activity_id={activity_id}")
            page.click("#enrollments a:has-text('E2E 月饼 01')")
            page.fill("#compensation-form input[name=value]", "10")
            page.click("#issue-coupons")
            # the confirmation: count × value = total cost, before anything is issued
            expect(page.locator("#compensation-total")).to_contain_text("12 × CN¥10.00 = CN¥120.00")
            _shot(page, "05a-compensation-confirm-en")
            page.click("#confirm-coupons")
            expect(page.locator(".flash-success")).to_contain_text("12 compensation coupons")
            expect(page.locator("#compensations")).to_contain_text("CN¥10.00")
            _shot(page, "05a-compensation-en")
            page.click("#announce-link")
            page.fill("#announce-form input[name=title]", "E2E 月饼 01 暂停中秋活动")
            page.fill("#announce-form textarea[name=body]", "抱歉!请选择替代商品。")
            page.check("#replacement-products label:has-text('E2E 月饼 09') input")
            page.click("#publish")
            expect(page.locator(".flash-success")).to_contain_text("1 replacement products")
            page.click("#storefront-link")
            expect(page.locator(".announcement").first).to_contain_text("暂停中秋活动")
            expect(page.locator(".announcement .replacements")).to_contain_text("E2E 月饼 09")
            _shot(page, "05b-storefront-en")

            page.goto(base + "/shop/review")  # the retrospective (复盘)
            page.click(f"#review-list a:has-text('{ACTIVITY}')")
            expect(page.locator("#ratio")).to_have_text("10.0%")
            expect(page.locator("svg").first).to_be_visible()
            _shot(page, "06-review-en")

            # 简体中文
            page.click(".locale-switch button[value=zh_Hans]")
            page.goto(base + f"/shop?activity_id={activity_id}")
            expect(page.locator("h1")).to_have_text("我的活动")
            _shot(page, "07-my-activities-zh")
            _select(page, [f"E2E 月饼 {n:02d}" for n in (2, 3, 5)])
            page.click("#preview-selected")
            expect(page.locator("h1")).to_have_text("取消预览")
            expect(page.locator("#refusal-warning")).to_contain_text("此次取消将被拒绝")
            _shot(page, "08-preview-zh")
            page.goto(batch_url)
            expect(page.locator("#verification-result")).to_contain_text("通过")
            _shot(page, "09-verified-zh")

            # shop pages in 简体中文: labels, never raw codes; the shop's zone, named
            page.goto(base + f"/shop?activity_id={activity_id}")
            page.click("#enrollments a:has-text('E2E 月饼 04')")
            expect(page.locator("#page-zone")).to_have_text(
                re.compile(r"时间均为店铺时区：中国时间（Asia/Shanghai，UTC\+08:00）")
            )
            expect(page.locator("main")).to_contain_text("库存调零")
            _shot(page, "10-enrollment-zh")
            for url in (page.url, batch_url, base + "/shop/batches", base + "/shop/snapshots"):
                page.goto(url)
                shown = page.locator("main").inner_text()
                assert RAW_CODE.findall(shown) == [], (url, RAW_CODE.findall(shown))
                assert not re.search(r"\d\d:\d\d:\d\d UTC", shown), url
                expect(page.locator("#page-zone")).to_have_attribute("data-zone", TZ)
            _shot(page, "11-snapshots-zh")
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()
