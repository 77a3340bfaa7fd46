"""SQL of the confirmed stops (stop everywhere)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from promodesk.kit.db import UnitOfWork
from promodesk.models import PromotionStop


class StopRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, stop: PromotionStop) -> PromotionStop:
        self.uow.session.add(stop)
        self.uow.session.flush()
        return stop

    def get(self, workspace_id: int, stop_id: int, *, lock: bool = False) -> PromotionStop | None:
        q = select(PromotionStop).where(
            PromotionStop.workspace_id == workspace_id, PromotionStop.id == stop_id
        )
        if lock:
            q = q.with_for_update()
        return self.uow.session.execute(q).scalar_one_or_none()

    def recent(self, workspace_id: int, limit: int = 50) -> list[PromotionStop]:
        q = (
            select(PromotionStop)
            .where(PromotionStop.workspace_id == workspace_id)
            .order_by(PromotionStop.id.desc())
            .limit(limit)
        )
        return list(self.uow.session.execute(q).scalars())

    def page(
        self,
        workspace_id: int,
        *,
        before: int | None,
        limit: int,
        reasons: Collection[str] = (),
        created_by: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> list[PromotionStop]:
        """Newest first, past the key ``before``, narrowed by the stop's own columns."""
        q = select(PromotionStop).where(PromotionStop.workspace_id == workspace_id)
        if before is not None:
            q = q.where(PromotionStop.id < before)
        if reasons:
            q = q.where(PromotionStop.reason.in_(sorted(reasons)))
        if created_by is not None:
            q = q.where(PromotionStop.created_by == created_by)
        if created_after is not None:
            q = q.where(PromotionStop.created_at >= created_after)
        if created_before is not None:
            q = q.where(PromotionStop.created_at < created_before)
        q = q.order_by(PromotionStop.id.desc()).limit(limit)
        return list(self.uow.session.execute(q).scalars())
