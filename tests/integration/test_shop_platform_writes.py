"""Removing products from a platform activity through recorded intents, against the shop
sandbox (both databases): 620 products in chunks of 300, each verified by reading back, the
emptied activity deactivated (no zombie), the mirror updated; a worker that dies after its
call resumes without removing anything twice; a removal acknowledged but not applied is caught
by the read-back; the same key twice records once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

import promodesk.shop.jobs  # noqa: F401  (registers the platform handlers)
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound
from promodesk.models import ShopActivity, ShopEnrollment, ShopProduct, Workspace
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import catalog, platform_writes
from promodesk.shop.service.platform_sync import steps
from promodesk.shop.settings import shop_settings
from tests.api_support import (
    HANG_GUARD,
    bearer,
    live_server,
    make_app,
    new_key,
    new_workspace,
)
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.shop_platform_support import link_shop, sandbox_platform
from tests.shop_sandbox_support import ShopSandboxHandle

REMOVE_PATH = "/promotion/202309/activities/{activity_id}/products"
DEACTIVATE_PATH = "/promotion/202309/activities/{activity_id}/deactivate"


def _linked(db: Database, sb: ShopSandboxHandle) -> tuple[int, int]:
    ws = new_workspace(db, "write")
    with db.transaction() as uow:
        shop_id = f.shop(uow, ws.id).id
    link_shop(db, ws.id, shop_id, sb)
    with db.transaction() as uow:
        steps.start_sync(uow, ws.id, shop_id, actor="test")
    drain(db, ws.id)
    return ws.id, shop_id


def _ongoing(
    db: Database, sb: ShopSandboxHandle, shop_id: int, size: int = 600
) -> tuple[int, list[int]]:
    world = sb.sandbox.world
    now = world.now()
    target = next(
        a
        for a in world.activities.values()
        if a.status(now) == "ONGOING" and not a.immutable and len(a.products) > size
    )
    with db.transaction() as uow:
        activity = uow.session.execute(
            select(ShopActivity).where(
                ShopActivity.platform_shop_id == shop_id,
                ShopActivity.platform_activity_id == target.id,
            )
        ).scalar_one()
        products = [
            int(p)
            for p in uow.session.execute(
                select(ShopEnrollment.product_id).where(
                    ShopEnrollment.activity_id == activity.id, ShopEnrollment.state == "live"
                )
            ).scalars()
        ]
    return activity.id, products


def test_remove_in_chunks_verified_with_no_zombie_and_a_crash_resumed(db: Database) -> None:
    with sandbox_platform(shops=1, products=650, activities=3, enrollments=620) as sb:
        ws, shop_id = _linked(db, sb)
        activity_id, products = _ongoing(db, sb, shop_id)
        assert len(products) == 620
        with db.transaction() as uow:
            intents = platform_writes.remove_products(
                uow, ws, activity_id, products, key="cancel-1"
            )
            assert [len(i.product_ids) for i in intents] == [300, 300, 20]
            first = [i.id for i in intents]
        with db.transaction() as uow:
            again = platform_writes.remove_products(uow, ws, activity_id, products, key="cancel-1")
            assert [i.id for i in again] == first
        sb.sandbox.reset_stats()
        # A worker calls the platform for the first chunk and dies before it commits.
        platform_writes.prefetch(db, {"workspace_id": ws, "key": "cancel-1"})
        drain(db, ws)
        stats = sb.sandbox.stats()
        assert stats["requests"][REMOVE_PATH] == 3  # the first chunk was not sent again
        assert stats["requests"][DEACTIVATE_PATH] == 1
        assert stats["throttled_total"] == 0
        with db.transaction() as uow:
            report = platform_writes.progress(uow, ws, "cancel-1")
        assert report["done"]
        assert report["counts"]["verified"] == 4
        assert all(i["result"].get("read_back_request_id") for i in report["intents"])
        platform = sb.sandbox.world.activities
        activity = next(
            a for a in platform.values() if a.stored == "DEACTIVATED" and not a.products
        )
        assert activity is not None
        with db.transaction() as uow:
            states = set(
                uow.session.execute(
                    select(ShopEnrollment.state).where(ShopEnrollment.activity_id == activity_id)
                ).scalars()
            )
            mirrored = uow.session.get(ShopActivity, activity_id)
            assert mirrored is not None
            assert mirrored.platform_status == "DEACTIVATED"
        assert states == {"terminated"}


def test_a_removal_acknowledged_but_not_applied_is_caught(db: Database) -> None:
    with sandbox_platform(shops=1, products=650, activities=3, enrollments=620) as sb:
        ws, shop_id = _linked(db, sb)
        activity_id, products = _ongoing(db, sb, shop_id)
        sb.sandbox.update(remove_noop=True)
        with db.transaction() as uow:
            platform_writes.remove_products(uow, ws, activity_id, products[:5], key="noop")
        drain(db, ws)
        with db.transaction() as uow:
            report = platform_writes.progress(uow, ws, "noop")
        (intent,) = report["intents"]
        assert intent["status"] == "failed"
        assert "still lists 5 products" in intent["result"]["message"]
        assert intent["result"]["attempt_1"]["request_id"]
        assert sb.sandbox.stats()["remove_noops_total"] == 2
        with db.transaction() as uow:
            live = uow.session.execute(
                select(ShopEnrollment.state).where(
                    ShopEnrollment.activity_id == activity_id,
                    ShopEnrollment.product_id.in_(products[:5]),
                )
            ).scalars()
            assert set(live) == {"live"}


def test_a_cancel_of_a_linked_shop_reaches_the_platform(db: Database, tmp_path: Path) -> None:
    with sandbox_platform(shops=1, products=40, activities=4, enrollments=10) as sb:
        ws, shop_id = _linked(db, sb)
        world = sb.sandbox.world
        now = world.now()
        target = next(
            a for a in world.activities.values() if a.status(now) == "ONGOING" and not a.immutable
        )
        with db.transaction() as uow:
            activity_id = uow.session.execute(
                select(ShopActivity.id).where(
                    ShopActivity.platform_shop_id == shop_id,
                    ShopActivity.platform_activity_id == target.id,
                )
            ).scalar_one()
            enrollments = list(
                uow.session.execute(
                    select(ShopEnrollment.id, ShopEnrollment.product_id).where(
                        ShopEnrollment.activity_id == activity_id
                    )
                )
            )[:2]
        with db.transaction() as uow:
            batch = batch_service.cancel_now(
                uow,
                ws,
                batch_service.Selection(enrollment_ids=[e for e, _ in enrollments]),
                reason="stock_shortage",
                actor="test",
                role="admin",
            )
            assert batch.done == 2
        drain(db, ws)
        with db.transaction() as uow:
            report = platform_writes.progress(uow, ws, f"batch:{batch.id}:activity:{activity_id}")
            platform_ids = {
                str(p.platform_product_id)
                for p in uow.session.execute(
                    select(ShopProduct).where(ShopProduct.id.in_([p for _, p in enrollments]))
                ).scalars()
            }
        assert report["counts"]["verified"] == 1
        assert platform_ids.isdisjoint(world.activities[target.id].products)
        assert len(world.activities[target.id].products) == 8
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, ws)
            assert workspace is not None
        key = new_key(db, workspace, "viewer")
        with live_server(make_app(db, tmp_path)) as base:
            url = f"{base}/api/v1/shop/platform/writes"
            wanted = {"key": f"batch:{batch.id}:activity:{activity_id}"}
            answer = httpx.get(url, params=wanted, headers=bearer(key), timeout=HANG_GUARD)
            assert answer.status_code == 200, answer.text
            (intent,) = answer.json()["intents"]
            assert intent["status"] == "verified"
            assert intent["result"]["attempt_1"]["request_id"]
            missing = httpx.get(url, params={"key": "nope"}, headers=bearer(key))
            assert missing.status_code == 404
            everything = httpx.get(url, headers=bearer(key), timeout=HANG_GUARD).json()
            assert everything["intents"][0]["key"].startswith(f"batch:{batch.id}:")


GET_PATH = "/promotion/202309/activities/{activity_id}"


def test_items_done_by_a_retry_leave_the_platform_too(db: Database) -> None:
    """A batch's items refused by a guardrail and done by a retry (after the rule changed)
    are removed on the platform as well, each once: the retry's removal is recorded on its own
    instead of being taken for the first round's."""
    with sandbox_platform(shops=1, products=40, activities=4, enrollments=10) as sb:
        ws, shop_id = _linked(db, sb)
        world = sb.sandbox.world
        now = world.now()
        target = next(
            a for a in world.activities.values() if a.status(now) == "ONGOING" and not a.immutable
        )
        with db.transaction() as uow:
            activity_id = uow.session.execute(
                select(ShopActivity.id).where(
                    ShopActivity.platform_shop_id == shop_id,
                    ShopActivity.platform_activity_id == target.id,
                )
            ).scalar_one()
            chosen = list(
                uow.session.execute(
                    select(ShopEnrollment.id).where(ShopEnrollment.activity_id == activity_id)
                ).scalars()
            )[:4]
        with db.transaction() as uow:  # 4 of 10 > 30 %: three go, the fourth is refused
            batch_id = batch_service.start_batch(
                uow, ws, enrollment_ids=chosen, reason="plan_change", actor="test", role="admin"
            ).id
        drain(db, ws)
        assert len(world.activities[target.id].products) == 7
        with db.transaction() as uow:
            catalog.update_rules(uow, ws, activity_id, max_cancel_percent=50)
            batch_service.retry_failed(uow, ws, batch_id, actor="test", role="admin")
        drain(db, ws)
        with db.transaction() as uow:
            assert batch_service.get_batch(uow, ws, batch_id).done == 4
            report = platform_writes.progress(uow, ws, f"batch:{batch_id}")
        assert len(world.activities[target.id].products) == 6
        assert [i["status"] for i in report["intents"]] == ["verified", "verified"]
        assert sorted(i["products"] for i in report["intents"]) == [1, 3]


def test_an_activity_leaves_the_platform_once_its_items_are_done(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch over two activities, one chunk each: the first activity's removal is recorded
    with the chunk that finished it, while the second's items still wait (the platform calls
    overlap the batch's own work); at the end each activity is removed once and emptied."""
    monkeypatch.setenv("PROMODESK_SHOP_BATCH_CHUNK_SIZE", "10")
    shop_settings.cache_clear()
    try:
        with sandbox_platform(
            shops=1, products=40, activities=3, enrollments=10, activity_status="ONGOING"
        ) as sb:
            ws, shop_id = _linked(db, sb)
            now = sb.sandbox.world.now()
            with db.transaction() as uow:
                rows = list(
                    uow.session.execute(
                        select(ShopActivity).where(ShopActivity.platform_shop_id == shop_id)
                    ).scalars()
                )
                ongoing = {
                    a.id for a in sb.sandbox.world.activities.values() if a.status(now) == "ONGOING"
                }
                chosen = [
                    a.id for a in rows if a.platform_activity_id in ongoing and not a.immutable
                ][:2]
                assert len(chosen) == 2
                for activity_id in chosen:
                    catalog.update_rules(
                        uow, ws, activity_id, min_products_per_shop=0, max_cancel_percent=100
                    )
                ids = list(
                    uow.session.execute(
                        select(ShopEnrollment.id)
                        .where(ShopEnrollment.activity_id.in_(chosen))
                        .order_by(ShopEnrollment.activity_id, ShopEnrollment.id)
                    ).scalars()
                )
                assert len(ids) == 20
                batch_id = batch_service.start_batch(
                    uow, ws, enrollment_ids=ids, reason="plan_change", actor="test", role="admin"
                ).id
            with db.transaction() as uow:
                assert batch_service.run_step(uow, ws, batch_id)  # the first ten
            with db.transaction() as uow:
                items = batch_service.batch_items(uow, ws, batch_id, limit=20)
                done_first = items[0].activity_id  # the items go in their ids' order
                assert {i.activity_id for i in items[:10]} == {done_first}
                first = platform_writes.progress(uow, ws, f"batch:{batch_id}:activity:{done_first}")
                assert first["counts"]["pending"] == 1
                assert batch_service.get_batch(uow, ws, batch_id).status == "running"
                (later,) = set(chosen) - {done_first}
                second = f"batch:{batch_id}:activity:{later}"
                with pytest.raises(NotFound):
                    platform_writes.progress(uow, ws, second)
            drain(db, ws)
            with db.transaction() as uow:
                report = platform_writes.progress(uow, ws, f"batch:{batch_id}")
            assert report["done"]
            assert report["counts"]["verified"] == 4  # per activity: remove, deactivate
            assert sb.sandbox.stats()["requests"][REMOVE_PATH] == 2
    finally:
        shop_settings.cache_clear()
