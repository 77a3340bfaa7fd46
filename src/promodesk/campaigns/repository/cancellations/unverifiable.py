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

    def items(
        self, status: str, *, workspace_id: int | None = None, limit: int = 5000
    ) -> list[CampaignCancellationItem]:
        """Items in verification status ``status`` (of every workspace, or of
        ``workspace_id``), locked for the change, oldest first."""
        q = select(I).where(I.verify_status == status)
        if workspace_id is not None:
            q = q.where(I.workspace_id == workspace_id)
        q = q.order_by(I.id).limit(limit)
        return list(self.s.execute(q.with_for_update()).scalars())
