"""All SQL of authorizations, ad accounts, client accounts, advertisers and allocations.

Every query is scoped to a workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    AdAccountAllocation,
    AudienceAllocation,
    CampaignAllocation,
    ClientAccount,
    ClientAdvertiser,
    ConversionGoal,
    RemarketingTag,
    TikTokAccountRequest,
    TikTokAdAccount,
    TikTokAudience,
    TikTokAuthorization,
    TikTokSyncRun,
)


class AccountsRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def add(self, row: object) -> None:
        self.s.add(row)
        self.s.flush()

    def delete(self, row: object) -> None:
        self.s.delete(row)
        self.s.flush()

    # authorizations --------------------------------------------------------------------------
    def authorization(self, workspace_id: int, auth_id: int) -> TikTokAuthorization | None:
        return self.s.execute(
            select(TikTokAuthorization).where(
                TikTokAuthorization.id == auth_id,
                TikTokAuthorization.workspace_id == workspace_id,
            )
        ).scalar_one_or_none()

    def authorization_by_fingerprint(
        self, workspace_id: int, fingerprint: str
    ) -> TikTokAuthorization | None:
        return self.s.execute(
            select(TikTokAuthorization).where(
                TikTokAuthorization.workspace_id == workspace_id,
                TikTokAuthorization.token_fingerprint == fingerprint,
            )
        ).scalar_one_or_none()

    def authorizations(self, workspace_id: int) -> list[TikTokAuthorization]:
        return list(
            self.s.execute(
                select(TikTokAuthorization)
                .where(TikTokAuthorization.workspace_id == workspace_id)
                .order_by(TikTokAuthorization.id.desc())
            ).scalars()
        )

    # ad accounts -----------------------------------------------------------------------------
    def ad_account(self, workspace_id: int, ad_account_id: int) -> TikTokAdAccount | None:
        return self.s.execute(
            select(TikTokAdAccount).where(
                TikTokAdAccount.id == ad_account_id, TikTokAdAccount.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def ad_account_any(self, ad_account_id: int) -> TikTokAdAccount | None:
        return self.s.get(TikTokAdAccount, ad_account_id)

    def ad_account_by_tiktok_id(
        self, workspace_id: int, advertiser_id: str
    ) -> TikTokAdAccount | None:
        return self.s.execute(
            select(TikTokAdAccount).where(
                TikTokAdAccount.workspace_id == workspace_id,
                TikTokAdAccount.advertiser_id == advertiser_id,
            )
        ).scalar_one_or_none()

    def ad_accounts(
        self, workspace_id: int, *, after_id: int = 0, limit: int = 100
    ) -> list[TikTokAdAccount]:
        return list(
            self.s.execute(
                select(TikTokAdAccount)
                .where(TikTokAdAccount.workspace_id == workspace_id, TikTokAdAccount.id > after_id)
                .order_by(TikTokAdAccount.id)
                .limit(limit)
            ).scalars()
        )

    def due_for_sync(self, synced_before: datetime, limit: int = 500) -> list[tuple[int, int]]:
        """(workspace id, ad account id) with an active grant, not synced since
        ``synced_before`` and no sync run open."""
        open_runs = select(TikTokSyncRun.ad_account_id).where(
            TikTokSyncRun.status.in_(("queued", "running"))
        )
        rows = self.s.execute(
            select(TikTokAdAccount.workspace_id, TikTokAdAccount.id)
            .join(TikTokAuthorization, TikTokAuthorization.id == TikTokAdAccount.authorization_id)
            .where(
                TikTokAuthorization.status == "active",
                or_(
                    TikTokAdAccount.last_synced_at.is_(None),
                    TikTokAdAccount.last_synced_at < synced_before,
                ),
                TikTokAdAccount.id.not_in(open_runs),
            )
            .order_by(TikTokAdAccount.id)
            .limit(limit)
        ).all()
        return [(int(w), int(a)) for w, a in rows]

    # client accounts and advertisers ---------------------------------------------------------
    def client(self, workspace_id: int, client_id: int, *, lock: bool = False) -> Any:
        q = select(ClientAccount).where(
            ClientAccount.id == client_id, ClientAccount.workspace_id == workspace_id
        )
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def client_by_name(self, workspace_id: int, name: str) -> ClientAccount | None:
        return self.s.execute(
            select(ClientAccount).where(
                ClientAccount.workspace_id == workspace_id, ClientAccount.name == name
            )
        ).scalar_one_or_none()

    def clients(
        self, workspace_id: int, *, after_id: int = 0, limit: int = 100, status: str | None = None
    ) -> list[ClientAccount]:
        q = select(ClientAccount).where(
            ClientAccount.workspace_id == workspace_id, ClientAccount.id > after_id
        )
        if status:
            q = q.where(ClientAccount.status == status)
        return list(self.s.execute(q.order_by(ClientAccount.id).limit(limit)).scalars())

    def advertiser(self, workspace_id: int, advertiser_id: int) -> ClientAdvertiser | None:
        return self.s.execute(
            select(ClientAdvertiser).where(
                ClientAdvertiser.id == advertiser_id,
                ClientAdvertiser.workspace_id == workspace_id,
            )
        ).scalar_one_or_none()

    def advertisers(self, workspace_id: int, client_id: int) -> list[ClientAdvertiser]:
        return list(
            self.s.execute(
                select(ClientAdvertiser)
                .where(
                    ClientAdvertiser.workspace_id == workspace_id,
                    ClientAdvertiser.client_account_id == client_id,
                )
                .order_by(ClientAdvertiser.id)
            ).scalars()
        )

    # allocations -----------------------------------------------------------------------------
    def allocation(self, workspace_id: int, alloc_id: int) -> AdAccountAllocation | None:
        return self.s.execute(
            select(AdAccountAllocation).where(
                AdAccountAllocation.id == alloc_id,
                AdAccountAllocation.workspace_id == workspace_id,
            )
        ).scalar_one_or_none()

    def allocation_for(self, ad_account_id: int, advertiser_id: int) -> AdAccountAllocation | None:
        return self.s.execute(
            select(AdAccountAllocation).where(
                AdAccountAllocation.ad_account_id == ad_account_id,
                AdAccountAllocation.advertiser_id == advertiser_id,
            )
        ).scalar_one_or_none()

    def allocations_of_ad_account(self, ad_account_id: int) -> list[AdAccountAllocation]:
        return list(
            self.s.execute(
                select(AdAccountAllocation)
                .where(AdAccountAllocation.ad_account_id == ad_account_id)
                .order_by(AdAccountAllocation.id)
            ).scalars()
        )

    def allocations_of_client(self, client_id: int) -> list[AdAccountAllocation]:
        return list(
            self.s.execute(
                select(AdAccountAllocation)
                .where(AdAccountAllocation.client_account_id == client_id)
                .order_by(AdAccountAllocation.id)
            ).scalars()
        )

    def allocation_rows(self, workspace_id: int, ad_account_ids: Sequence[int]) -> list[Any]:
        """(allocation, client name, advertiser name) for the listed ad accounts."""
        if not ad_account_ids:
            return []
        return list(
            self.s.execute(
                select(AdAccountAllocation, ClientAccount.name, ClientAdvertiser.name)
                .join(ClientAccount, ClientAccount.id == AdAccountAllocation.client_account_id)
                .join(ClientAdvertiser, ClientAdvertiser.id == AdAccountAllocation.advertiser_id)
                .where(
                    AdAccountAllocation.workspace_id == workspace_id,
                    AdAccountAllocation.ad_account_id.in_(list(ad_account_ids)),
                )
                .order_by(AdAccountAllocation.id)
            ).all()
        )

    def usage(self, ad_account_id: int, advertiser_id: int) -> tuple[int, int, int]:
        """(campaigns, conversion goals, remarketing tags) of the advertiser on the ad account."""

        def count(model: Any) -> int:
            return int(
                self.s.execute(
                    select(func.count())
                    .select_from(model)
                    .where(model.ad_account_id == ad_account_id)
                    .where(model.advertiser_id == advertiser_id)
                ).scalar_one()
            )

        return count(CampaignAllocation), count(ConversionGoal), count(RemarketingTag)

    def audience_allocation_count(self, advertiser_id: int, ad_account_id: int) -> int:
        """Audiences of the ad account allocated to the advertiser (a deallocation drops them)."""
        rows = select(TikTokAudience.id).where(TikTokAudience.ad_account_id == ad_account_id)
        return int(
            self.s.execute(
                select(func.count())
                .select_from(AudienceAllocation)
                .where(
                    AudienceAllocation.advertiser_id == advertiser_id,
                    AudienceAllocation.audience_row_id.in_(rows),
                )
            ).scalar_one()
        )

    def drop_audience_allocations(self, advertiser_id: int, ad_account_id: int) -> None:
        rows = select(TikTokAudience.id).where(TikTokAudience.ad_account_id == ad_account_id)
        self.s.execute(
            delete(AudienceAllocation).where(
                AudienceAllocation.advertiser_id == advertiser_id,
                AudienceAllocation.audience_row_id.in_(rows),
            )
        )

    # goals and tags --------------------------------------------------------------------------
    def goals(self, workspace_id: int, advertiser_id: int) -> list[ConversionGoal]:
        return list(
            self.s.execute(
                select(ConversionGoal).where(
                    ConversionGoal.workspace_id == workspace_id,
                    ConversionGoal.advertiser_id == advertiser_id,
                )
            ).scalars()
        )

    def tags(self, workspace_id: int, advertiser_id: int) -> list[RemarketingTag]:
        return list(
            self.s.execute(
                select(RemarketingTag).where(
                    RemarketingTag.workspace_id == workspace_id,
                    RemarketingTag.advertiser_id == advertiser_id,
                )
            ).scalars()
        )

    def goal(self, workspace_id: int, goal_id: int) -> ConversionGoal | None:
        return self.s.execute(
            select(ConversionGoal).where(
                ConversionGoal.id == goal_id, ConversionGoal.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def tag(self, workspace_id: int, tag_id: int) -> RemarketingTag | None:
        return self.s.execute(
            select(RemarketingTag).where(
                RemarketingTag.id == tag_id, RemarketingTag.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    # account requests ------------------------------------------------------------------------
    def request(self, workspace_id: int, request_id: int) -> TikTokAccountRequest | None:
        return self.s.execute(
            select(TikTokAccountRequest).where(
                TikTokAccountRequest.id == request_id,
                TikTokAccountRequest.workspace_id == workspace_id,
            )
        ).scalar_one_or_none()

    def requests(
        self, workspace_id: int, *, after_id: int = 0, limit: int = 100
    ) -> list[TikTokAccountRequest]:
        return list(
            self.s.execute(
                select(TikTokAccountRequest)
                .where(
                    TikTokAccountRequest.workspace_id == workspace_id,
                    TikTokAccountRequest.id > after_id,
                )
                .order_by(TikTokAccountRequest.id)
                .limit(limit)
            ).scalars()
        )
