"""A linked shop's actions reach its platform, against the shop sandbox over real HTTP (both
databases): stock to zero, restock and the delayed delist (product inventory and status), a
cancel restored from its snapshot (the product back with its activity price, after a republish
when its removal deactivated the emptied activity), a replace (the replacement in, the replaced
product out). Each is a recorded write verified by reading back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict
from promodesk.models import (
    AuditEvent,
    ShopActivity,
    ShopEnrollment,
    ShopPlatformIntent,
    ShopProduct,
)
from promodesk.shop.errors import ActivityClosed, PlatformReauthorize
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service import alternatives, platform_writes
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service import snapshots as snapshot_service
from promodesk.shop.service import stock_zero as stock_service
from promodesk.shop.service.platform_sync import steps
from promodesk.shop.settings import shop_settings
from promodesk.shop_sandbox.world import Activity
from tests.api_support import new_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.shop_platform_support import link_shop, sandbox_platform
from tests.shop_sandbox_support import ShopSandboxHandle


def linked(db: Database, sb: ShopSandboxHandle) -> tuple[int, int]:
    """A workspace with a shop linked to sandbox shop 0, synced."""
    ws = new_workspace(db, "act")
    with db.transaction() as uow:
        shop_id = f.shop(uow, ws.id).id
    link_shop(db, ws.id, shop_id, sb)
    with db.transaction() as uow:
        steps.start_sync(uow, ws.id, shop_id, actor="test")
    drain(db, ws.id)
    return ws.id, shop_id


def ongoing(
    sb: ShopSandboxHandle, level: str | None = "PRODUCT", kind: str | None = None
) -> Activity:
    world = sb.sandbox.world
    now = world.now()
    return next(
        a
        for a in world.activities.values()
        if a.status(now) == "ONGOING"
        and not a.immutable
        and (level is None or a.product_level == level)
        and (kind is None or a.activity_type == kind)
        and len(a.products) >= 3
    )


def enrollments(db: Database, shop_id: int, platform_activity: str) -> list[Any]:
    """(activity id, enrollment id, product id, platform product id) of a mirrored activity."""
    with db.transaction() as uow:
        return list(
            uow.session.execute(
                select(
                    ShopActivity.id,
                    ShopEnrollment.id,
                    ShopProduct.id,
                    ShopProduct.platform_product_id,
                )
                .join(ShopEnrollment, ShopEnrollment.activity_id == ShopActivity.id)
                .join(ShopProduct, ShopProduct.id == ShopEnrollment.product_id)
                .where(
                    ShopActivity.platform_shop_id == shop_id,
                    ShopActivity.platform_activity_id == platform_activity,
                )
                .order_by(ShopEnrollment.id)
            ).all()
        )


def intents(db: Database, ws: int, prefix: str) -> list[ShopPlatformIntent]:
    with db.transaction() as uow:
        rows = list(
            uow.session.execute(
                select(ShopPlatformIntent)
                .where(
                    ShopPlatformIntent.workspace_id == ws,
                    ShopPlatformIntent.key.startswith(prefix),
                )
                .order_by(ShopPlatformIntent.id)
            ).scalars()
        )
        uow.session.expunge_all()
        return rows


def state(db: Database, enrollment_id: int) -> str:
    with db.transaction() as uow:
        row = uow.session.get(ShopEnrollment, enrollment_id)
        assert row is not None
        return row.state


def test_stock_zero_restock_and_delist_reach_the_platform(db: Database) -> None:
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=8) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb)
        _a, enrollment_id, product_id, platform_id = enrollments(db, shop_id, target.id)[0]
        product = sb.sandbox.world.products[platform_id]
        before = {s.id: s.stock for s in product.skus}
        assert sum(before.values()) > 0
        with db.transaction() as uow:
            done = stock_service.stock_to_zero_many(
                uow, ws, [enrollment_id], actor="test", force=True, role="admin"
            )
        assert done["done"] == 1, done
        drain(db, ws)
        assert [s.stock for s in product.skus] == [0] * len(product.skus)
        (zeroed, *_again) = intents(db, ws, f"stock_zero:p{product_id}:")
        assert zeroed.action == "set_inventory"
        assert zeroed.status == "verified"
        assert zeroed.result["attempt_1"]["request_id"]
        with db.transaction() as uow:  # the audit names the write to follow
            after = (
                uow.session.execute(
                    select(AuditEvent.after)
                    .where(
                        AuditEvent.workspace_id == ws,
                        AuditEvent.action == "shop.enrollment.stock_zero",
                        AuditEvent.object_id == str(enrollment_id),
                    )
                    .order_by(AuditEvent.id)
                )
                .scalars()
                .first()
            )
        assert after is not None
        assert zeroed.key.startswith(f"{after['platform_write']}:")
        # Restored from its snapshot: each SKU's stock as it was, on the platform too.
        with db.transaction() as uow:
            (snap,) = snapshot_service.list_snapshots(uow, ws, enrollment_id=enrollment_id)
            assert snap.change == "stock_zero"
            snapshot_service.restore(uow, ws, snap.id, actor="test")
        drain(db, ws)
        assert {s.id: s.stock for s in product.skus} == before
        assert state(db, enrollment_id) == "live"
        with db.transaction() as uow:
            stock_service.stock_to_zero_many(
                uow, ws, [enrollment_id], actor="test", force=True, role="admin"
            )
        drain(db, ws)
        assert sum(s.stock for s in product.skus) == 0
        # Restock: the new stock on the platform, spread over the SKUs; the enrollment resumes.
        with db.transaction() as uow:
            alternatives.restock(uow, ws, product_id, 7, actor="test")
        drain(db, ws)
        assert sum(s.stock for s in product.skus) == 7
        assert state(db, enrollment_id) == "live"
        # the snapshot's restore and this restock
        restocks = intents(db, ws, f"restock:p{product_id}:")
        assert [i.status for i in restocks] == ["verified", "verified"]
        assert restocks[0].payload["quantities"] == before
        # Stock to zero again, and the delist after the delay deactivates the product there.
        with db.transaction() as uow:
            stock_service.stock_to_zero_many(
                uow, ws, [enrollment_id], actor="test", force=True, role="admin"
            )
        drain(db, ws)
        with db.transaction() as uow:
            assert alternatives.delist_if_due(uow, ws, enrollment_id)
        drain(db, ws)
        assert product.status == "SELLER_DEACTIVATED"
        assert platform_id not in target.products  # it left its activity there too
        written = intents(db, ws, f"delist:p{product_id}:")
        assert [(i.action, i.status) for i in written] == [
            ("delist_products", "verified"),
            ("remove_products", "verified"),
        ]
        with db.transaction() as uow:
            mirrored = uow.session.get(ShopProduct, product_id)
            assert mirrored is not None
            assert (mirrored.status, mirrored.platform_status) == ("delisted", "SELLER_DEACTIVATED")


def cancel_now(db: Database, ws: int, ids: list[int]) -> int:
    with db.transaction() as uow:
        batch = batch_service.cancel_now(
            uow,
            ws,
            batch_service.Selection(enrollment_ids=ids),
            reason="stock_shortage",
            force=True,
            actor="test",
            role="admin",
        )
        assert batch.done == len(ids)
        return int(batch.id)


def snapshot_of(db: Database, ws: int, batch_id: int, enrollment_id: int) -> int:
    with db.transaction() as uow:
        (snap,) = snapshot_service.list_snapshots(
            uow, ws, batch_id=batch_id, enrollment_id=enrollment_id
        )
        return int(snap.id)


def test_a_cancel_restored_from_its_snapshot_is_back_on_the_platform(db: Database) -> None:
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=8) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb, kind="FIXED_PRICE")
        rows = enrollments(db, shop_id, target.id)
        first, second = rows[0], rows[1]
        terms = target.products[first[3]].deal
        batch_id = cancel_now(db, ws, [first[1], second[1]])
        snap = snapshot_of(db, ws, batch_id, first[1])
        # Its removal has not run on the platform yet: a restore now would be undone by it.
        with pytest.raises(Conflict, match="on its way"), db.transaction() as uow:
            snapshot_service.restore(uow, ws, snap, actor="test")
        drain(db, ws)
        assert first[3] not in target.products
        assert second[3] not in target.products
        with db.transaction() as uow:
            snapshot_service.restore(uow, ws, snap, actor="test")
            assert snapshot_service.platform_write_key(uow, ws, snap) == f"restore:snapshot:{snap}"
        drain(db, ws)
        back = target.products[first[3]].deal
        assert (back.price, back.quantity_limit, back.quantity_per_user) == (
            terms.price,
            terms.quantity_limit,
            terms.quantity_per_user,
        )
        assert second[3] not in target.products  # only the restored one came back
        (update,) = intents(db, ws, f"restore:snapshot:{snap}:")
        assert (update.action, update.status) == ("update_activity_products", "verified")
        assert state(db, first[1]) == "live"
        with db.transaction() as uow:
            report = platform_writes.progress(uow, ws, f"restore:snapshot:{snap}")
        assert report["done"]


def test_a_restore_republishes_the_activity_its_cancel_deactivated(db: Database) -> None:
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=5) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb, kind="FIXED_PRICE")
        rows = enrollments(db, shop_id, target.id)
        batch_id = cancel_now(db, ws, [r[1] for r in rows])
        drain(db, ws)
        now = sb.sandbox.world.now()
        assert target.status(now) == "DEACTIVATED"
        assert not target.products
        snap = snapshot_of(db, ws, batch_id, rows[0][1])
        with db.transaction() as uow:
            snapshot_service.restore(uow, ws, snap, actor="test")
        drain(db, ws)
        assert target.status(sb.sandbox.world.now()) in ("NOT_START", "ONGOING")
        assert list(target.products) == [rows[0][3]]
        written = intents(db, ws, f"restore:snapshot:{snap}:")
        assert [(i.action, i.status) for i in written] == [
            ("republish_activity", "verified"),
            ("update_activity_products", "verified"),
        ]
        with db.transaction() as uow:
            mirrored = uow.session.get(ShopActivity, rows[0][0])
            assert mirrored is not None
            assert mirrored.platform_status in ("NOT_START", "ONGOING")
        assert state(db, rows[0][1]) in ("live", "approved")


def test_a_replace_swaps_the_products_on_the_platform(db: Database) -> None:
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=8) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb, kind="FIXED_PRICE")
        old = enrollments(db, shop_id, target.id)[0]
        price_before = target.products[old[3]].deal.price
        # a listed product of the shop not in this activity
        with db.transaction() as uow:
            candidates = uow.session.execute(
                select(ShopProduct.id, ShopProduct.platform_product_id).where(
                    ShopProduct.shop_id == shop_id, ShopProduct.status == "listed"
                )
            ).all()
        new_id, new_platform = next((i, p) for i, p in candidates if p not in target.products)
        with db.transaction() as uow:
            replacement = replace_service.replace(uow, ws, old[1], new_id, actor="test")
            price = replacement.activity_price_minor
        drain(db, ws)
        assert old[3] not in target.products
        assert target.products[new_platform].deal.price == price
        (write,) = {i.key.rsplit(":", 1)[0] for i in intents(db, ws, f"replace:e{old[1]}:")}
        assert [i.status for i in intents(db, ws, f"{write}:")] == ["verified", "verified"]
        # Undone from its snapshot: the original is back with its price, the replacement out.
        was = target.products.get(new_platform)
        assert was is not None
        with db.transaction() as uow:
            (snap,) = snapshot_service.list_snapshots(uow, ws, enrollment_id=old[1])
            snapshot_service.restore(uow, ws, snap.id, actor="test")
            snap_id = snap.id
        drain(db, ws)
        assert new_platform not in target.products
        assert old[3] in target.products
        assert target.products[old[3]].deal.price == price_before
        written = intents(db, ws, f"restore:snapshot:{snap_id}:")
        assert [(i.action, i.status) for i in written] == [
            ("update_activity_products", "verified"),
            ("remove_products", "verified"),
        ]


def test_a_shop_without_a_link_writes_nothing(db: Database) -> None:
    ws = new_workspace(db, "nolink")
    _shop, _activity, ids = f.setup(db, ws.id, 6)
    with db.transaction() as uow:
        stock_service.stock_to_zero_many(
            uow, ws.id, ids[:1], actor="test", force=True, role="admin"
        )
    with db.transaction() as uow:
        assert not uow.session.execute(
            select(ShopPlatformIntent).where(ShopPlatformIntent.workspace_id == ws.id)
        ).first()


def test_a_link_waiting_for_reauthorization_refuses_an_action(db: Database) -> None:
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=8) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb)
        _a, enrollment_id, product_id, platform_id = enrollments(db, shop_id, target.id)[0]
        with db.transaction() as uow:
            link = PlatformRepository(uow).link_for_shop(ws, shop_id)
            assert link is not None
            link.status = "needs_reauth"
        with pytest.raises(PlatformReauthorize), db.transaction() as uow:
            stock_service.stock_to_zero_many(
                uow, ws, [enrollment_id], actor="test", force=True, role="admin"
            )
        with pytest.raises(PlatformReauthorize), db.transaction() as uow:
            alternatives.restock(uow, ws, product_id, 5, actor="test")
        assert state(db, enrollment_id) == "live"
        with db.transaction() as uow:
            mirrored = uow.session.get(ShopProduct, product_id)
            assert mirrored is not None
            assert mirrored.stock == sum(
                s.stock for s in sb.sandbox.world.products[platform_id].skus
            )
            assert mirrored.stock > 0
        assert intents(db, ws, "") == []


def test_a_restore_the_platform_cannot_follow_is_refused(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Republish off (a market without the 2026-07 API): the product cannot go back into the
    deactivated activity, so the restore is refused and nothing changes anywhere."""
    monkeypatch.setenv("PROMODESK_SHOP_PLATFORM_REPUBLISH", "false")
    shop_settings.cache_clear()
    try:
        with sandbox_platform(shops=1, products=30, activities=6, enrollments=5) as sb:
            ws, shop_id = linked(db, sb)
            target = ongoing(sb, kind="FIXED_PRICE")
            rows = enrollments(db, shop_id, target.id)
            batch_id = cancel_now(db, ws, [r[1] for r in rows])
            drain(db, ws)
            snap = snapshot_of(db, ws, batch_id, rows[0][1])
            before = state(db, rows[0][1])
            with pytest.raises(ActivityClosed), db.transaction() as uow:
                snapshot_service.restore(uow, ws, snap, actor="test")
            assert state(db, rows[0][1]) == before
            assert intents(db, ws, f"restore:snapshot:{snap}:") == []
            assert target.status(sb.sandbox.world.now()) == "DEACTIVATED"
    finally:
        monkeypatch.delenv("PROMODESK_SHOP_PLATFORM_REPUBLISH")
        shop_settings.cache_clear()


def test_a_restore_under_variation_puts_the_skus_terms_back(db: Database) -> None:
    """Under VARIATION the terms are per SKU: the removal kept the platform's, the restore
    sends them back as they were."""
    with sandbox_platform(
        shops=1, products=30, activities=12, enrollments=6, activity_status="ONGOING"
    ) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb, level="VARIATION")
        first = enrollments(db, shop_id, target.id)[0]
        before = {
            sku: (d.price, d.discount, d.quantity_limit)
            for sku, d in target.products[first[3]].skus.items()
        }
        batch_id = cancel_now(db, ws, [first[1]])
        drain(db, ws)
        assert first[3] not in target.products
        snap = snapshot_of(db, ws, batch_id, first[1])
        with db.transaction() as uow:
            snapshot_service.restore(uow, ws, snap, actor="test")
        drain(db, ws)
        after = {
            sku: (d.price, d.discount, d.quantity_limit)
            for sku, d in target.products[first[3]].skus.items()
        }
        assert after == before
        assert [i.status for i in intents(db, ws, f"restore:snapshot:{snap}:")] == ["verified"]


def test_a_replace_under_variation_enrolls_every_sku(db: Database) -> None:
    with sandbox_platform(
        shops=1, products=30, activities=12, enrollments=6, activity_status="ONGOING"
    ) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb, level="VARIATION")
        old = enrollments(db, shop_id, target.id)[0]
        with db.transaction() as uow:
            candidates = uow.session.execute(
                select(ShopProduct.id, ShopProduct.platform_product_id).where(
                    ShopProduct.shop_id == shop_id, ShopProduct.status == "listed"
                )
            ).all()
        new_id, new_platform = next((i, p) for i, p in candidates if p not in target.products)
        with db.transaction() as uow:
            replace_service.replace(uow, ws, old[1], new_id, actor="test")
        drain(db, ws)
        assert old[3] not in target.products
        skus = {s.id for s in sb.sandbox.world.products[new_platform].skus}
        assert set(target.products[new_platform].skus) == skus


def test_a_replace_the_platform_refuses_leaves_the_replaced_product(db: Database) -> None:
    """The shop lost its flash-deal eligibility (spec §1.6): the replacement cannot be added,
    so the replaced product is not removed either (never an activity with neither)."""
    with sandbox_platform(
        shops=1, products=30, activities=12, enrollments=6, activity_status="ONGOING"
    ) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb, level=None, kind="FLASHSALE")
        old = enrollments(db, shop_id, target.id)[0]
        with db.transaction() as uow:
            candidates = uow.session.execute(
                select(ShopProduct.id, ShopProduct.platform_product_id).where(
                    ShopProduct.shop_id == shop_id, ShopProduct.status == "listed"
                )
            ).all()
        new_id, new_platform = next((i, p) for i, p in candidates if p not in target.products)
        sb.sandbox.update(flashsale_eligible=False)
        with db.transaction() as uow:
            replace_service.replace(uow, ws, old[1], new_id, actor="test")
        drain(db, ws)
        assert old[3] in target.products
        assert new_platform not in target.products
        added, removed = intents(db, ws, f"replace:e{old[1]}:")
        assert (added.action, added.status) == ("update_activity_products", "failed")
        assert added.result["attempt_1"]["request_id"]
        assert (removed.action, removed.status) == ("remove_products", "failed")
        assert removed.result["attempt_1"]["kind"] == "PreviousCallFailed"
