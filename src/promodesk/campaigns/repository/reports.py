"""All SQL of the report store: sums of report rows per object and per day."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from promodesk.campaigns.domain.reports import Metrics
from promodesk.kit.db import UnitOfWork
from promodesk.models import TikTokReportRow

R = TikTokReportRow
_SUMS = (
    func.sum(R.spend_minor),
    func.sum(R.impressions),
    func.sum(R.clicks),
    func.sum(R.conversions),
    func.sum(R.video_views),
    func.sum(R.reach),
)


def _metrics(row: Any, offset: int) -> Metrics:
    v = [int(x or 0) for x in row[offset : offset + 6]]
    return Metrics(*v)


class ReportsRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def _scope(
        self,
        q: Any,
        workspace_id: int,
        level: str,
        grain: str,
        since: str,
        until: str,
        ad_account_id: int | None,
        object_ids: Iterable[str] | None,
    ) -> Any:
        q = q.where(
            R.workspace_id == workspace_id,
            R.level == level,
            R.grain == grain,
            R.stat_time >= since,
            R.stat_time < until,
        )
        if ad_account_id is not None:
            q = q.where(R.ad_account_id == ad_account_id)
        if object_ids is not None:
            q = q.where(R.object_id.in_(list(object_ids)))
        return q

    def totals(
        self,
        workspace_id: int,
        level: str,
        grain: str,
        since: str,
        until: str,
        *,
        ad_account_id: int | None = None,
        object_ids: Iterable[str] | None = None,
    ) -> dict[tuple[int, str], Metrics]:
        """Sums per (ad account row id, object id) over ``since <= stat_time < until``."""
        q = select(R.ad_account_id, R.object_id, *_SUMS).group_by(R.ad_account_id, R.object_id)
        q = self._scope(q, workspace_id, level, grain, since, until, ad_account_id, object_ids)
        return {(int(r[0]), str(r[1])): _metrics(r, 2) for r in self.s.execute(q)}

    def series(
        self,
        workspace_id: int,
        level: str,
        grain: str,
        since: str,
        until: str,
        *,
        ad_account_id: int | None = None,
        object_ids: Iterable[str] | None = None,
    ) -> list[tuple[str, Metrics]]:
        """Sums per stat time (day or hour) over the objects, in time order."""
        q = select(R.stat_time, *_SUMS).group_by(R.stat_time).order_by(R.stat_time)
        q = self._scope(q, workspace_id, level, grain, since, until, ad_account_id, object_ids)
        return [(str(r[0]), _metrics(r, 1)) for r in self.s.execute(q)]
