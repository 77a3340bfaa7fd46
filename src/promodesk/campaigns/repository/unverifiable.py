"""SQL of the cancellation items that could not be verified (their ad account's
authorization is revoked)."""

from __future__ import annotations

from sqlalchemy import select

from promodesk.kit.db import UnitOfWork
from promodesk.models import CampaignCancellationItem

I = CampaignCancellationItem  # noqa: E741


class UnverifiableRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def items(self, status: str, *, limit: int = 5000) -> list[CampaignCancellationItem]:
        """Items of every workspace in verification status ``status``, locked for the change
        (oldest first)."""
        q = select(I).where(I.verify_status == status).order_by(I.id).limit(limit)
        return list(self.s.execute(q.with_for_update()).scalars())
