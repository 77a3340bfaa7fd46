"""A cancel chunk writes its rows on the driver with values encoded by hand (snapshots,
cancellations, audit events, state, offers, items): on both databases they are stored exactly
as SQLAlchemy stores the same values, and read back through the ORM as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Table, insert, select

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.models import (
    AuditEvent,
    ShopBatchItem,
    ShopCancellation,
    ShopEnrollment,
    ShopOffer,
    ShopProduct,
    ShopSnapshot,
)
from promodesk.shop.domain.enrollments import CANCELLED
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service.batches import Selection
from tests.conftest import make_workspace
from tests.integration import shop_factories as f


@pytest.fixture(autouse=True, params=[0, 123456], ids=["whole_second", "microseconds"])
def frozen(request: pytest.FixtureRequest) -> Iterator[clock.FrozenClock]:
    # A time with and without microseconds: a stored form differs in both ways.
    fc = clock.FrozenClock(f.NOW.replace(microsecond=request.param))
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def stored(uow: UnitOfWork, table: Table, where: str) -> list[tuple[Any, ...]]:
    """Every column but ``id`` as the database keeps it (as text, in column order)."""
    cols = ", ".join(f"CAST({c.name} AS TEXT)" for c in table.columns if c.name != "id")
    sql = f"SELECT {cols} FROM {table.name} WHERE {where} ORDER BY id"
    return list(uow.session.connection().exec_driver_sql(sql).all())


def twin(uow: UnitOfWork, row: Any) -> int:
    """The same values, read through the ORM, written again by SQLAlchemy (the old path)."""
    table: Table = type(row).__table__
    values = {c.name: getattr(row, c.key) for c in table.columns if c.name != "id"}
    return int(uow.session.execute(insert(table).values(**values).returning(table.c.id)).scalar())


def test_chunk_rows_are_stored_as_sqlalchemy_stores_them(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10, state="live")
    with db.transaction() as uow:
        first = uow.session.get(ShopEnrollment, ids[0])
        assert first is not None
        first.presale, first.shipping_days, first.previous_state = True, 5, "approved"
        product = uow.session.get(ShopProduct, first.product_id)
        assert product is not None
        product.title = '月饼 "礼盒" \\ tab\t'
    # Three within the guardrails, then two more forced (the ratio would break): both kinds
    # of counter update, and ``forced`` stored both ways.
    batch_ids = []
    for chosen, force in ((ids[:3], False), (ids[3:5], True)):
        with db.transaction() as uow:
            batch = batch_service.cancel_now(
                uow, workspace_id, Selection(enrollment_ids=chosen), reason="other",
                reason_text='库存 "不足" 50%', force=force, actor="user:1", role="admin",
            )  # fmt: skip
            batch_ids.append(batch.id)
    cancelled = ids[:5]
    with db.transaction() as uow:
        s = uow.session
        snaps = list(s.scalars(select(ShopSnapshot).where(ShopSnapshot.batch_id.in_(batch_ids))))
        cancels = list(
            s.scalars(select(ShopCancellation).where(ShopCancellation.batch_id.in_(batch_ids)))
        )
        events = [
            e for e in audit.list_events(uow, workspace_id, limit=100)
            if e.action in {"shop.enrollment.withdraw", "shop.enrollment.remove",
                            "shop.enrollment.terminate"}
        ]  # fmt: skip
        assert len(snaps) == len(cancels) == len(events) == 5
        # Read back through the ORM and the snapshot's export, as before.
        mine = next(x for x in snaps if x.enrollment_id == ids[0])
        doc = snapshots_service.export(mine)
        assert doc["enrollment"]["presale"] is True
        assert doc["enrollment"]["shipping_days"] == 5
        assert doc["enrollment"]["previous_state"] == "approved"
        assert doc["product"]["title"] == '月饼 "礼盒" \\ tab\t'
        assert [o["status"] for o in doc["offers"]] == ["active", "active"]
        assert mine.created_at == clock.now()
        assert {f"shop.enrollment.{c.path}" for c in cancels} == {e.action for e in events}
        assert sorted(c.forced for c in cancels) == [False, False, False, True, True]
        assert all(c.restored is False and c.reason_text == '库存 "不足" 50%' for c in cancels)
        assert all(c.offers_cancelled == 2 and c.created_at == clock.now() for c in cancels)
        assert {(e.object_id, str((e.before or {})["state"])) for e in events} == {
            (str(c.enrollment_id), c.from_state) for c in cancels
        }
        assert {e.after["state"] for e in events if e.after} <= CANCELLED
        assert {e.after["offers_cancelled"] for e in events if e.after} == {2}
        # Stored exactly as SQLAlchemy stores the same values (JSON text, times, booleans).
        for rows, table in ((snaps, ShopSnapshot), (cancels, ShopCancellation),
                            (events, AuditEvent)):  # fmt: skip
            t: Table = table.__table__  # type: ignore[assignment]
            for row in rows:
                copy = twin(uow, row)
                assert stored(uow, t, f"id = {row.id}") == stored(uow, t, f"id = {copy}")
        # The updated times are stored as a time written by SQLAlchemy is.
        reference = twin(uow, mine)
        when = (
            s.connection()
            .exec_driver_sql(
                f"SELECT CAST(created_at AS TEXT) FROM shop_snapshots WHERE id = {reference}"
            )
            .scalar()
        )
        listed = ", ".join(str(i) for i in cancelled)
        batches = ", ".join(str(i) for i in batch_ids)
        for sql, expected in (
            (f"SELECT CAST(updated_at AS TEXT), 'x' FROM shop_enrollments "
             f"WHERE id IN ({listed})", (when, "x")),
            (f"SELECT CAST(cancelled_at AS TEXT), status FROM shop_offers "
             f"WHERE enrollment_id IN ({listed})", (when, "cancelled")),
            (f"SELECT CAST(processed_at AS TEXT), status FROM shop_batch_items "
             f"WHERE batch_id IN ({batches})", (when, "done")),
        ):  # fmt: skip
            found = s.connection().exec_driver_sql(sql).all()
            assert [tuple(r) for r in found] == [expected] * (
                len(cancelled) * (2 if "offers" in sql else 1)
            )
        items = list(s.scalars(select(ShopBatchItem).where(ShopBatchItem.batch_id.in_(batch_ids))))
        assert {(i.status, i.attempts, i.error_code, i.processed_at) for i in items} == {
            ("done", 1, None, clock.now())
        }
        offers = list(s.scalars(select(ShopOffer).where(ShopOffer.enrollment_id.in_(ids))))
        assert sorted((o.enrollment_id, o.status) for o in offers) == sorted(
            [(e, "cancelled") for e in cancelled for _ in range(2)]
            + [(e, "active") for e in ids[5:] for _ in range(2)]
        )
        s.rollback()  # the twins are not kept
