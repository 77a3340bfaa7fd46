"""SQL of shops, products, activities, enrollments, offers and counters (batches:
``repository.batches``; review: ``repository.review``; snapshots, risk events and
announcements: ``repository.records``). Every query is scoped to a workspace;
state changes are compare-and-set updates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, insert, select, tuple_, update

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    Job,
    Shop,
    ShopActivity,
    ShopActivityCounter,
    ShopEnrollment,
    ShopMember,
    ShopOffer,
    ShopProduct,
    ShopProductFollower,
)

T = TypeVar("T")
IN_CHUNK = 5000  # ids per IN (...) list, well under SQLite's variable limit


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ShopRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session
        self.pg = uow.dialect == "postgresql"

    def add(self, row: T) -> T:
        self.s.add(row)
        self.s.flush()
        return row

    def _one(self, model: Any, workspace_id: int, row_id: int) -> Any:
        return self.s.execute(
            select(model).where(model.id == row_id, model.workspace_id == workspace_id)
        ).scalar_one_or_none()

    # shops, members, products -------------------------------------------------------------
    def shop(self, workspace_id: int, shop_id: int, *, lock: bool = False) -> Shop | None:
        q = select(Shop).where(Shop.id == shop_id, Shop.workspace_id == workspace_id)
        if lock and self.pg:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def shop_by_name(self, workspace_id: int, name: str) -> Shop | None:
        return self.s.execute(
            select(Shop).where(Shop.workspace_id == workspace_id, Shop.name == name)
        ).scalar_one_or_none()

    def shops(self, workspace_id: int, after_id: int = 0, limit: int = 50) -> list[Shop]:
        q = select(Shop).where(Shop.workspace_id == workspace_id, Shop.id > after_id)
        return list(self.s.execute(q.order_by(Shop.id).limit(limit)).scalars())

    def members(self, workspace_id: int, shop_id: int) -> list[ShopMember]:
        q = select(ShopMember).where(
            ShopMember.workspace_id == workspace_id, ShopMember.shop_id == shop_id
        )
        return list(self.s.execute(q.order_by(ShopMember.id)).scalars())

    def product(self, workspace_id: int, product_id: int) -> ShopProduct | None:
        found: ShopProduct | None = self._one(ShopProduct, workspace_id, product_id)
        return found

    def products(
        self, workspace_id: int, shop_id: int | None, after_id: int = 0, limit: int = 50
    ) -> list[ShopProduct]:
        q = select(ShopProduct).where(
            ShopProduct.workspace_id == workspace_id, ShopProduct.id > after_id
        )
        if shop_id is not None:
            q = q.where(ShopProduct.shop_id == shop_id)
        return list(self.s.execute(q.order_by(ShopProduct.id).limit(limit)).scalars())

    def products_by_ids(self, workspace_id: int, ids: Sequence[int]) -> list[ShopProduct]:
        found: list[ShopProduct] = []
        for part in chunks(list(ids)):
            q = select(ShopProduct).where(
                ShopProduct.workspace_id == workspace_id, ShopProduct.id.in_(part)
            )
            found.extend(self.s.execute(q).scalars())
        return found

    def add_followers(self, workspace_id: int, product_id: int, follower_ids: list[str]) -> int:
        existing = set(self.follower_ids(product_id))
        fresh = sorted({f for f in follower_ids if f not in existing})
        if fresh:
            self.s.execute(
                insert(ShopProductFollower),
                [
                    {"product_id": product_id, "follower_id": f, "workspace_id": workspace_id}
                    for f in fresh
                ],
            )
        return len(fresh)

    def follower_ids(self, product_id: int) -> list[str]:
        q = select(ShopProductFollower.follower_id).where(
            ShopProductFollower.product_id == product_id
        )
        return list(self.s.execute(q.order_by(ShopProductFollower.follower_id)).scalars())

    def set_product_stock(self, product_ids: Sequence[int], stock: int, at: datetime) -> None:
        for part in chunks(list(product_ids)):
            self.s.execute(
                update(ShopProduct)
                .where(ShopProduct.id.in_(part))
                .values(stock=stock, updated_at=at)
                .execution_options(synchronize_session="fetch")
            )

    # activities and counters --------------------------------------------------------------
    def activity(self, workspace_id: int, activity_id: int) -> ShopActivity | None:
        found: ShopActivity | None = self._one(ShopActivity, workspace_id, activity_id)
        return found

    def activities(self, workspace_id: int, after_id: int = 0, limit: int = 50) -> list[Any]:
        q = select(ShopActivity).where(
            ShopActivity.workspace_id == workspace_id, ShopActivity.id > after_id
        )
        return list(self.s.execute(q.order_by(ShopActivity.id).limit(limit)).scalars())

    def activities_by_ids(self, workspace_id: int, ids: Iterable[int]) -> dict[int, ShopActivity]:
        q = select(ShopActivity).where(
            ShopActivity.workspace_id == workspace_id, ShopActivity.id.in_(list(set(ids)))
        )
        return {a.id: a for a in self.s.execute(q).scalars()}

    def counter(self, activity_id: int, shop_id: int) -> ShopActivityCounter | None:
        return self.s.get(ShopActivityCounter, (activity_id, shop_id))

    def ensure_counter(self, workspace_id: int, activity_id: int, shop_id: int) -> None:
        if self.counter(activity_id, shop_id) is None:
            with self.uow.savepoint():
                self.add(
                    ShopActivityCounter(
                        activity_id=activity_id,
                        shop_id=shop_id,
                        workspace_id=workspace_id,
                        enrolled=0,
                        active=0,
                        cancelled=0,
                    )
                )

    def lock_counters(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Any]:
        """Lock the (activity, shop) counter rows in a fixed order (no deadlocks) and return
        their values; SQLite's BEGIN IMMEDIATE already serializes writers."""
        ordered = sorted(set(keys))
        if not ordered:
            return {}
        c = ShopActivityCounter
        q = (
            select(c.activity_id, c.shop_id, c.enrolled, c.active, c.cancelled)
            .where(tuple_(c.activity_id, c.shop_id).in_(ordered))
            .order_by(c.activity_id, c.shop_id)
        )
        if self.pg:
            q = q.with_for_update()
        # A fresh read: another transaction may have changed them since this session cached.
        rows = self.s.execute(q.execution_options(populate_existing=True)).all()
        return {(r.activity_id, r.shop_id): r for r in rows}

    def bump_counter(
        self,
        activity_id: int,
        shop_id: int,
        *,
        enrolled: int = 0,
        active: int = 0,
        cancelled: int = 0,
        guard: tuple[int, int] | None = None,
    ) -> bool:
        """Add to the counters; with ``guard=(min_products, max_percent)`` only if the result
        still satisfies both guardrails (compare-and-set). False when the guard refused."""
        c = ShopActivityCounter
        q = update(c).where(c.activity_id == activity_id, c.shop_id == shop_id)
        if guard is not None:
            min_products, max_percent = guard
            q = q.where(
                c.active + active >= min_products,
                (c.cancelled + cancelled) * 100 <= max_percent * (c.enrolled + enrolled),
            )
        result = self.s.execute(
            q.values(
                enrolled=c.enrolled + enrolled,
                active=c.active + active,
                cancelled=c.cancelled + cancelled,
            ).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    def counters_for_activity(self, workspace_id: int, activity_id: int) -> list[Any]:
        c = ShopActivityCounter
        q = select(c).where(c.workspace_id == workspace_id, c.activity_id == activity_id)
        return list(self.s.execute(q).scalars())

    # enrollments and offers ---------------------------------------------------------------
    def enrollments_of_products(
        self, workspace_id: int, product_ids: Sequence[int], limit: int
    ) -> list[ShopEnrollment]:
        """Every enrollment of the products, read fresh (compare-and-set updates do not
        refresh the session's objects)."""
        q = (
            self._enrollment_query(workspace_id, product_ids=list(product_ids))
            .order_by(ShopEnrollment.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return list(self.s.execute(q).scalars())

    def stock_zeroed_ids(self, workspace_id: int, activity_id: int, shop_id: int) -> list[int]:
        e = ShopEnrollment
        q = select(e.id).where(
            e.workspace_id == workspace_id,
            e.activity_id == activity_id,
            e.shop_id == shop_id,
            e.state == "stock_zeroed",
        )
        return list(self.s.execute(q).scalars())

    def job_payloads(self, workspace_id: int, name: str, statuses: Sequence[str]) -> list[Any]:
        """Payloads of the workspace's jobs of one name in the given statuses."""
        return [p for p, _at in self.job_runs(workspace_id, name, statuses)]

    def job_runs(
        self, workspace_id: int, name: str, statuses: Sequence[str]
    ) -> list[tuple[Any, datetime]]:
        """(payload, run_at) of the workspace's jobs of one name in the given statuses."""
        q = select(Job.payload, Job.run_at).where(
            Job.workspace_id == workspace_id, Job.name == name, Job.status.in_(list(statuses))
        )
        return [(r.payload, r.run_at) for r in self.s.execute(q)]

    def enrollment(
        self, workspace_id: int, enrollment_id: int, *, lock: bool = False
    ) -> ShopEnrollment | None:
        q = select(ShopEnrollment).where(
            ShopEnrollment.id == enrollment_id, ShopEnrollment.workspace_id == workspace_id
        )
        if lock and self.pg:
            q = q.with_for_update()
        return self.s.execute(q.execution_options(populate_existing=True)).scalar_one_or_none()

    def enrollment_for(self, activity_id: int, product_id: int) -> ShopEnrollment | None:
        q = select(ShopEnrollment).where(
            ShopEnrollment.activity_id == activity_id, ShopEnrollment.product_id == product_id
        )
        return self.s.execute(q).scalar_one_or_none()

    def _enrollment_query(self, workspace_id: int, **f: Any) -> Select[Any]:
        e = ShopEnrollment
        q = select(e).where(e.workspace_id == workspace_id)
        if f.get("activity_id") is not None:
            q = q.where(e.activity_id == f["activity_id"])
        if f.get("shop_id") is not None:
            q = q.where(e.shop_id == f["shop_id"])
        if f.get("states"):
            q = q.where(e.state.in_(list(f["states"])))
        if f.get("product_ids") is not None:
            q = q.where(e.product_id.in_(list(f["product_ids"])))
        if f.get("ids") is not None:
            q = q.where(e.id.in_(list(f["ids"])))
        if f.get("min_views") is not None:
            q = q.where(e.views >= f["min_views"])
        return q

    def enrollments(
        self, workspace_id: int, *, after_id: int = 0, limit: int = 50, **filters: Any
    ) -> list[ShopEnrollment]:
        q = self._enrollment_query(workspace_id, **filters).where(ShopEnrollment.id > after_id)
        return list(self.s.execute(q.order_by(ShopEnrollment.id).limit(limit)).scalars())

    def enrollment_ids(self, workspace_id: int, **filters: Any) -> list[int]:
        """Ids matching filters; id or product lists are queried in parts."""
        for key in ("ids", "product_ids"):
            values = filters.get(key)
            if values is not None and len(values) > IN_CHUNK:
                found: list[int] = []
                for part in chunks(list(values)):
                    found.extend(self.enrollment_ids(workspace_id, **{**filters, key: part}))
                return sorted(set(found))
        q = self._enrollment_query(workspace_id, **filters).with_only_columns(ShopEnrollment.id)
        return list(self.s.execute(q.order_by(ShopEnrollment.id)).scalars())

    def enrollments_by_ids(self, workspace_id: int, ids: Sequence[int]) -> list[ShopEnrollment]:
        found: list[ShopEnrollment] = []
        for part in chunks(list(ids)):
            q = self._enrollment_query(workspace_id, ids=part).execution_options(
                populate_existing=True
            )
            found.extend(self.s.execute(q).scalars())
        return sorted(found, key=lambda e: e.id)

    def set_state(
        self,
        ids: Sequence[int],
        expected: Iterable[str],
        target: str,
        at: datetime,
        **values: Any,
    ) -> int:
        """Compare-and-set: move rows still in one of ``expected`` to ``target``."""
        changed = 0
        for part in chunks(list(ids)):
            result = self.s.execute(
                update(ShopEnrollment)
                .where(ShopEnrollment.id.in_(part), ShopEnrollment.state.in_(list(expected)))
                .values(state=target, updated_at=at, **values)
                .execution_options(synchronize_session=False)
            )
            changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

    def start_activity(self, workspace_id: int, activity_id: int, at: datetime) -> int:
        return int(
            getattr(
                self.s.execute(
                    update(ShopEnrollment)
                    .where(
                        ShopEnrollment.workspace_id == workspace_id,
                        ShopEnrollment.activity_id == activity_id,
                        ShopEnrollment.state == "approved",
                    )
                    .values(state="live", updated_at=at)
                    .execution_options(synchronize_session=False)
                ),
                "rowcount",
                0,
            )
            or 0
        )

    def offers(self, enrollment_ids: Sequence[int], status: str | None = None) -> list[Any]:
        found: list[ShopOffer] = []
        for part in chunks(list(enrollment_ids)):
            q = select(ShopOffer).where(ShopOffer.enrollment_id.in_(part))
            if status:
                q = q.where(ShopOffer.status == status)
            found.extend(self.s.execute(q.order_by(ShopOffer.id)).scalars())
        return found

    def set_offers(self, offer_ids: Sequence[int], status: str, at: datetime | None) -> int:
        changed = 0
        for part in chunks(list(offer_ids)):
            result = self.s.execute(
                update(ShopOffer)
                .where(ShopOffer.id.in_(part))
                .values(status=status, cancelled_at=at)
                .execution_options(synchronize_session="fetch")
            )
            changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

    def move_offers(self, from_enrollment: int, to_enrollment: int) -> int:
        result = self.s.execute(
            update(ShopOffer)
            .where(ShopOffer.enrollment_id == from_enrollment, ShopOffer.status == "active")
            .values(enrollment_id=to_enrollment)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def traffic(self, workspace_id: int, activity_id: int) -> tuple[int, int]:
        e = ShopEnrollment
        row = self.s.execute(
            select(func.coalesce(func.sum(e.views), 0), func.coalesce(func.sum(e.orders), 0)).where(
                e.workspace_id == workspace_id, e.activity_id == activity_id
            )
        ).one()
        return int(row[0]), int(row[1])
