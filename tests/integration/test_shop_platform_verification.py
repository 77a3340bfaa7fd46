"""The 15-minute verification of a linked shop's cancel reads the platform back, against the
shop sandbox over real HTTP (both databases): a removal that took passes (the activity no
longer lists the product, which is still active with stock); a removal the platform
acknowledged but did not apply fails with what the platform showed and the remediation; a
coupon still running for the product on the platform fails too. And a product's exposure:
stock to zero through one platform activity shows the product's enrollment in another
platform activity and is refused when it would break that activity's rules, unless forced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Job, ShopActivity, ShopVerification, Workspace
from promodesk.shop.errors import BreaksOtherActivity
from promodesk.shop.service import stock_zero as stock_service
from promodesk.shop.service.batches import VERIFY_JOB
from promodesk.shop.service.platform_writes import WRITE_JOB
from promodesk.shop_sandbox.world import Deal, Enrollment
from promodesk.tenancy.repository import TenancyRepository
from tests.integration.promote_factories import drain
from tests.integration.test_console_support import console_client, log_in, new_member
from tests.integration.test_shop_platform_actions import cancel_now, enrollments, linked, ongoing
from tests.shop_platform_support import sandbox_platform


def verify_now(db: Database, ws: int, batch_id: int) -> list[ShopVerification]:
    """Run the batch's verification now (it waits 15 minutes) and return its results."""
    with db.transaction() as uow:
        uow.session.execute(
            update(Job)
            .where(Job.workspace_id == ws, Job.name == VERIFY_JOB)
            .values(run_at=clock.now())
        )
    drain(db, ws)
    with db.transaction() as uow:
        rows = list(
            uow.session.execute(
                select(ShopVerification)
                .where(ShopVerification.batch_id == batch_id)
                .order_by(ShopVerification.id)
            ).scalars()
        )
        uow.session.expunge_all()
        return rows


def test_the_verification_reads_the_platform(db: Database, tmp_path: Path) -> None:
    with sandbox_platform(shops=1, products=40, activities=6, enrollments=12, coupons=1) as sb:
        world = sb.sandbox.world
        target = ongoing(sb, kind="FIXED_PRICE")
        (coupon_id,) = world.shop_coupons[0]
        assert world.coupons[coupon_id]["status"] == "ONGOING"
        couponed = next(iter(target.products))
        world.coupons[coupon_id]["product_ids"] = [couponed]
        ws, shop_id = linked(db, sb)
        rows = [r for r in enrollments(db, shop_id, target.id) if r[3] != couponed]
        # A removal that took: passed, with what the platform showed.
        batch = cancel_now(db, ws, [rows[0][1]])
        drain(db, ws)
        (passed,) = verify_now(db, ws, batch)
        assert passed.passed
        assert passed.platform is not None
        assert passed.platform["read"]
        assert passed.platform["problems"] == []
        assert passed.platform["still_in_activity"] is False
        assert passed.platform["product_status"] == "ACTIVATE"
        assert passed.platform["stock"] > 0
        assert all(passed.platform["request_ids"])
        # A coupon linked to the product still runs on the platform: failed, end it there.
        (coupon_item,) = [r for r in enrollments(db, shop_id, target.id) if r[3] == couponed]
        batch = cancel_now(db, ws, [coupon_item[1]])
        drain(db, ws)
        (with_coupon,) = verify_now(db, ws, batch)
        assert not with_coupon.passed
        assert with_coupon.platform is not None
        assert with_coupon.platform["problems"] == ["coupon_active"]
        assert with_coupon.platform["coupons_running"] == [coupon_id]
        assert "Seller Center" in with_coupon.platform["remediation"]
        # Acknowledged but not applied: the local rows say cancelled, the platform disagrees.
        sb.sandbox.update(remove_noop=True)
        batch = cancel_now(db, ws, [rows[1][1]])
        drain(db, ws)
        (noop,) = verify_now(db, ws, batch)
        assert not noop.passed
        assert noop.purchasable
        assert noop.platform is not None
        assert noop.platform["problems"] == ["activity_price"]
        assert noop.platform["activity_status"] == "ONGOING"
        assert rows[1][3] in noop.platform["remediation"]
        assert target.id in noop.platform["remediation"]
        assert rows[1][3] in target.products  # it really is still there
        # The batch's page shows what the platform showed and what to do, in both languages.
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, ws)
            assert workspace is not None
            uow.session.expunge(workspace)
        client = console_client(db, tmp_path)
        member = new_member(db, "viewer", workspace)
        log_in(client, member)
        page = client.get(f"/shop/batches/{batch}")
        assert page.status_code == 200
        assert 'id="verification-platform"' in page.text
        assert 'data-problem="activity_price"' in page.text
        assert "Still at the activity price on the platform" in page.text
        assert "give TikTok Shop support the activity id" in page.text
        with db.transaction() as uow:
            user = TenancyRepository(uow).user_by_email(member.email)
            assert user is not None
            user.locale = "zh_Hans"
        page = client.get(f"/shop/batches/{batch}")
        assert "平台上仍以活动价展示" in page.text
        assert "进行中" in page.text


def test_a_products_exposure_across_platform_activities(db: Database, tmp_path: Path) -> None:
    with sandbox_platform(
        shops=1, products=40, activities=3, enrollments=8, coupons=0, activity_status="ONGOING"
    ) as sb:
        world = sb.sandbox.world
        now = world.now()
        first = ongoing(sb)
        other = next(
            a
            for a in world.activities.values()
            if a.id != first.id and a.status(now) == "ONGOING" and not a.immutable
        )
        shared = next(p for p in first.products if p not in other.products)
        with world.lock:  # the product is enrolled in the other activity too
            deal: Any = next(iter(other.products.values())).deal
            other.products[shared] = Enrollment(
                Deal(deal.quantity_limit, deal.quantity_per_user, deal.price, deal.discount)
            )
        ws, shop_id = linked(db, sb)
        (mine,) = [r for r in enrollments(db, shop_id, first.id) if r[3] == shared]
        (theirs,) = [r for r in enrollments(db, shop_id, other.id) if r[3] == shared]
        with db.transaction() as uow:
            (item,) = stock_service.check(uow, ws, [mine[1]])
        shown = {e["enrollment_id"]: e for e in item["enrollments"]}
        assert set(shown) == {mine[1], theirs[1]}
        assert shown[theirs[1]]["platform_status"] == "ONGOING"
        assert shown[theirs[1]]["effect"] == "paused"  # zeroed with it, back on a restock
        assert not item["breaks_other_activity"]
        # The console's stock-to-zero preview shows the other activity's status on the platform.
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, ws)
            assert workspace is not None
            uow.session.expunge(workspace)
        client = console_client(db, tmp_path)
        log_in(client, new_member(db, "viewer", workspace))
        page = client.get(f"/shop/stock-zero?e={mine[1]}")
        assert page.status_code == 200
        assert page.text.count('data-platform-status="ONGOING"') == 2
        assert "on the platform: Ongoing" in page.text
        # The other platform activity needs every product it has: refused, nothing changed.
        with db.transaction() as uow:
            act = uow.session.get(ShopActivity, theirs[0])
            assert act is not None
            act.min_products_per_shop = len(other.products)
        with db.transaction() as uow:
            (item,) = stock_service.check(uow, ws, [mine[1]])
        assert item["breaks_other_activity"]
        with pytest.raises(BreaksOtherActivity), db.transaction() as uow:
            stock_service.stock_to_zero_many(uow, ws, [mine[1]], actor="test")
        drain(db, ws)
        product = world.products[shared]
        assert sum(s.stock for s in product.skus) > 0
        # An admin forces it: zero on the platform, the other enrollment zeroed with it.
        with db.transaction() as uow:
            done = stock_service.stock_to_zero_many(
                uow, ws, [mine[1]], actor="test", force=True, role="admin"
            )
        assert done["overridden"][0]["enrollment_id"] == theirs[1]
        drain(db, ws)
        assert sum(s.stock for s in product.skus) == 0


def test_the_verification_waits_for_the_removals_on_their_way(db: Database) -> None:
    with sandbox_platform(shops=1, products=40, activities=6, enrollments=12, coupons=0) as sb:
        target = ongoing(sb, kind="FIXED_PRICE")
        ws, shop_id = linked(db, sb)
        row = enrollments(db, shop_id, target.id)[0]
        batch = cancel_now(db, ws, [row[1]])
        later = clock.now() + timedelta(hours=1)
        with db.transaction() as uow:  # the removal has not run when the check is due
            uow.session.execute(
                update(Job)
                .where(Job.workspace_id == ws, Job.name == WRITE_JOB)
                .values(run_at=later)
            )
        assert verify_now(db, ws, batch) == []
        with db.transaction() as uow:
            (job,) = uow.session.execute(
                select(Job).where(Job.workspace_id == ws, Job.name == VERIFY_JOB)
            ).scalars()
            assert job.payload["waited"] == 1
            assert job.status == "queued"
            uow.session.execute(
                update(Job)
                .where(Job.workspace_id == ws, Job.name == WRITE_JOB)
                .values(run_at=clock.now())
            )
        drain(db, ws)
        assert row[3] not in target.products
        (checked,) = verify_now(db, ws, batch)
        assert checked.passed
        assert checked.platform is not None
        assert checked.platform["problems"] == []
