"""All SQL of the campaigns read side and of campaign and audience allocation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update

from promodesk.campaigns.domain.campaigns import (
    DELETE_SECONDARY,
    DISABLE_SECONDARY,
    ENABLE_SECONDARY,
    STATUS_RANK,
    ListSort,
    ListStatus,
    SortKey,
)
from promodesk.kit.repository import Repository
from promodesk.models import (
    AudienceAllocation,
    CampaignAllocation,
    ClientAccount,
    ClientAdvertiser,
    TikTokAd,
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokAudience,
    TikTokCampaign,
)


class CampaignsRepository(Repository[TikTokCampaign]):
    """The mirrored campaigns (``get``: one of the workspace, ``lock=True`` until the transaction
    ends on PostgreSQL; SQLite has one writer), their ad groups, ads and audiences, and the
    allocations of campaigns and audiences."""

    model = TikTokCampaign

    # campaigns -------------------------------------------------------------------------------

    def campaigns(
        self,
        workspace_id: int,
        *,
        ad_account_id: int | None = None,
        advertiser_id: int | None = None,
        candidates_only: bool = False,
        include_deleted: bool = True,
        search: str | None = None,
        status: ListStatus | None = None,
        sort: ListSort = ListSort(SortKey.ID, False),
        after_key: int | str | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[Any]:
        """(campaign, allocation or None, client name, advertiser name, ad account name,
        TikTok advertiser id, currency, sort key as SQL computed it) in ``sort`` order, ties by
        id in the same direction.

        ``search``: a case-insensitive substring of the name, or exactly TikTok's campaign id
        or promodesk's id. ``status``: the status word of ``domain.status_of``, decided here in
        SQL. The page starts past (``after_key``, ``after_id``); ``after_id`` 0 is the start
        (with the id sort, the id alone)."""
        key = self._sort_column(sort.key)
        q = (
            select(
                TikTokCampaign,
                CampaignAllocation,
                ClientAccount.name,
                ClientAdvertiser.name,
                TikTokAdAccount.name,
                TikTokAdAccount.advertiser_id,
                TikTokAdAccount.currency,
                key.label("sort_key"),
            )
            .join(TikTokAdAccount, TikTokAdAccount.id == TikTokCampaign.ad_account_id)
            .outerjoin(CampaignAllocation, CampaignAllocation.campaign_row_id == TikTokCampaign.id)
            .outerjoin(ClientAccount, ClientAccount.id == CampaignAllocation.client_account_id)
            .outerjoin(ClientAdvertiser, ClientAdvertiser.id == CampaignAllocation.advertiser_id)
            .where(TikTokCampaign.workspace_id == workspace_id)
        )
        if ad_account_id is not None:
            q = q.where(TikTokCampaign.ad_account_id == ad_account_id)
        if advertiser_id is not None:
            q = q.where(CampaignAllocation.advertiser_id == advertiser_id)
        if candidates_only:
            q = q.where(
                CampaignAllocation.id.is_(None),
                TikTokCampaign.deleted.is_(False),
                TikTokCampaign.vanished.is_(False),
            )
        elif not include_deleted:
            q = q.where(TikTokCampaign.deleted.is_(False))
        if search is not None:
            found = [
                func.lower(TikTokCampaign.name).contains(search.lower(), autoescape=True),
                TikTokCampaign.campaign_id == search,
            ]
            if search.isascii() and search.isdigit() and len(search) <= 18:
                found.append(TikTokCampaign.id == int(search))
            q = q.where(or_(*found))
        if status is not None:
            q = q.where(_status_rank() == STATUS_RANK[status])
        if after_id:
            if sort.key is SortKey.ID or after_key is None:
                past = (
                    TikTokCampaign.id < after_id
                    if sort.descending
                    else TikTokCampaign.id > after_id
                )
            elif sort.descending:
                past = or_(key < after_key, and_(key == after_key, TikTokCampaign.id < after_id))
            else:
                past = or_(key > after_key, and_(key == after_key, TikTokCampaign.id > after_id))
            q = q.where(past)
        if sort.descending:
            order = [key.desc(), TikTokCampaign.id.desc()]
        else:
            order = [key.asc(), TikTokCampaign.id.asc()]
        if sort.key is SortKey.ID:
            order = order[1:]
        return list(self.s.execute(q.order_by(*order).limit(limit)).all())

    @staticmethod
    def _sort_column(key: SortKey) -> Any:
        return {
            SortKey.NAME: func.lower(TikTokCampaign.name),
            SortKey.ID: TikTokCampaign.id,
            SortKey.BUDGET: TikTokCampaign.budget_minor,
            SortKey.STATUS: _status_rank(),
            SortKey.LAST_CHANGE: TikTokCampaign.modify_time,
        }[key]

    def ad_groups(self, ad_account_id: int, campaign_id: str, limit: int = 200) -> list[Any]:
        return list(
            self.s.execute(
                select(TikTokAdGroup)
                .where(
                    TikTokAdGroup.ad_account_id == ad_account_id,
                    TikTokAdGroup.campaign_id == campaign_id,
                )
                .order_by(TikTokAdGroup.id)
                .limit(limit)
            ).scalars()
        )

    def ads(self, ad_account_id: int, adgroup_ids: list[str], limit: int = 500) -> list[Any]:
        if not adgroup_ids:
            return []
        return list(
            self.s.execute(
                select(TikTokAd)
                .where(
                    TikTokAd.ad_account_id == ad_account_id, TikTokAd.adgroup_id.in_(adgroup_ids)
                )
                .order_by(TikTokAd.id)
                .limit(limit)
            ).scalars()
        )

    def children(self, ad_account_id: int, campaign_id: str) -> tuple[list[Any], list[Any]]:
        """Every mirrored ad group and ad of the campaign, locked until the transaction ends."""
        groups = self.s.execute(
            select(TikTokAdGroup)
            .where(
                TikTokAdGroup.ad_account_id == ad_account_id,
                TikTokAdGroup.campaign_id == campaign_id,
            )
            .with_for_update()
        ).scalars()
        ads = self.s.execute(
            select(TikTokAd)
            .where(TikTokAd.ad_account_id == ad_account_id, TikTokAd.campaign_id == campaign_id)
            .with_for_update()
        ).scalars()
        return list(groups), list(ads)

    # campaign allocations --------------------------------------------------------------------
    def campaign_allocation(self, workspace_id: int, alloc_id: int) -> CampaignAllocation | None:
        return self.s.execute(
            select(CampaignAllocation).where(
                CampaignAllocation.id == alloc_id, CampaignAllocation.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def allocation_of_campaign(self, row_id: int) -> CampaignAllocation | None:
        return self.s.execute(
            select(CampaignAllocation).where(CampaignAllocation.campaign_row_id == row_id)
        ).scalar_one_or_none()

    def add_allocation(self, row: CampaignAllocation | AudienceAllocation) -> None:
        """Flushed at once: the unique keys (one allocation per campaign, per audience and
        advertiser) refuse a concurrent duplicate here, inside the caller's savepoint."""
        self.s.add(row)
        self.s.flush()

    def delete(self, row: object) -> None:
        self.s.delete(row)
        self.s.flush()

    def set_initialized(self, row_id: int) -> int:
        res = self.s.execute(
            update(CampaignAllocation)
            .where(CampaignAllocation.campaign_row_id == row_id)
            .values(initialized=True)
        )
        return int(getattr(res, "rowcount", 0) or 0)

    # audiences -------------------------------------------------------------------------------
    def audience(self, workspace_id: int, row_id: int) -> TikTokAudience | None:
        return self.s.execute(
            select(TikTokAudience).where(
                TikTokAudience.id == row_id, TikTokAudience.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def audiences(
        self, workspace_id: int, ad_account_id: int, *, after_id: int = 0, limit: int = 100
    ) -> list[TikTokAudience]:
        return list(
            self.s.execute(
                select(TikTokAudience)
                .where(
                    TikTokAudience.workspace_id == workspace_id,
                    TikTokAudience.ad_account_id == ad_account_id,
                    TikTokAudience.id > after_id,
                )
                .order_by(TikTokAudience.id)
                .limit(limit)
            ).scalars()
        )

    def audience_allocations(self, audience_row_ids: list[int]) -> list[Any]:
        """(allocation, advertiser name) of the listed audiences."""
        if not audience_row_ids:
            return []
        return list(
            self.s.execute(
                select(AudienceAllocation, ClientAdvertiser.name)
                .join(ClientAdvertiser, ClientAdvertiser.id == AudienceAllocation.advertiser_id)
                .where(AudienceAllocation.audience_row_id.in_(audience_row_ids))
                .order_by(AudienceAllocation.id)
            ).all()
        )

    def audience_allocation(self, workspace_id: int, alloc_id: int) -> AudienceAllocation | None:
        return self.s.execute(
            select(AudienceAllocation).where(
                AudienceAllocation.id == alloc_id, AudienceAllocation.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def audience_allocation_for(self, row_id: int, advertiser_id: int) -> AudienceAllocation | None:
        return self.s.execute(
            select(AudienceAllocation).where(
                AudienceAllocation.audience_row_id == row_id,
                AudienceAllocation.advertiser_id == advertiser_id,
            )
        ).scalar_one_or_none()

    def drop_audience_allocation(self, row_id: int, advertiser_id: int) -> int:
        res = self.s.execute(
            delete(AudienceAllocation).where(
                AudienceAllocation.audience_row_id == row_id,
                AudienceAllocation.advertiser_id == advertiser_id,
            )
        )
        return int(getattr(res, "rowcount", 0) or 0)


def _status_rank() -> Any:
    """``domain.status_of`` in SQL: the rank (``STATUS_RANK``) of the campaign's status word."""
    c = TikTokCampaign
    return case(
        (
            or_(
                c.deleted.is_(True),
                c.vanished.is_(True),
                c.operation_status == "DELETE",
                c.secondary_status == DELETE_SECONDARY,
            ),
            STATUS_RANK[ListStatus.DELETED],
        ),
        (
            or_(c.operation_status == "DISABLE", c.secondary_status == DISABLE_SECONDARY),
            STATUS_RANK[ListStatus.PAUSED],
        ),
        (c.secondary_status.in_(["", ENABLE_SECONDARY]), STATUS_RANK[ListStatus.ACTIVE]),
        else_=STATUS_RANK[ListStatus.NOT_DELIVERING],
    )
