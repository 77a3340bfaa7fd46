"""SQL of the review (复盘), compensation coupons and restored cancellations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    ShopActivityCounter,
    ShopCancellation,
    ShopCompensation,
    ShopCompensationCoupon,
    ShopEnrollment,
    ShopProduct,
    ShopRiskEvent,
    ShopVerification,
)


class ReviewRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def mark_restored(self, enrollment_id: int, batch_id: int | None) -> None:
        c = ShopCancellation
        q = update(c).where(c.enrollment_id == enrollment_id, c.restored.is_(False))
        if batch_id is not None:
            q = q.where(c.batch_id == batch_id)
        self.s.execute(q.values(restored=True).execution_options(synchronize_session=False))

    def issue_coupons(self, workspace_id: int, compensation_id: int, followers: list[str]) -> None:
        self.s.execute(
            insert(ShopCompensationCoupon),
            [
                {"compensation_id": compensation_id, "follower_id": f, "workspace_id": workspace_id}
                for f in followers
            ],
        )

    def coupon_followers(self, workspace_id: int, compensation_id: int) -> list[str]:
        c = ShopCompensationCoupon
        q = select(c.follower_id).where(
            c.workspace_id == workspace_id, c.compensation_id == compensation_id
        )
        return list(self.s.execute(q.order_by(c.follower_id)).scalars())

    def compensation(self, workspace_id: int, compensation_id: int) -> ShopCompensation | None:
        return self.s.execute(
            select(ShopCompensation).where(
                ShopCompensation.workspace_id == workspace_id,
                ShopCompensation.id == compensation_id,
            )
        ).scalar_one_or_none()

    def compensations(self, workspace_id: int, product_id: int) -> list[ShopCompensation]:
        c = ShopCompensation
        q = select(c).where(c.workspace_id == workspace_id, c.product_id == product_id)
        return list(self.s.execute(q.order_by(c.id.desc())).scalars())

    def by_reason(self, workspace_id: int, activity_id: int, shop_id: int) -> dict[str, int]:
        c = ShopCancellation
        rows = self.s.execute(
            select(c.reason_code, func.count())
            .where(
                c.workspace_id == workspace_id,
                c.activity_id == activity_id,
                c.shop_id == shop_id,
                c.restored.is_(False),
            )
            .group_by(c.reason_code)
        ).all()
        return {str(r): int(n) for r, n in rows}

    def forced_count(self, workspace_id: int, activity_id: int, shop_id: int) -> int:
        r = ShopRiskEvent
        return int(
            self.s.execute(
                select(func.count()).where(
                    r.workspace_id == workspace_id,
                    r.activity_id == activity_id,
                    r.shop_id == shop_id,
                )
            ).scalar()
            or 0
        )

    def verification_counts(
        self, workspace_id: int, activity_id: int, shop_id: int
    ) -> tuple[int, int]:
        v = ShopVerification
        rows = self.s.execute(
            select(v.passed, func.count())
            .where(
                v.workspace_id == workspace_id, v.activity_id == activity_id, v.shop_id == shop_id
            )
            .group_by(v.passed)
        ).all()
        counts = {bool(p): int(n) for p, n in rows}
        return counts.get(True, 0), counts.get(False, 0)

    def platform_ratio(self, workspace_id: int, activity_id: int) -> tuple[int, int]:
        c = ShopActivityCounter
        row = self.s.execute(
            select(
                func.coalesce(func.sum(c.cancelled), 0), func.coalesce(func.sum(c.enrolled), 0)
            ).where(c.workspace_id == workspace_id, c.activity_id == activity_id)
        ).one()
        return int(row[0]), int(row[1])

    def shop_products(self, workspace_id: int, activity_id: int, shop_id: int) -> list[Any]:
        e, p = ShopEnrollment, ShopProduct
        return list(
            self.s.execute(
                select(p.id, p.title, p.stock, p.safety_stock, p.expected_sales, e.state)
                .join(e, e.product_id == p.id)
                .where(
                    e.workspace_id == workspace_id,
                    e.activity_id == activity_id,
                    e.shop_id == shop_id,
                )
                .order_by(p.id)
            ).all()
        )

    def shortage_products(self, workspace_id: int, activity_id: int, shop_id: int) -> set[int]:
        c = ShopCancellation
        return set(
            self.s.execute(
                select(c.product_id).where(
                    c.workspace_id == workspace_id,
                    c.activity_id == activity_id,
                    c.shop_id == shop_id,
                    c.reason_code == "stock_shortage",
                )
            ).scalars()
        )

    def titles(self, workspace_id: int, product_ids: list[int]) -> dict[int, str]:
        if not product_ids:
            return {}
        p = ShopProduct
        rows = self.s.execute(
            select(p.id, p.title).where(p.workspace_id == workspace_id, p.id.in_(set(product_ids)))
        ).all()
        return {int(r.id): str(r.title) for r in rows}

    def cancellations(
        self, workspace_id: int, activity_id: int, shop_id: int
    ) -> list[ShopCancellation]:
        c = ShopCancellation
        return list(
            self.s.execute(
                select(c)
                .where(
                    c.workspace_id == workspace_id,
                    c.activity_id == activity_id,
                    c.shop_id == shop_id,
                )
                .order_by(c.id)
            ).scalars()
        )
