"""SQL of the Budget view: the live campaign budgets of ad accounts."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from promodesk.kit.db import UnitOfWork
from promodesk.models import AdAccountAllocation, CampaignAllocation, TikTokCampaign


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

    def pool_campaigns(
        self, workspace_id: int, *, advertiser_id: int | None, ad_account_id: int | None
    ) -> list[tuple[TikTokCampaign, int | None]]:
        """Undeleted campaigns that may take a pool's money, with the client advertiser each is
        allocated to: of the ad accounts allocated to ``advertiser_id`` (else of
        ``ad_account_id``)."""
        c, ca = TikTokCampaign, CampaignAllocation
        scope: ColumnElement[bool]
        if advertiser_id is not None:
            accounts = select(AdAccountAllocation.ad_account_id).where(
                AdAccountAllocation.workspace_id == workspace_id,
                AdAccountAllocation.advertiser_id == advertiser_id,
            )
            scope = c.ad_account_id.in_(accounts)
        else:
            scope = c.ad_account_id == ad_account_id
        rows = self.s.execute(
            select(c, ca.advertiser_id)
            .outerjoin(ca, ca.campaign_row_id == c.id)
            .where(
                c.workspace_id == workspace_id,
                scope,
                c.deleted.is_(False),
                c.vanished.is_(False),
            )
            .order_by(c.name, c.id)
            .limit(2000)
        ).all()
        return [(r[0], None if r[1] is None else int(r[1])) for r in rows]
