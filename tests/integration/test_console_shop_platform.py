"""Console: what a cancel sent to the platform, on SQLite and PostgreSQL. A linked shop (the
shop sandbox over HTTP) cancels two products; the batch page links to its calls; the calls
page shows each call's products, status, platform request_id and read-back, its times in the
shop's time zone named on the page, in English and 简体中文. A batch of an unlinked shop has no
call; another workspace's batch is not found; the shop pages of a linked shop name its zone."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

import promodesk.shop.jobs  # noqa: F401  (registers the platform handlers)
from promodesk.kit.db import Database
from promodesk.models import ShopActivity, ShopEnrollment
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service.platform_sync import steps
from promodesk.tenancy.repository import TenancyRepository
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.integration.test_console_support import console_client, log_in, new_member
from tests.shop_platform_support import link_shop, sandbox_platform

TZ = "America/Los_Angeles"
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(America/Los_Angeles\)")


def test_a_cancels_calls_to_the_platform_in_the_console(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    ws = member.workspace.id
    with db.read() as uow:
        found = TenancyRepository(uow).user_by_email(member.email)
        assert found is not None
        user_id = found.id
    with sandbox_platform(shops=1, products=40, activities=4, enrollments=10) as sb:
        with db.transaction() as uow:
            shop_id = f.shop(uow, ws, timezone=TZ).id
            f.shop(uow, ws, timezone="Asia/Shanghai")  # the workspace's shops differ in zone
        link_shop(db, ws, shop_id, sb)
        with db.transaction() as uow:
            steps.start_sync(uow, ws, shop_id, actor="test")
        drain(db, ws)
        world = sb.sandbox.world
        now = world.now()
        target = next(
            a for a in world.activities.values() if a.status(now) == "ONGOING" and not a.immutable
        )
        with db.transaction() as uow:
            activity = uow.session.execute(
                select(ShopActivity).where(
                    ShopActivity.platform_shop_id == shop_id,
                    ShopActivity.platform_activity_id == target.id,
                )
            ).scalar_one()
            activity_name = activity.name
            chosen = list(
                uow.session.execute(
                    select(ShopEnrollment.id).where(ShopEnrollment.activity_id == activity.id)
                ).scalars()
            )[:2]
        with db.transaction() as uow:
            batch = batch_service.cancel_now(
                uow,
                ws,
                batch_service.Selection(enrollment_ids=chosen),
                reason="stock_shortage",
                actor=f"user:{user_id}",
                role="admin",
            )
            batch_id = batch.id
        drain(db, ws)

    client = console_client(db, tmp_path)
    log_in(client, member)
    page = client.get(f"/shop/batches/{batch_id}")
    assert page.status_code == 200
    assert 'id="platform-writes"' in page.text
    assert "All 1 calls to the platform were verified" in page.text
    assert f'href="/shop/batches/{batch_id}/platform"' in page.text
    assert f"user:{user_id}" not in page.text  # who cancelled, as a person reads it
    assert f"user:{user_id}" not in client.get("/shop/batches").text

    calls = client.get(f"/shop/batches/{batch_id}/platform")
    assert calls.status_code == 200
    text = calls.text
    assert "Calls to TikTok Shop" in text
    assert 'data-status="verified"' in text
    assert "Verified on the platform" in text
    assert "Remove products from the activity" in text
    assert activity_name in text
    assert f"on the platform: {target.id}" in text
    assert "2 products" in text
    assert "Attempt 1: accepted, 2 ids sent" in text
    assert len(re.findall(r"Request ID <code>[^<—]+</code>", text)) == 2  # the call, the read
    assert len(STAMP.findall(text)) == 2  # recorded, last change: in the shop's zone
    assert f'data-zone="{TZ}"' in text
    assert activity_name in page.text  # the batch's items name their activity

    client.cookies.set("promodesk_locale", "zh_Hans")
    with db.transaction() as uow:
        user = TenancyRepository(uow).user_by_email(member.email)
        assert user is not None
        user.locale = "zh_Hans"
    zh = client.get(f"/shop/batches/{batch_id}/platform").text
    assert "对 TikTok Shop 的调用" in zh
    assert "已在平台核验" in zh
    assert "从活动中移除商品" in zh
    assert "第 1 次尝试：已受理，发送 2 个 ID" in zh
    assert "查看发送到平台的内容" in client.get(f"/shop/batches/{batch_id}").text

    # The platform's unlimited activity quantity (-1, kept as 0) reads as no limit.
    with db.read() as uow:
        unlimited = (
            uow.session.execute(
                select(ShopEnrollment.id).where(
                    ShopEnrollment.activity_id == activity.id, ShopEnrollment.activity_stock == 0
                )
            )
            .scalars()
            .first()
        )
    assert unlimited is not None
    home = client.get(f"/shop?activity_id={activity.id}").text
    row = home[home.index(f'data-enrollment="{unlimited}"') :]
    assert "不限" in row[: row.index("</tr>")]

    # The shop pages of the linked shop name its zone.
    for url in (
        f"/shop/batches/{batch_id}",
        f"/shop/batches/{batch_id}?status=failed",
        f"/shop/shops/{shop_id}/platform",
        f"/shop?activity_id={activity.id}",
    ):
        shown = client.get(url)
        assert shown.status_code == 200, url
        assert f'data-zone="{TZ}"' in shown.text, url
    # a list across the shops names UTC
    assert 'data-zone="UTC"' in client.get("/shop/batches").text


def test_no_calls_for_an_unlinked_shop_and_none_of_another_workspace(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "viewer")
    ws = member.workspace.id
    shop, _activity, ids = f.setup(db, ws, 10)
    with db.transaction() as uow:
        batch_id = batch_service.cancel_now(
            uow,
            ws,
            batch_service.Selection(enrollment_ids=ids[:1]),
            reason="stock_shortage",
            actor="test",
            role="admin",
        ).id
    client = console_client(db, tmp_path)
    log_in(client, member)
    assert 'id="platform-writes"' not in client.get(f"/shop/batches/{batch_id}").text
    empty = client.get(f"/shop/batches/{batch_id}/platform")
    assert empty.status_code == 200
    assert "Nothing sent to the platform" in empty.text
    assert f'data-zone="{shop.timezone}"' in empty.text

    stranger = new_member(db, "owner")
    other = console_client(db, tmp_path)
    log_in(other, stranger)
    assert other.get(f"/shop/batches/{batch_id}/platform").status_code == 404
