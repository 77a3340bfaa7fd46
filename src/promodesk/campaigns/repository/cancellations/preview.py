"""SQL of a cancel's preview: whom each campaign's money belongs to, the children of the objects,
their spend, and what earlier cancellations of them freed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, or_, select

from promodesk.campaigns.repository.cancellations.objects import ObjectsRepository
from promodesk.campaigns.repository.cancellations.reads import Item
from promodesk.models import (
    AdAccountAllocation,
    CampaignAllocation,
    TikTokAd,
    TikTokAdGroup,
    TikTokCampaign,
    TikTokReportRow,
)


class PreviewRepository(ObjectsRepository):
    def allocations(self, campaign_keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Any]:
        """(ad account id, TikTok campaign id) → its allocation (``client_account_id``,
        ``advertiser_id``): the campaign's own, else its ad account's when that serves one pair."""
        keys = list(set(campaign_keys))
        found: dict[tuple[int, str], Any] = {}
        for start in range(0, len(keys), 300):
            part = keys[start : start + 300]
            accounts = {k[0] for k in part}
            ids = {k[1] for k in part}
            q = (
                select(TikTokCampaign.ad_account_id, TikTokCampaign.campaign_id, CampaignAllocation)
                .join(CampaignAllocation, CampaignAllocation.campaign_row_id == TikTokCampaign.id)
                .where(
                    TikTokCampaign.ad_account_id.in_(accounts),
                    TikTokCampaign.campaign_id.in_(ids),
                )
            )
            for account_id, campaign_id, alloc in self.s.execute(q):
                if (account_id, campaign_id) in part:
                    found[(int(account_id), str(campaign_id))] = alloc
        # A campaign not allocated on its own belongs to its ad account's advertiser when the
        # ad account serves exactly one (client account, advertiser) pair.
        missing = {k[0] for k in keys if k not in found}
        if missing:
            by_account: dict[int, list[AdAccountAllocation]] = {}
            q2 = select(AdAccountAllocation).where(AdAccountAllocation.ad_account_id.in_(missing))
            for row in self.s.scalars(q2):
                by_account.setdefault(int(row.ad_account_id), []).append(row)
            for key in keys:
                only = by_account.get(key[0], [])
                if key not in found and len(only) == 1:
                    found[key] = only[0]
        return found

    def children_of(
        self, level: str, ad_account_id: int, object_ids: Sequence[str]
    ) -> dict[str, dict[str, list[Any]]]:
        """Per object id: its ad groups and ads (a campaign) or its ads (an ad group), as rows
        of (parent id, deleted, operation_status, secondary_status, raw): no ORM objects."""
        out: dict[str, dict[str, list[Any]]] = {
            oid: {"adgroups": [], "ads": []} for oid in object_ids
        }
        if level == "ad":
            return out
        G, A = TikTokAdGroup, TikTokAd

        def rows(model: Any, parent: Any, part: list[str]) -> Any:
            return self.s.execute(
                select(
                    parent.label("parent"),
                    model.deleted,
                    model.operation_status,
                    model.secondary_status,
                    model.raw,
                )
                .where(model.ad_account_id == ad_account_id, parent.in_(part))
                .order_by(model.id)
            ).all()

        for part in self._parts(object_ids):
            if level == "campaign":
                for g in rows(G, G.campaign_id, part):
                    out[g.parent]["adgroups"].append(g)
                for a in rows(A, A.campaign_id, part):
                    out[a.parent]["ads"].append(a)
            else:
                for a in rows(A, A.adgroup_id, part):
                    out[a.parent]["ads"].append(a)
        return out

    def children_statuses(
        self, level: str, ad_account_id: int, object_ids: Sequence[str]
    ) -> dict[str, list[Any]]:
        """Per object id: its children (ad groups and ads of a campaign, ads of an ad group)
        counted per status, as rows of (deleted, operation_status, secondary_status, n)."""
        out: dict[str, list[Any]] = {oid: [] for oid in object_ids}
        if level == "ad":
            return out
        G, A = TikTokAdGroup, TikTokAd
        kinds: list[tuple[Any, Any]] = [(A, A.adgroup_id)]
        if level == "campaign":
            kinds = [(G, G.campaign_id), (A, A.campaign_id)]
        for part in self._parts(object_ids):
            for model, parent in kinds:
                keys = (parent, model.deleted, model.operation_status, model.secondary_status)
                q = (
                    select(*keys, func.count().label("n"))
                    .where(model.ad_account_id == ad_account_id, parent.in_(part))
                    .group_by(*keys)
                )
                for row in self.s.execute(q):
                    out[str(row[0])].append(row)
        return out

    def spend_of_campaigns(
        self,
        workspace_id: int,
        since: str,
        until: str,
        *,
        advertiser_id: int | None = None,
        ad_account_id: int | None = None,
    ) -> int:
        """Daily campaign spend ``since <= day < until`` of one client advertiser's campaigns
        (through their allocations), or of one ad account's."""
        R = TikTokReportRow
        q = select(func.coalesce(func.sum(R.spend_minor), 0)).where(
            R.workspace_id == workspace_id,
            R.level == "campaign",
            R.grain == "day",
            R.stat_time >= since,
            R.stat_time < until,
        )
        if advertiser_id is not None:
            q = (
                q.join(
                    TikTokCampaign,
                    (TikTokCampaign.ad_account_id == R.ad_account_id)
                    & (TikTokCampaign.campaign_id == R.object_id),
                )
                .join(CampaignAllocation, CampaignAllocation.campaign_row_id == TikTokCampaign.id)
                .where(CampaignAllocation.advertiser_id == advertiser_id)
            )
        elif ad_account_id is not None:
            q = q.where(R.ad_account_id == ad_account_id)
        return int(self.s.execute(q).scalar() or 0)

    def spend_figures(
        self,
        workspace_id: int,
        level: str,
        ad_account_id: int,
        object_ids: Sequence[str],
        *,
        epoch: str,
        week_since: str,
        today: str,
        tomorrow: str,
    ) -> dict[str, tuple[int, int, int, int | None]]:
        """Per object id with report rows: the daily spend ``epoch <= day < tomorrow``, of
        ``week_since <= day``, of ``today <= day``, and the hourly spend of today's hours
        (None without hourly rows): one statement per chunk of objects."""
        R = TikTokReportRow
        day, hour, spend = R.grain == "day", R.grain == "hour", R.spend_minor
        midnight = " 00:00:00"
        found: dict[str, tuple[int, int, int, int | None]] = {}
        for part in self._parts(object_ids):
            q = (
                select(
                    R.object_id,
                    func.sum(case((day, spend), else_=0)),
                    func.sum(case((day & (R.stat_time >= week_since), spend), else_=0)),
                    func.sum(case((day & (R.stat_time >= today), spend), else_=0)),
                    func.sum(case((hour, spend))),
                )
                .where(
                    R.workspace_id == workspace_id,
                    R.level == level,
                    R.ad_account_id == ad_account_id,
                    R.object_id.in_(part),
                    or_(
                        day & (R.stat_time >= epoch) & (R.stat_time < tomorrow),
                        hour
                        & (R.stat_time >= f"{today}{midnight}")
                        & (R.stat_time < f"{tomorrow}{midnight}"),
                    ),
                )
                .group_by(R.object_id)
            )
            for oid, to_date, week, today_days, today_hours in self.s.execute(q):
                found[str(oid)] = (
                    int(to_date or 0),
                    int(week or 0),
                    int(today_days or 0),
                    None if today_hours is None else int(today_hours),
                )
        return found

    def freed_before_many(
        self, ad_account_id: int, level: str, object_ids: Sequence[str]
    ) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in self._parts(object_ids):
            q = (
                select(Item.object_id, func.sum(Item.freed_minor))
                .where(
                    Item.ad_account_id == ad_account_id,
                    Item.level == level,
                    Item.object_id.in_(part),
                    Item.status == "done",
                    Item.undone_at.is_(None),
                )
                .group_by(Item.object_id)
            )
            for oid, total in self.s.execute(q):
                found[str(oid)] = int(total or 0)
        return found
