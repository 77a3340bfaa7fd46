"""SQL of a cancel batch's verification on the platform: its targets, what it needs of their
snapshots and coupons, and the results it overrules. Scoped to a workspace and a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    ShopActivity,
    ShopBatchItem,
    ShopOffer,
    ShopPlatformLink,
    ShopProduct,
    ShopSnapshot,
    ShopVerification,
)

IN_LIST = 5000  # ids per IN list (SQLite's and the drivers' parameter limits)


class VerificationRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def verify_targets(self, workspace_id: int, batch_id: int, limit: int) -> list[Any]:
        """A batch's done items in activities of a linked platform shop, with the platform's
        ids and the link (first ``limit``)."""
        i, a, p, link = ShopBatchItem, ShopActivity, ShopProduct, ShopPlatformLink
        return list(
            self.s.execute(
                select(
                    i.enrollment_id,
                    i.product_id,
                    i.activity_id,
                    a.platform_activity_id,
                    p.platform_product_id,
                    link.id.label("link_id"),
                )
                .join(a, a.id == i.activity_id)
                .join(p, p.id == i.product_id)
                .join(link, link.shop_id == a.platform_shop_id)
                .where(
                    i.batch_id == batch_id,
                    i.workspace_id == workspace_id,
                    i.status == "done",
                    a.platform_activity_id.is_not(None),
                    p.platform_product_id.is_not(None),
                )
                .order_by(i.id)
                .limit(limit)
            ).all()
        )

    def snapshots(
        self, workspace_id: int, batch_id: int, enrollment_ids: Sequence[int]
    ) -> dict[int, Any]:
        """Enrollment id → the snapshot the batch took of it before its change (data,
        restored_at); by the batch, for these enrollments only."""
        found: dict[int, Any] = {}
        ids = list(enrollment_ids)
        for start in range(0, len(ids), IN_LIST):
            rows = self.s.execute(
                select(ShopSnapshot.enrollment_id, ShopSnapshot.data, ShopSnapshot.restored_at)
                .where(
                    ShopSnapshot.batch_id == batch_id,
                    ShopSnapshot.workspace_id == workspace_id,
                    ShopSnapshot.enrollment_id.in_(ids[start : start + IN_LIST]),
                )
                .order_by(ShopSnapshot.id)
            ).all()
            found.update({int(r.enrollment_id): r for r in rows})
        return found

    def restored(self, workspace_id: int, batch_id: int) -> set[int]:
        """The enrollments whose cancel in the batch was restored from its snapshot."""
        rows = self.s.execute(
            select(ShopSnapshot.enrollment_id).where(
                ShopSnapshot.batch_id == batch_id,
                ShopSnapshot.workspace_id == workspace_id,
                ShopSnapshot.restored_at.is_not(None),
            )
        ).scalars()
        return {int(e) for e in rows}

    def coupons_of(self, enrollment_ids: Sequence[int]) -> dict[int, list[str]]:
        """The platform coupons linked to these enrollments (cancelled here or not)."""
        found: dict[int, list[str]] = {}
        ids = list(enrollment_ids)
        for start in range(0, len(ids), IN_LIST):
            rows = self.s.execute(
                select(ShopOffer.enrollment_id, ShopOffer.platform_coupon_id).where(
                    ShopOffer.enrollment_id.in_(ids[start : start + IN_LIST]),
                    ShopOffer.platform_coupon_id.is_not(None),
                )
            ).all()
            for enrollment_id, coupon_id in rows:
                found.setdefault(int(enrollment_id), []).append(str(coupon_id))
        return found

    def unchecked(self, batch_id: int) -> list[Any]:
        """The batch's results (id, enrollment, local verdict) the platform has not overruled
        yet: no platform record."""
        v = ShopVerification
        rows = self.s.execute(
            select(v.id, v.enrollment_id, v.passed, v.platform).where(v.batch_id == batch_id)
        ).all()
        return [r for r in rows if r.platform is None]

    def overrule(self, changes: list[dict[str, Any]]) -> None:
        """Results by ``id``: ``passed`` and the ``platform`` record, and ``purchasable`` where
        given; one statement for all the rows with the same keys, not a flush of one row
        object each."""
        v = cast(Table, ShopVerification.__table__)
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for change in changes:
            by_keys.setdefault(tuple(sorted(change)), []).append(
                {f"_{k}": value for k, value in change.items()}
            )
        for keys, rows in by_keys.items():
            values = {k: bindparam(f"_{k}", type_=v.c[k].type) for k in keys if k != "id"}
            statement = update(v).where(v.c.id == bindparam("_id")).values(values)
            # Core, not the ORM's bulk update: no row objects, no copy of each row's values.
            self.s.connection().execute(statement, rows)
