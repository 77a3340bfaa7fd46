"""SQL of what is kept on record about shops: snapshots saved before a change, risk events
and announcements. Every query is scoped to a workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopAnnouncement, ShopRiskEvent, ShopSnapshot


class RecordRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def snapshot(self, workspace_id: int, snapshot_id: int) -> ShopSnapshot | None:
        return self.s.execute(
            select(ShopSnapshot).where(
                ShopSnapshot.id == snapshot_id, ShopSnapshot.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def snapshots(
        self,
        workspace_id: int,
        *,
        after_id: int = 0,
        limit: int = 50,
        enrollment_id: int | None = None,
        batch_id: int | None = None,
    ) -> list[Any]:
        q = select(ShopSnapshot).where(
            ShopSnapshot.workspace_id == workspace_id, ShopSnapshot.id > after_id
        )
        if enrollment_id is not None:
            q = q.where(ShopSnapshot.enrollment_id == enrollment_id)
        if batch_id is not None:
            q = q.where(ShopSnapshot.batch_id == batch_id)
        return list(self.s.execute(q.order_by(ShopSnapshot.id).limit(limit)).scalars())

    def risk_events(self, workspace_id: int, shop_id: int | None = None) -> list[ShopRiskEvent]:
        q = select(ShopRiskEvent).where(ShopRiskEvent.workspace_id == workspace_id)
        if shop_id is not None:
            q = q.where(ShopRiskEvent.shop_id == shop_id)
        return list(self.s.execute(q.order_by(ShopRiskEvent.id)).scalars())

    def announcements(self, workspace_id: int, shop_id: int) -> list[ShopAnnouncement]:
        q = select(ShopAnnouncement).where(
            ShopAnnouncement.workspace_id == workspace_id, ShopAnnouncement.shop_id == shop_id
        )
        return list(self.s.execute(q.order_by(ShopAnnouncement.id.desc())).scalars())
