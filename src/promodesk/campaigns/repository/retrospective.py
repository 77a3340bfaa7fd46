"""SQL of monitoring after a cancellation and of the retrospective: cancellations and their
items, the advertiser's campaign totals from the report store, names of ad accounts, clients
and advertisers, and the retrospective notes of a cancellation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update

from promodesk.campaigns.domain.reports import Metrics
from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    AdAccountAllocation,
    CampaignAllocation,
    CampaignCancellation,
    CampaignCancellationItem,
    ClientAccount,
    ClientAdvertiser,
    TikTokAdAccount,
    TikTokCampaign,
    TikTokReportRow,
)

R = TikTokReportRow
C = CampaignCancellation
I = CampaignCancellationItem  # noqa: E741
_SUMS = (
    func.sum(R.spend_minor),
    func.sum(R.impressions),
    func.sum(R.clicks),
    func.sum(R.conversions),
    func.sum(R.video_views),
    func.sum(R.reach),
)
_CHUNK = 500


def _metrics(row: Any, offset: int) -> Metrics:
    return Metrics(*[int(x or 0) for x in row[offset : offset + 6]])


class RetrospectiveRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    # cancellations ------------------------------------------------------------------------------
    def get(self, workspace_id: int, cancellation_id: int) -> CampaignCancellation | None:
        return self.s.execute(
            select(C).where(C.id == cancellation_id, C.workspace_id == workspace_id)
        ).scalar_one_or_none()

    def between(
        self, workspace_id: int, since: datetime, until: datetime, *, limit: int = 5000
    ) -> list[CampaignCancellation]:
        """Cancellations made in ``since <= created_at < until``, newest first."""
        return list(
            self.s.execute(
                select(C)
                .where(C.workspace_id == workspace_id, C.created_at >= since, C.created_at < until)
                .order_by(C.created_at.desc(), C.id.desc())
                .limit(limit)
            ).scalars()
        )

    def items(
        self, workspace_id: int, cancellation_ids: Sequence[int]
    ) -> list[CampaignCancellationItem]:
        ids = list(cancellation_ids)
        out: list[CampaignCancellationItem] = []
        for i in range(0, len(ids), _CHUNK):
            out += self.s.execute(
                select(I)
                .where(I.workspace_id == workspace_id, I.cancellation_id.in_(ids[i : i + _CHUNK]))
                .order_by(I.id)
            ).scalars()
        return out

    def set_notes(
        self,
        workspace_id: int,
        cancellation_id: int,
        lessons: str,
        action_items: list[dict[str, Any]],
        at: datetime,
    ) -> bool:
        done = self.s.execute(
            update(C)
            .where(C.id == cancellation_id, C.workspace_id == workspace_id)
            .values(lessons=lessons, action_items=action_items, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        self.s.expire_all()
        return bool(getattr(done, "rowcount", 0))

    # names --------------------------------------------------------------------------------------
    def ad_accounts(self, workspace_id: int, ids: Iterable[int]) -> dict[int, TikTokAdAccount]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.s.execute(
            select(TikTokAdAccount).where(
                TikTokAdAccount.workspace_id == workspace_id, TikTokAdAccount.id.in_(wanted)
            )
        ).scalars()
        return {r.id: r for r in rows}

    def advertisers(self, workspace_id: int, ids: Iterable[int]) -> dict[int, tuple[str, int, str]]:
        """Per advertiser id: (name, client account id, client name)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.s.execute(
            select(ClientAdvertiser.id, ClientAdvertiser.name, ClientAccount.id, ClientAccount.name)
            .join(ClientAccount, ClientAccount.id == ClientAdvertiser.client_account_id)
            .where(ClientAdvertiser.workspace_id == workspace_id, ClientAdvertiser.id.in_(wanted))
        )
        return {int(r[0]): (str(r[1]), int(r[2]), str(r[3])) for r in rows}

    def advertiser_exists(self, workspace_id: int, advertiser_id: int) -> bool:
        return (
            self.s.execute(
                select(ClientAdvertiser.id).where(
                    ClientAdvertiser.workspace_id == workspace_id,
                    ClientAdvertiser.id == advertiser_id,
                )
            ).first()
            is not None
        )

    def client_exists(self, workspace_id: int, client_id: int) -> bool:
        return (
            self.s.execute(
                select(ClientAccount.id).where(
                    ClientAccount.workspace_id == workspace_id, ClientAccount.id == client_id
                )
            ).first()
            is not None
        )

    # the advertiser's campaigns in the report store ---------------------------------------------
    def advertiser_totals(
        self, workspace_id: int, advertiser_id: int, since: str, until: str
    ) -> dict[str, Metrics]:
        """Per currency: the daily campaign rows of the advertiser's campaigns, summed over
        ``since <= day < until``. Its campaigns are those allocated to it; an advertiser with no
        campaign allocated yet is taken as every campaign of its ad accounts."""
        q = select(R.currency, *_SUMS).where(
            R.workspace_id == workspace_id,
            R.level == "campaign",
            R.grain == "day",
            R.stat_time >= since,
            R.stat_time < until,
        )
        allocated = self.s.execute(
            select(CampaignAllocation.id)
            .where(
                CampaignAllocation.workspace_id == workspace_id,
                CampaignAllocation.advertiser_id == advertiser_id,
            )
            .limit(1)
        ).first()
        if allocated is not None:
            q = (
                q.join(
                    TikTokCampaign,
                    and_(
                        TikTokCampaign.ad_account_id == R.ad_account_id,
                        TikTokCampaign.campaign_id == R.object_id,
                        TikTokCampaign.workspace_id == R.workspace_id,
                    ),
                )
                .join(CampaignAllocation, CampaignAllocation.campaign_row_id == TikTokCampaign.id)
                .where(CampaignAllocation.advertiser_id == advertiser_id)
            )
        else:
            accounts = select(AdAccountAllocation.ad_account_id).where(
                AdAccountAllocation.workspace_id == workspace_id,
                AdAccountAllocation.advertiser_id == advertiser_id,
            )
            q = q.where(R.ad_account_id.in_(accounts))
        return {str(r[0]): _metrics(r, 1) for r in self.s.execute(q.group_by(R.currency))}

    def object_series(
        self,
        workspace_id: int,
        ad_account_id: int,
        level: str,
        object_ids: Sequence[str],
        grain: str,
        since: str,
        until: str,
    ) -> dict[str, list[tuple[str, Metrics]]]:
        """Per object: its rows' stat times and metrics over ``since <= stat_time < until``."""
        out: dict[str, list[tuple[str, Metrics]]] = {}
        ids = list(object_ids)
        for i in range(0, len(ids), _CHUNK):
            q = (
                select(R.object_id, R.stat_time, *_SUMS)
                .where(
                    R.workspace_id == workspace_id,
                    R.ad_account_id == ad_account_id,
                    R.level == level,
                    R.grain == grain,
                    R.stat_time >= since,
                    R.stat_time < until,
                    R.object_id.in_(ids[i : i + _CHUNK]),
                )
                .group_by(R.object_id, R.stat_time)
                .order_by(R.object_id, R.stat_time)
            )
            for r in self.s.execute(q):
                out.setdefault(str(r[0]), []).append((str(r[1]), _metrics(r, 2)))
        return out

    # the demo's rows ----------------------------------------------------------------------------
    def any_cancellation(self, workspace_id: int) -> bool:
        return (
            self.s.execute(select(C.id).where(C.workspace_id == workspace_id).limit(1)).first()
            is not None
        )

    def add(self, row: CampaignCancellation | CampaignCancellationItem) -> None:
        self.s.add(row)
        self.s.flush()

    # the watch after the stop -------------------------------------------------------------------
    def stopped_items(
        self, stopped_since: datetime, stopped_before: datetime, *, limit: int = 5000
    ) -> list[CampaignCancellationItem]:
        """Items of every workspace that stopped in ``[stopped_since, stopped_before)`` and were
        not undone, oldest stop first."""
        return list(
            self.s.execute(
                select(I)
                .where(
                    I.status == "done",
                    I.undone_at.is_(None),
                    I.stopped_at.is_not(None),
                    I.stopped_at >= stopped_since,
                    I.stopped_at < stopped_before,
                )
                .order_by(I.stopped_at, I.id)
                .limit(limit)
            ).scalars()
        )

    def cancellations_by_id(self, ids: Iterable[int]) -> dict[int, CampaignCancellation]:
        wanted = sorted(set(ids))
        out: dict[int, CampaignCancellation] = {}
        for i in range(0, len(wanted), _CHUNK):
            rows = self.s.execute(select(C).where(C.id.in_(wanted[i : i + _CHUNK]))).scalars()
            out.update({r.id: r for r in rows})
        return out
