"""Cancel batches and their items: the batch rows, the items' set-based insert, window
schedules not run yet, chunk loading, the items' compare-and-set and the batch's tallies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from promodesk.models import ShopActivity, ShopBatch, ShopBatchItem, ShopEnrollment, ShopProduct
from promodesk.shop.domain.batches import BatchStatus, ItemStatus
from promodesk.shop.repository.batches.base import Base, Driver, changed_rows
from promodesk.shop.repository.catalog import chunks

_ADD_ITEMS = (
    "INSERT INTO shop_batch_items (workspace_id, batch_id, enrollment_id, activity_id, "
    "product_id, status, attempts) SELECT {p}, {p}, id, activity_id, product_id, {p}, 0 "
    "FROM shop_enrollments WHERE id {ids} AND workspace_id = {p} ORDER BY id"
)
_SCHEDULED = (
    "SELECT i.enrollment_id, b.id FROM shop_batch_items i JOIN shop_batches b ON b.id = i.batch_id "
    "WHERE b.workspace_id = {p} AND b.status = {p} AND i.enrollment_id {ids} AND i.status = {p}"
)


class BatchItems(Base):
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
        """Items for these enrollments of the workspace (set-based INSERT ... SELECT)."""
        driver = Driver(self.uow)
        try:
            return driver.changed(
                _ADD_ITEMS, enrollment_ids, (workspace_id, batch_id, ItemStatus.PENDING.value),
                (workspace_id,),
            )  # fmt: skip
        finally:
            driver.close()

    # window schedules not run yet ---------------------------------------------------------
    def scheduled_items(
        self, workspace_id: int, enrollment_ids: Sequence[int]
    ) -> dict[int, tuple[int, datetime]]:
        """Enrollment id → (batch id, run at) for those waiting in a scheduled batch."""
        driver = Driver(self.uow)
        try:
            pairs = driver.rows(
                _SCHEDULED, enrollment_ids, (workspace_id, BatchStatus.SCHEDULED.value),
                (ItemStatus.PENDING.value,),
            )  # fmt: skip
        finally:
            driver.close()
        if not pairs:
            return {}
        # Rare (a refusal): the batches' times are read through their column type.
        b = ShopBatch
        run_at = dict(
            self.s.execute(select(b.id, b.run_at).where(b.id.in_({p[1] for p in pairs}))).all()
        )
        return {int(e): (int(batch), run_at[batch]) for e, batch in pairs}

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
            changed += changed_rows(
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
            changed_rows(
                self.s.execute(q.values(**values).execution_options(synchronize_session=False))
            )
            == 1
        )

    def requeue_failed(self, batch_id: int) -> int:
        i = ShopBatchItem
        changed = changed_rows(
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
        (product title, activity title), for the notice that tells the team. The database
        counts and picks them (one window query), so a batch's rows are not all sent back."""
        i, e, p, a = ShopBatchItem, ShopEnrollment, ShopProduct, ShopActivity
        ranked = (
            select(
                e.shop_id,
                p.title,
                a.name.label("activity"),
                i.id,
                func.row_number().over(partition_by=e.shop_id, order_by=i.id).label("rank"),
                func.count().over(partition_by=e.shop_id).label("done"),
            )
            .select_from(i)
            .join(e, e.id == i.enrollment_id)
            .join(p, p.id == i.product_id)
            .join(a, a.id == i.activity_id)
            .where(i.batch_id == batch_id, i.status == ItemStatus.DONE)
            .subquery()
        )
        rows = self.s.execute(
            select(ranked.c.shop_id, ranked.c.title, ranked.c.activity, ranked.c.done)
            .where(ranked.c.rank <= named)
            .order_by(ranked.c.id)  # shops in the order of their first item, as listed
        ).all()
        found: dict[int, tuple[int, list[Any]]] = {}
        for row in rows:
            found.setdefault(int(row.shop_id), (int(row.done), []))[1].append(row)
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
