"""SQL of the confirmed stops (stop everywhere)."""

from __future__ import annotations

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
