"""SQL of platform links, webhook events and write intents. Scoped to a workspace, except the
webhook's lookup of a link by platform shop id (the webhook names no workspace)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    ShopActivity,
    ShopBatchItem,
    ShopEnrollment,
    ShopOffer,
    ShopPlatformEvent,
    ShopPlatformIntent,
    ShopPlatformLink,
    ShopProduct,
    ShopProductSku,
)


class PlatformRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def add(self, row: Any) -> Any:
        self.s.add(row)
        self.s.flush()
        return row

    # links -----------------------------------------------------------------------------

    def link(self, workspace_id: int, link_id: int) -> ShopPlatformLink | None:
        return self.s.execute(
            select(ShopPlatformLink).where(
                ShopPlatformLink.workspace_id == workspace_id, ShopPlatformLink.id == link_id
            )
        ).scalar_one_or_none()

    def link_for_shop(self, workspace_id: int, shop_id: int) -> ShopPlatformLink | None:
        return self.s.execute(
            select(ShopPlatformLink).where(
                ShopPlatformLink.workspace_id == workspace_id, ShopPlatformLink.shop_id == shop_id
            )
        ).scalar_one_or_none()

    def link_by_platform_shop(
        self, workspace_id: int, provider: str, platform_shop_id: str
    ) -> ShopPlatformLink | None:
        return self.s.execute(
            select(ShopPlatformLink).where(
                ShopPlatformLink.workspace_id == workspace_id,
                ShopPlatformLink.provider == provider,
                ShopPlatformLink.platform_shop_id == platform_shop_id,
            )
        ).scalar_one_or_none()

    def links_of_platform_shop(
        self, provider: str, platform_shop_id: str
    ) -> Sequence[ShopPlatformLink]:
        """Every workspace's link to one platform shop (a webhook names only the shop)."""
        return (
            self.s.execute(
                select(ShopPlatformLink)
                .where(
                    ShopPlatformLink.provider == provider,
                    ShopPlatformLink.platform_shop_id == platform_shop_id,
                )
                .order_by(ShopPlatformLink.id)
            )
            .scalars()
            .all()
        )

    def links(self, workspace_id: int) -> Sequence[ShopPlatformLink]:
        return (
            self.s.execute(
                select(ShopPlatformLink)
                .where(ShopPlatformLink.workspace_id == workspace_id)
                .order_by(ShopPlatformLink.id)
            )
            .scalars()
            .all()
        )

    def due_for_refresh(self, status: str, before: datetime) -> list[tuple[int, int]]:
        rows = self.s.execute(
            select(ShopPlatformLink.workspace_id, ShopPlatformLink.id)
            .where(ShopPlatformLink.status == status, ShopPlatformLink.access_expires_at <= before)
            .order_by(ShopPlatformLink.id)
        ).all()
        return [(int(w), int(i)) for w, i in rows]

    def set_status(self, link_id: int, sources: frozenset[str], target: str, reason: str) -> bool:
        """Compare-and-set: False when another process changed the status first."""
        result = self.s.execute(
            update(ShopPlatformLink)
            .where(ShopPlatformLink.id == link_id, ShopPlatformLink.status.in_(sorted(sources)))
            .values(status=target, status_reason=reason[:1000])
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    # events ----------------------------------------------------------------------------

    def event(self, provider: str, digest: str) -> ShopPlatformEvent | None:
        return self.s.execute(
            select(ShopPlatformEvent).where(
                ShopPlatformEvent.provider == provider, ShopPlatformEvent.digest == digest
            )
        ).scalar_one_or_none()

    # intents ---------------------------------------------------------------------------

    def intents(self, workspace_id: int, key_prefix: str) -> Sequence[ShopPlatformIntent]:
        return (
            self.s.execute(
                select(ShopPlatformIntent)
                .where(
                    ShopPlatformIntent.workspace_id == workspace_id,
                    ShopPlatformIntent.key.startswith(key_prefix, autoescape=True),
                )
                .order_by(ShopPlatformIntent.chunk, ShopPlatformIntent.id)
            )
            .scalars()
            .all()
        )

    def recent_intents(self, workspace_id: int, limit: int) -> Sequence[ShopPlatformIntent]:
        return (
            self.s.execute(
                select(ShopPlatformIntent)
                .where(ShopPlatformIntent.workspace_id == workspace_id)
                .order_by(ShopPlatformIntent.id.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )

    def intent(self, workspace_id: int, intent_id: int) -> ShopPlatformIntent | None:
        return self.s.execute(
            select(ShopPlatformIntent).where(
                ShopPlatformIntent.workspace_id == workspace_id,
                ShopPlatformIntent.id == intent_id,
            )
        ).scalar_one_or_none()

    def intent_by_key(self, workspace_id: int, key: str) -> ShopPlatformIntent | None:
        return self.s.execute(
            select(ShopPlatformIntent).where(
                ShopPlatformIntent.workspace_id == workspace_id, ShopPlatformIntent.key == key
            )
        ).scalar_one_or_none()

    # mirror ----------------------------------------------------------------------------

    def products_by_platform_id(
        self, workspace_id: int, shop_id: int, platform_ids: Sequence[str]
    ) -> dict[str, ShopProduct]:
        if not platform_ids:
            return {}
        found: dict[str, ShopProduct] = {}
        ids = list(dict.fromkeys(platform_ids))
        for start in range(0, len(ids), 5000):
            rows = self.s.execute(
                select(ShopProduct).where(
                    ShopProduct.workspace_id == workspace_id,
                    ShopProduct.shop_id == shop_id,
                    ShopProduct.platform_product_id.in_(ids[start : start + 5000]),
                )
            ).scalars()
            for row in rows:
                assert row.platform_product_id is not None
                found[row.platform_product_id] = row
        return found

    def activity_by_platform_id(
        self, workspace_id: int, shop_id: int, platform_activity_id: str
    ) -> ShopActivity | None:
        return self.s.execute(
            select(ShopActivity).where(
                ShopActivity.workspace_id == workspace_id,
                ShopActivity.platform_shop_id == shop_id,
                ShopActivity.platform_activity_id == platform_activity_id,
            )
        ).scalar_one_or_none()

    def platform_activities(self, workspace_id: int, shop_id: int) -> Sequence[ShopActivity]:
        return (
            self.s.execute(
                select(ShopActivity)
                .where(
                    ShopActivity.workspace_id == workspace_id,
                    ShopActivity.platform_shop_id == shop_id,
                )
                .order_by(ShopActivity.id)
            )
            .scalars()
            .all()
        )

    def enrollments_of(
        self, workspace_id: int, activity_id: int, shop_id: int
    ) -> Sequence[ShopEnrollment]:
        return (
            self.s.execute(
                select(ShopEnrollment).where(
                    ShopEnrollment.workspace_id == workspace_id,
                    ShopEnrollment.activity_id == activity_id,
                    ShopEnrollment.shop_id == shop_id,
                )
            )
            .scalars()
            .all()
        )

    def skus_of(self, product_id: int) -> dict[str, ShopProductSku]:
        rows = self.s.execute(
            select(ShopProductSku).where(ShopProductSku.product_id == product_id)
        ).scalars()
        return {row.platform_sku_id: row for row in rows}

    def coupon_offers(self, workspace_id: int, platform_coupon_id: str) -> dict[int, Any]:
        """The offers mirroring one platform coupon, by enrollment id."""
        rows = self.s.execute(
            select(ShopOffer).where(
                ShopOffer.workspace_id == workspace_id,
                ShopOffer.platform_coupon_id == platform_coupon_id,
            )
        ).scalars()
        return {row.enrollment_id: row for row in rows}

    def enrollments_of_products(
        self, workspace_id: int, shop_id: int, product_ids: Sequence[int]
    ) -> Sequence[ShopEnrollment]:
        if not product_ids:
            return []
        return (
            self.s.execute(
                select(ShopEnrollment).where(
                    ShopEnrollment.workspace_id == workspace_id,
                    ShopEnrollment.shop_id == shop_id,
                    ShopEnrollment.product_id.in_(list(product_ids)[:5000]),
                )
            )
            .scalars()
            .all()
        )

    def activity_versions(
        self, workspace_id: int, shop_id: int, platform_ids: Sequence[str]
    ) -> dict[str, datetime | None]:
        if not platform_ids:
            return {}
        rows = self.s.execute(
            select(ShopActivity.platform_activity_id, ShopActivity.platform_updated_at).where(
                ShopActivity.workspace_id == workspace_id,
                ShopActivity.platform_shop_id == shop_id,
                ShopActivity.platform_activity_id.in_(list(platform_ids)),
            )
        ).all()
        return {str(pid): at for pid, at in rows}

    def done_platform_items(
        self, batch_id: int, activity_ids: Collection[int] | None = None
    ) -> list[tuple[int, int]]:
        """(activity id, product id) of a batch's done items in activities mirrored from a
        platform (only ``activity_ids`` when given)."""
        q = (
            select(ShopBatchItem.activity_id, ShopBatchItem.product_id)
            .join(ShopActivity, ShopActivity.id == ShopBatchItem.activity_id)
            .where(
                ShopBatchItem.batch_id == batch_id,
                ShopBatchItem.status == "done",
                ShopActivity.platform_activity_id.is_not(None),
            )
            .order_by(ShopBatchItem.activity_id, ShopBatchItem.id)
        )
        if activity_ids is not None:
            q = q.where(ShopBatchItem.activity_id.in_(list(activity_ids)))
        return [(int(a), int(p)) for a, p in self.s.execute(q).all()]

    def pending_activities(self, batch_id: int, activity_ids: Collection[int]) -> set[int]:
        """Those of ``activity_ids`` in which the batch still has items to do."""
        if not activity_ids:
            return set()
        rows = self.s.execute(
            select(ShopBatchItem.activity_id)
            .where(
                ShopBatchItem.batch_id == batch_id,
                ShopBatchItem.status == "pending",
                ShopBatchItem.activity_id.in_(list(activity_ids)),
            )
            .distinct()
        ).scalars()
        return {int(a) for a in rows}

    def platform_product_count(self, shop_id: int) -> int:
        """How many of the shop's products the mirror holds from its platform."""
        return int(
            self.s.execute(
                select(func.count(ShopProduct.id)).where(
                    ShopProduct.shop_id == shop_id, ShopProduct.platform_product_id.is_not(None)
                )
            ).scalar_one()
        )
