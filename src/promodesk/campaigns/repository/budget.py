"""SQL of the Budget view: the live campaign budgets of ad accounts."""

from __future__ import annotations

from sqlalchemy import select

from promodesk.kit.db import UnitOfWork
from promodesk.models import TikTokCampaign


class BudgetRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def live_campaigns(
        self, workspace_id: int, ad_account_ids: list[int]
    ) -> list[tuple[int, str, str, int]]:
        """(ad account id, TikTok campaign id, budget mode, budget) of the switched-on,
        undeleted campaigns still listed by TikTok."""
        if not ad_account_ids:
            return []
        c = TikTokCampaign
        rows = self.s.execute(
            select(c.ad_account_id, c.campaign_id, c.budget_mode, c.budget_minor).where(
                c.workspace_id == workspace_id,
                c.ad_account_id.in_(ad_account_ids),
                c.operation_status == "ENABLE",
                c.deleted.is_(False),
                c.vanished.is_(False),
            )
        ).all()
        return [(int(r[0]), str(r[1]), str(r[2] or ""), int(r[3] or 0)) for r in rows]
