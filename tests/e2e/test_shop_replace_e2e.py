"""End to end, Shop replace: the real server in a subprocess, Debian's chromium driven by
Playwright. A live ¥138 product sold at ¥117.30 (15 % off) is replaced by a ¥188 one: the
enrollment's form leads to the confirmation page (¥159.80, still 15 % off, goes to review, every
activity touched), the confirmation replaces it, and the snapshot page undoes it. Screenshots
in English and 简体中文 go to ``test-artifacts/shop-replace-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.shop.service import catalog, offers, shops
from promodesk.tenancy import service as tenancy
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    csp_violations,
    running_server,
)

EMAIL, PASSWORD = "owner@shop-replace-e2e.example", "shop-replace-e2e-password"


def _seed(data_dir: Path) -> int:
    """The live enrollment of the ¥138 product, and the ¥188 one beside it."""
    db = Database(f"sqlite:///{data_dir / 'promodesk.db'}")
    try:
        with db.transaction() as uow:
            workspace = tenancy.create_workspace(uow, "replace-e2e", "月明食品", actor="e2e")
            tenancy.create_user(uow, EMAIL, PASSWORD, name="店长", workspace=workspace,
                                role="owner", actor="e2e")  # fmt: skip
            workspace_id = workspace.id
            now = clock.now()
            shop = shops.create_shop(uow, workspace_id, name="E2E 月饼小铺")
            activity = catalog.create_activity(
                uow, workspace_id, name="中秋节 · 替换",
                registration_starts_at=now - timedelta(days=3),
                registration_ends_at=now - timedelta(hours=1), starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=7),
            )  # fmt: skip
            old, _new = (
                shops.create_product(
                    uow,
                    workspace_id,
                    shop.id,
                    title=f"月饼礼盒 {yuan}",
                    price_minor=yuan * 100,
                    currency="CNY",
                    stock=80,
                )
                for yuan in (138, 188)
            )
            e = catalog.enroll(
                uow, workspace_id, activity.id, old.id, activity_price_minor=11730,
                activity_stock=40, ignore_registration_window=True,
            )  # fmt: skip
            catalog.review(uow, workspace_id, e.id, approve=True)
            offers.add_offer(uow, workspace_id, e.id, kind="coupon", title="满99减10",
                                      value_minor=1000)  # fmt: skip
            return int(e.id)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def replace_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    data_dir = tmp_path_factory.mktemp("promodesk-replace-e2e")
    seeded: list[int] = []
    with running_server(
        data_dir, demo=False, before_serve=lambda: seeded.append(_seed(data_dir))
    ) as server:
        yield server, seeded[0]


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"shop-replace-{name}.png"), full_page=True)


def test_replace_previews_confirms_and_undoes(replace_server: tuple[Server, int]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, enrollment_id = replace_server
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

            page.goto(base + f"/shop/enrollments/{enrollment_id}")
            page.select_option(
                "#replace-form select[name=product_id]", label="月饼礼盒 188 · CN¥188.00"
            )
            page.click("#replace-preview")
            expect(page.locator("#replace-new-price")).to_have_text("CN¥159.80")
            expect(page.locator("#replace-new-discount")).to_have_text("15.00 %")
            expect(page.locator("#replace-review")).to_contain_text("review")
            expect(page.locator("#replace-touched tr[data-effect=enrolled]")).to_have_count(1)
            _shot(page, "01-confirm-en")

            page.click("#confirm-replace")
            expect(page.locator(".flash-success")).to_contain_text("CN¥159.80")
            expect(page.locator("h1")).to_contain_text("月饼礼盒 188")
            _shot(page, "02-replaced-en")

            # undo, in 简体中文: the old enrollment's snapshot, then restore
            page.click(".locale-switch button[value=zh_Hans]")
            page.goto(base + f"/shop/enrollments/{enrollment_id}")
            expect(page.locator("h1")).to_contain_text("月饼礼盒 138")
            page.click("#snapshots a")
            expect(page.locator("#restore-replace")).to_contain_text("撤销替换")
            _shot(page, "03-snapshot-zh")
            page.click("#restore-button")
            expect(page.locator(".flash-success")).to_be_visible()
            expect(page.locator("h1")).to_contain_text("月饼礼盒 138")
            expect(page.locator("h1 [data-state=live]")).to_be_visible()
            _shot(page, "04-restored-zh")
            # the undone replacement may be chosen again
            expect(page.locator("#replace-form option")).to_have_count(1)
            assert violations == [], "pages broke the Content-Security-Policy"
        finally:
            browser.close()
