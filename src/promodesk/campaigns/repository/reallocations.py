"""SQL of reallocations (their items) and Business Center transfers."""

from __future__ import annotations

from sqlalchemy import select

from promodesk.kit.repository import Repository
from promodesk.models import BudgetTransfer, CampaignReallocation, CampaignReallocationItem


class ReallocationsRepository(Repository[CampaignReallocation]):
    model = CampaignReallocation

    def by_key(self, workspace_id: int, key: str) -> CampaignReallocation | None:
        return self.s.execute(
            select(CampaignReallocation).where(
                CampaignReallocation.workspace_id == workspace_id,
                CampaignReallocation.request_key == key,
            )
        ).scalar_one_or_none()

    def items(self, reallocation_id: int) -> list[CampaignReallocationItem]:
        return list(
            self.s.scalars(
                select(CampaignReallocationItem)
                .where(CampaignReallocationItem.reallocation_id == reallocation_id)
                .order_by(CampaignReallocationItem.id)
            )
        )

    def item(
        self, reallocation_id: int, item_id: int, *, lock: bool = False
    ) -> CampaignReallocationItem | None:
        q = select(CampaignReallocationItem).where(
            CampaignReallocationItem.id == item_id,
            CampaignReallocationItem.reallocation_id == reallocation_id,
        )
        if lock and self.pg:
            q = q.with_for_update()
        return self.s.execute(q.execution_options(populate_existing=True)).scalar_one_or_none()

    def add_item(self, item: CampaignReallocationItem) -> None:
        self.s.add(item)

    def page(
        self, workspace_id: int, *, before_id: int | None, limit: int, pool_code: str | None = None
    ) -> list[CampaignReallocation]:
        """Newest first."""
        q = select(CampaignReallocation).where(CampaignReallocation.workspace_id == workspace_id)
        if before_id is not None:
            q = q.where(CampaignReallocation.id < before_id)
        if pool_code is not None:
            q = q.where(CampaignReallocation.pool_code == pool_code)
        return list(self.s.scalars(q.order_by(CampaignReallocation.id.desc()).limit(limit)))


class TransfersRepository(Repository[BudgetTransfer]):
    model = BudgetTransfer

    def by_key(self, workspace_id: int, key: str) -> BudgetTransfer | None:
        return self.s.execute(
            select(BudgetTransfer).where(
                BudgetTransfer.workspace_id == workspace_id, BudgetTransfer.request_key == key
            )
        ).scalar_one_or_none()

    def page(self, workspace_id: int, *, before_id: int | None, limit: int) -> list[BudgetTransfer]:
        q = select(BudgetTransfer).where(BudgetTransfer.workspace_id == workspace_id)
        if before_id is not None:
            q = q.where(BudgetTransfer.id < before_id)
        return list(self.s.scalars(q.order_by(BudgetTransfer.id.desc()).limit(limit)))
