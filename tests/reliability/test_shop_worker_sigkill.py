"""A ``promodesk worker`` process is SIGKILLed in the middle of a 10,000-item cancel batch; a
second worker finishes it, and every item is done exactly once: one cancellation, one snapshot
and one audit event per enrollment, offers cancelled, counters equal to the states."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from promodesk.kit.db import Database
from promodesk.models import (
    AuditEvent,
    Shop,
    ShopActivity,
    ShopActivityCounter,
    ShopBatchItem,
    ShopCancellation,
    ShopEnrollment,
    ShopOffer,
    ShopProduct,
    ShopSnapshot,
    Workspace,
)
from promodesk.shop.service import batches
from tests.conftest import own_database

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
ACTIVITIES, PER_ACTIVITY = 100, 100  # 10,000 enrollments, two offers each
WAIT_LIMIT = 600.0  # a bound so a broken build fails instead of hanging; not a speed check


@pytest.fixture
def crash_db() -> Iterator[Database]:
    with own_database("postgres", "pd_shopkill") as db:
        yield db


def _seed(db: Database) -> tuple[int, list[int]]:
    now = datetime.now(UTC)
    with db.transaction() as uow:
        workspace = Workspace(slug=f"kill-{uuid.uuid4().hex[:8]}", name="kill")
        uow.session.add(workspace)
        uow.flush()
        shop = Shop(workspace_id=workspace.id, name="shop", timezone="Asia/Shanghai")
        uow.session.add(shop)
        acts = [
            ShopActivity(
                workspace_id=workspace.id,
                name=f"中秋节 {n}",
                registration_starts_at=now - timedelta(days=9),
                registration_ends_at=now,
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=9),
                min_products_per_shop=0,
                max_cancel_percent=100,
            )
            for n in range(ACTIVITIES)
        ]
        uow.session.add_all(acts)
        uow.flush()
        uow.session.execute(
            insert(ShopProduct),
            [
                {
                    "workspace_id": workspace.id,
                    "shop_id": shop.id,
                    "title": f"p{i}",
                    "price_minor": 100,
                    "currency": "CNY",
                    "stock": 10,
                    "safety_stock": 0,
                    "expected_sales": 0,
                    "status": "listed",
                }
                for i in range(ACTIVITIES * PER_ACTIVITY)
            ],
        )
        pids = list(
            uow.session.execute(
                select(ShopProduct.id)
                .where(ShopProduct.workspace_id == workspace.id)
                .order_by(ShopProduct.id)
            ).scalars()
        )
        uow.session.execute(
            insert(ShopEnrollment),
            [
                {
                    "workspace_id": workspace.id,
                    "activity_id": acts[k // PER_ACTIVITY].id,
                    "shop_id": shop.id,
                    "product_id": pid,
                    "activity_price_minor": 90,
                    "currency": "CNY",
                    "activity_stock": 5,
                    "per_buyer_limit": 0,
                    "state": "approved",
                    "presale": False,
                    "views": 1,
                    "orders": 0,
                }
                for k, pid in enumerate(pids)
            ],
        )
        eids = list(
            uow.session.execute(
                select(ShopEnrollment.id)
                .where(ShopEnrollment.workspace_id == workspace.id)
                .order_by(ShopEnrollment.id)
            ).scalars()
        )
        uow.session.execute(
            insert(ShopOffer),
            [
                {"workspace_id": workspace.id, "enrollment_id": e, "kind": kind, "status": "active"}
                for e in eids
                for kind in ("coupon", "discount")
            ],
        )
        uow.session.execute(
            insert(ShopActivityCounter),
            [
                {
                    "activity_id": a.id,
                    "shop_id": shop.id,
                    "workspace_id": workspace.id,
                    "enrolled": PER_ACTIVITY,
                    "active": PER_ACTIVITY,
                    "cancelled": 0,
                }
                for a in acts
            ],
        )
        return workspace.id, eids


def _worker(db: Database, tmp_path: Path, log: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PROMODESK_DATABASE_URL": db.url,
        "PROMODESK_DATA_DIR": str(tmp_path),
        "PROMODESK_JOB_LEASE_SECONDS": "3",
        "PROMODESK_JOB_POLL_SECONDS": "0.1",
        "PROMODESK_SHOP_BATCH_CHUNK_SIZE": "250",
        "PROMODESK_LOG_LEVEL": "WARNING",
    }
    with open(tmp_path / log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "promodesk.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _done(db: Database, batch_id: int) -> int:
    with db.transaction() as uow:
        return int(
            uow.session.execute(
                select(func.count()).where(
                    ShopBatchItem.batch_id == batch_id, ShopBatchItem.status == "done"
                )
            ).scalar()
            or 0
        )


def _wait(condition: object) -> bool:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_killed_worker_mid_batch_finishes_every_item_once(
    crash_db: Database, tmp_path: Path
) -> None:
    db = crash_db
    workspace_id, eids = _seed(db)
    total = len(eids)
    with db.transaction() as uow:
        batch = batches.start_batch(
            uow,
            workspace_id,
            enrollment_ids=eids,
            reason="plan_change",
            actor="user:1",
            role="admin",
        )
    first = _worker(db, tmp_path, "first.log")
    try:
        assert _wait(lambda: _done(db, batch.id) >= 2000), (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = _done(db, batch.id)
    assert 0 < at_kill < total  # it died mid-batch

    second = _worker(db, tmp_path, "second.log")
    try:

        def finished() -> bool:
            with db.transaction() as uow:
                return batches.get_batch(uow, workspace_id, batch.id).status == "done"

        assert _wait(finished), (tmp_path / "second.log").read_text()
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    with db.transaction() as uow:
        s = uow.session
        b = batches.get_batch(uow, workspace_id, batch.id)
        assert (b.done, b.failed, b.total) == (total, 0, total)
        items = dict(
            s.execute(
                select(ShopBatchItem.status, func.count())
                .where(ShopBatchItem.batch_id == batch.id)
                .group_by(ShopBatchItem.status)
            ).all()
        )
        assert items == {"done": total}
        for model, column in (
            (ShopCancellation, ShopCancellation.enrollment_id),
            (ShopSnapshot, ShopSnapshot.enrollment_id),
        ):
            counts = s.execute(
                select(column, func.count())
                .where(model.workspace_id == workspace_id)
                .group_by(column)
            ).all()
            assert len(counts) == total
            assert {n for _, n in counts} == {1}
        audits = s.execute(
            select(AuditEvent.object_id, func.count())
            .where(
                AuditEvent.workspace_id == workspace_id,
                AuditEvent.action == "shop.enrollment.remove",
            )
            .group_by(AuditEvent.object_id)
        ).all()
        assert len(audits) == total
        assert {n for _, n in audits} == {1}
        states = dict(
            s.execute(
                select(ShopEnrollment.state, func.count())
                .where(ShopEnrollment.workspace_id == workspace_id)
                .group_by(ShopEnrollment.state)
            ).all()
        )
        assert states == {"removed": total}
        active_offers = s.execute(
            select(func.count()).where(
                ShopOffer.workspace_id == workspace_id, ShopOffer.status == "active"
            )
        ).scalar()
        assert active_offers == 0
        counters = (
            s.execute(
                select(ShopActivityCounter).where(ShopActivityCounter.workspace_id == workspace_id)
            )
            .scalars()
            .all()
        )
        assert {(c.active, c.cancelled) for c in counters} == {(0, PER_ACTIVITY)}
    print(f"\nshop SIGKILL test: {total} items, killed with {at_kill} done, each done once")
