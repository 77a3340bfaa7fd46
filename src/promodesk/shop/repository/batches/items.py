"""Set-based SQL of cancel batches: items, chunk loading, bulk evidence (snapshots,
cancellations, audit events), item compare-and-set, verification.

Every statement works on a whole chunk (a handful of statements per chunk whatever its size),
so a batch's cost grows linearly with its item count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    ShopActivity,
    ShopBatch,
    ShopBatchItem,
    ShopCancellation,
    ShopEnrollment,
    ShopOffer,
    ShopProduct,
    ShopSnapshot,
    ShopVerification,
)
from promodesk.models.base import UTCDateTime
from promodesk.shop.domain.batches import BatchStatus, ItemStatus
from promodesk.shop.repository.catalog import chunks


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class BatchRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session
        self.pg = uow.dialect == "postgresql"

    def add(self, batch: ShopBatch) -> ShopBatch:
        self.s.add(batch)
        self.s.flush()
        return batch

    def batch(self, workspace_id: int | None, batch_id: int, *, lock: bool = False) -> Any:
        q = select(ShopBatch).where(ShopBatch.id == batch_id)
        if workspace_id is not None:
            q = q.where(ShopBatch.workspace_id == workspace_id)
        if lock and self.pg:
            q = q.with_for_update()
        return self.s.execute(q.execution_options(populate_existing=True)).scalar_one_or_none()

    def batches(
        self, workspace_id: int, before_id: int | None = None, limit: int = 50
    ) -> list[Any]:
        """Newest first; the next page starts below the last id seen."""
        q = select(ShopBatch).where(ShopBatch.workspace_id == workspace_id)
        if before_id is not None:
            q = q.where(ShopBatch.id < before_id)
        return list(self.s.execute(q.order_by(ShopBatch.id.desc()).limit(limit)).scalars())

    def add_items(self, workspace_id: int, batch_id: int, enrollment_ids: Sequence[int]) -> int:
        """Items for these enrollments (set-based INSERT ... SELECT per part)."""
        e = ShopEnrollment
        added = 0
        for part in chunks(list(enrollment_ids)):
            source = (
                select(
                    literal(workspace_id),
                    literal(batch_id),
                    e.id,
                    e.activity_id,
                    e.product_id,
                    literal(ItemStatus.PENDING.value),
                    literal(0),
                )
                .where(e.workspace_id == workspace_id, e.id.in_(part))
                .order_by(e.id)
            )
            result = self.s.execute(
                insert(ShopBatchItem).from_select(
                    [
                        "workspace_id",
                        "batch_id",
                        "enrollment_id",
                        "activity_id",
                        "product_id",
                        "status",
                        "attempts",
                    ],
                    source,
                )
            )
            added += _rows(result)
        return added

    # window schedules not run yet ---------------------------------------------------------
    def scheduled_items(
        self, workspace_id: int, enrollment_ids: Sequence[int]
    ) -> dict[int, tuple[int, datetime]]:
        """Enrollment id → (batch id, run at) for those waiting in a scheduled batch."""
        i, b = ShopBatchItem, ShopBatch
        found: dict[int, tuple[int, datetime]] = {}
        for part in chunks(list(enrollment_ids)):
            rows = self.s.execute(
                select(i.enrollment_id, b.id, b.run_at)
                .join(b, b.id == i.batch_id)
                .where(
                    b.workspace_id == workspace_id,
                    b.status == BatchStatus.SCHEDULED,
                    i.status == ItemStatus.PENDING,
                    i.enrollment_id.in_(part),
                )
            ).all()
            for enrollment_id, batch_id, run_at in rows:
                found[int(enrollment_id)] = (int(batch_id), run_at)
        return found

    def scheduled_count(self, workspace_id: int, activity_id: int, shop_id: int) -> int:
        """Cancellations of one (activity, shop) waiting in scheduled batches."""
        i, b = ShopBatchItem, ShopBatch
        value = self.s.execute(
            select(func.count())
            .select_from(i)
            .join(b, b.id == i.batch_id)
            .where(
                b.workspace_id == workspace_id,
                b.status == BatchStatus.SCHEDULED,
                b.shop_id == shop_id,
                i.activity_id == activity_id,
                i.status == ItemStatus.PENDING,
            )
        ).scalar()
        return int(value or 0)

    def pending_chunk(self, batch_id: int, size: int) -> list[Any]:
        i = ShopBatchItem
        q = (
            select(i.id, i.enrollment_id, i.activity_id, i.product_id)
            .where(i.batch_id == batch_id, i.status == ItemStatus.PENDING)
            .order_by(i.id)
            .limit(size)
        )
        return list(self.s.execute(q).all())

    def chunk_details(self, enrollment_ids: Sequence[int]) -> list[Any]:
        """Enrollments of a chunk with their product figures (read after the counter locks)."""
        e, p = ShopEnrollment, ShopProduct
        found: list[Any] = []
        for part in chunks(list(enrollment_ids)):
            q = (
                select(
                    e.id,
                    e.workspace_id,
                    e.activity_id,
                    e.shop_id,
                    e.product_id,
                    e.state,
                    e.previous_state,
                    e.activity_price_minor,
                    e.currency,
                    e.activity_stock,
                    e.per_buyer_limit,
                    e.presale,
                    e.shipping_days,
                    e.views,
                    e.orders,
                    p.title,
                    p.price_minor,
                    p.stock,
                    p.status.label("product_status"),
                )
                .join(p, p.id == e.product_id)
                .where(e.id.in_(part))
            )
            found.extend(self.s.execute(q).all())
        return found

    def active_offers(self, enrollment_ids: Sequence[int]) -> list[Any]:
        o = ShopOffer
        found: list[Any] = []
        for part in chunks(list(enrollment_ids)):
            q = select(o.id, o.enrollment_id, o.kind, o.title, o.value_minor, o.percent_off).where(
                o.enrollment_id.in_(part), o.status == "active"
            )
            found.extend(self.s.execute(q).all())
        return found

    def cancel_offers(self, enrollment_ids: Sequence[int], at: datetime) -> int:
        changed = 0
        for part in chunks(list(enrollment_ids)):
            changed += _rows(
                self.s.execute(
                    update(ShopOffer)
                    .where(ShopOffer.enrollment_id.in_(part), ShopOffer.status == "active")
                    .values(status="cancelled", cancelled_at=at)
                    .execution_options(synchronize_session=False)
                )
            )
        return changed

    def insert_rows(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """Core executemany on the session's connection (the ORM bulk path costs ~5x)."""
        if rows:
            self.s.connection().execute(insert(model.__table__), rows)

    def insert_snapshots(self, rows: list[dict[str, Any]]) -> None:
        self.insert_rows(ShopSnapshot, rows)

    def insert_cancellations(self, rows: list[dict[str, Any]]) -> None:
        self.insert_rows(ShopCancellation, rows)

    def finish_items(
        self,
        item_ids: Sequence[int],
        status: str,
        at: datetime,
        code: str | None = None,
        detail: str | None = None,
    ) -> int:
        """Compare-and-set pending → done/failed: an item is finished exactly once."""
        changed = 0
        for part in chunks(list(item_ids)):
            changed += _rows(
                self.s.execute(
                    update(ShopBatchItem)
                    .where(ShopBatchItem.id.in_(part), ShopBatchItem.status == ItemStatus.PENDING)
                    .values(
                        status=status,
                        processed_at=at,
                        error_code=code,
                        error_detail=detail,
                        attempts=ShopBatchItem.attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            )
        return changed

    def bump_batch(self, batch_id: int, done: int, failed: int) -> None:
        b = ShopBatch
        self.s.execute(
            update(b)
            .where(b.id == batch_id)
            .values(done=b.done + done, failed=b.failed + failed)
            .execution_options(synchronize_session=False)
        )

    def set_batch(self, batch_id: int, expected: Iterable[str] | None, **values: Any) -> bool:
        q = update(ShopBatch).where(ShopBatch.id == batch_id)
        if expected is not None:
            q = q.where(ShopBatch.status.in_(list(expected)))
        return (
            _rows(self.s.execute(q.values(**values).execution_options(synchronize_session=False)))
            == 1
        )

    def requeue_failed(self, batch_id: int) -> int:
        i = ShopBatchItem
        changed = _rows(
            self.s.execute(
                update(i)
                .where(i.batch_id == batch_id, i.status == ItemStatus.FAILED)
                .values(status=ItemStatus.PENDING, error_code=None, error_detail=None)
                .execution_options(synchronize_session=False)
            )
        )
        if changed:
            b = ShopBatch
            self.s.execute(
                update(b)
                .where(b.id == batch_id)
                .values(failed=b.failed - changed)
                .execution_options(synchronize_session=False)
            )
        return changed

    def items(self, batch_id: int, status: str | None, after_id: int, limit: int) -> list[Any]:
        i = ShopBatchItem
        q = select(i).where(i.batch_id == batch_id, i.id > after_id)
        if status:
            q = q.where(i.status == status)
        return list(self.s.execute(q.order_by(i.id).limit(limit)).scalars())

    def done_by_shop(self, batch_id: int, named: int = 20) -> dict[int, tuple[int, list[Any]]]:
        """Per shop, how many items of the batch are done and the first ``named`` of them
        (product title, activity title), for the notice that tells the team."""
        i, e, p, a = ShopBatchItem, ShopEnrollment, ShopProduct, ShopActivity
        rows = self.s.execute(
            select(e.shop_id, p.title, a.name.label("activity"))
            .select_from(i)
            .join(e, e.id == i.enrollment_id)
            .join(p, p.id == i.product_id)
            .join(a, a.id == i.activity_id)
            .where(i.batch_id == batch_id, i.status == ItemStatus.DONE)
            .order_by(i.id)
        ).all()
        found: dict[int, tuple[int, list[Any]]] = {}
        for row in rows:
            count, first = found.get(int(row.shop_id), (0, []))
            if len(first) < named:
                first.append(row)
            found[int(row.shop_id)] = (count + 1, first)
        return found

    def item_counts(self, batch_id: int) -> dict[str, int]:
        i = ShopBatchItem
        rows = self.s.execute(
            select(i.status, func.count()).where(i.batch_id == batch_id).group_by(i.status)
        ).all()
        return {str(status): int(n) for status, n in rows}

    def batch_activity_delay(self, batch_id: int) -> int:
        """The longest verification delay (minutes) of the activities in a batch."""
        i, a = ShopBatchItem, ShopActivity
        value = self.s.execute(
            select(func.max(a.verification_delay_minutes))
            .select_from(i)
            .join(a, a.id == i.activity_id)
            .where(i.batch_id == batch_id)
        ).scalar()
        return int(value or 0)

    # verification ------------------------------------------------------------------------
    def verify(self, workspace_id: int, batch_id: int, at: datetime) -> int:
        """Record pass/fail for each done item not verified yet (one INSERT ... SELECT):
        pass = the product is not purchasable at the activity price (the enrollment left the
        purchasable states or the product has no stock / is delisted) and no linked offer is
        active, or the cancel was restored on purpose from its snapshot."""
        i, e, p, o, v = ShopBatchItem, ShopEnrollment, ShopProduct, ShopOffer, ShopVerification
        sn = ShopSnapshot
        # Every set below is read once for the whole batch (hashed), never per item: a
        # correlated subquery per item became a scan per item on a table whose statistics
        # were older than the batch (PostgreSQL: 6 s for 10,000 items).
        items = aliased(ShopBatchItem)
        offers = (
            select(o.enrollment_id.label("enrollment_id"), func.count().label("n"))
            .where(
                o.status == "active",
                o.enrollment_id.in_(select(items.enrollment_id).where(items.batch_id == batch_id)),
            )
            .group_by(o.enrollment_id)
            .subquery()
        )
        active_offers = func.coalesce(offers.c.n, 0)
        purchasable = and_(e.state.in_(["approved", "live"]), p.stock > 0, p.status == "listed")
        # a cancel restored on purpose (from its snapshot) is not a failed cancel: it is
        # recorded as passed (the result the batch page waits for), whatever it is now
        restored = i.enrollment_id.in_(
            select(sn.enrollment_id).where(
                sn.workspace_id == workspace_id,
                sn.batch_id == batch_id,
                sn.restored_at.is_not(None),
            )
        )
        source = (
            select(
                literal(workspace_id),
                literal(batch_id),
                e.id,
                e.activity_id,
                e.shop_id,
                e.product_id,
                case((restored, True), (and_(~purchasable, active_offers == 0), True), else_=False),
                case((purchasable, True), else_=False),
                active_offers,
                literal(at, type_=UTCDateTime()),
            )
            .select_from(i)
            .join(e, e.id == i.enrollment_id)
            .join(p, p.id == e.product_id)
            .outerjoin(offers, offers.c.enrollment_id == e.id)
            .where(
                i.batch_id == batch_id,
                i.status == ItemStatus.DONE,
                i.enrollment_id.not_in(select(v.enrollment_id).where(v.batch_id == batch_id)),
            )
        )
        result = self.s.execute(
            insert(v).from_select(
                [
                    "workspace_id",
                    "batch_id",
                    "enrollment_id",
                    "activity_id",
                    "shop_id",
                    "product_id",
                    "passed",
                    "purchasable",
                    "active_offers",
                    "created_at",
                ],
                source,
            )
        )
        return _rows(result)

    def verifications(
        self,
        workspace_id: int,
        *,
        batch_id: int | None = None,
        passed: bool | None = None,
        after_id: int = 0,
        limit: int = 50,
    ) -> list[Any]:
        v = ShopVerification
        q = select(v).where(v.workspace_id == workspace_id, v.id > after_id)
        if batch_id is not None:
            q = q.where(v.batch_id == batch_id)
        if passed is not None:
            q = q.where(v.passed == passed)
        return list(self.s.execute(q.order_by(v.id).limit(limit)).scalars())

    def restored_ids(self, batch_id: int) -> set[int]:
        """Enrollments of a batch whose cancel was restored from its snapshot."""
        sn = ShopSnapshot
        rows = self.s.execute(
            select(sn.enrollment_id).where(sn.batch_id == batch_id, sn.restored_at.is_not(None))
        ).scalars()
        return {int(r) for r in rows}

    def verification_tally(self, batch_id: int) -> tuple[int, int]:
        """(results recorded, results failed) of a batch's verification."""
        v = ShopVerification
        total, failed = self.s.execute(
            select(func.count(), func.count(case((v.passed.is_(False), 1))))
            .select_from(v)
            .where(v.batch_id == batch_id)
        ).one()
        return int(total or 0), int(failed or 0)

    def failed_verifications(self, batch_id: int, limit: int) -> list[Any]:
        """A batch's failed results with their product's title, first ``limit``."""
        v, p = ShopVerification, ShopProduct
        return list(
            self.s.execute(
                select(v, p.title)
                .join(p, p.id == v.product_id)
                .where(v.batch_id == batch_id, v.passed.is_(False))
                .order_by(v.id)
                .limit(limit)
            ).all()
        )

    def failed_verifications_by_shop(self, batch_id: int) -> dict[int, list[int]]:
        v = ShopVerification
        rows = self.s.execute(
            select(v.shop_id, v.product_id).where(v.batch_id == batch_id, v.passed.is_(False))
        ).all()
        found: dict[int, list[int]] = {}
        for shop_id, product_id in rows:
            found.setdefault(int(shop_id), []).append(int(product_id))
        return found
