"""SQL of a sync: upsert one page of mirrored entities, mark the vanished, sync runs.

A page is written with at most four statements (read the page's known rows, insert the new,
update the changed, stamp ``last_seen_run_id`` on the rest), so a sync costs a few statements
per 1,000 entities and never loads an ad account's whole mirror.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, insert, select, update

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    TikTokAd,
    TikTokAdGroup,
    TikTokAudience,
    TikTokCampaign,
    TikTokSyncRun,
)

# stage -> (model, external id column)
MIRRORS: dict[str, tuple[Any, str]] = {
    "campaigns": (TikTokCampaign, "campaign_id"),
    "adgroups": (TikTokAdGroup, "adgroup_id"),
    "ads": (TikTokAd, "ad_id"),
    "audiences": (TikTokAudience, "audience_id"),
}
# Columns whose change makes a row "changed" (besides coming back from vanished).
_COMPARED = ("modify_time", "operation_status", "secondary_status", "name", "deleted")


@dataclass
class PageResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class SyncRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def run(self, run_id: int, *, lock: bool = False) -> TikTokSyncRun | None:
        q = select(TikTokSyncRun).where(TikTokSyncRun.id == run_id)
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def run_in(self, workspace_id: int, run_id: int) -> TikTokSyncRun | None:
        return self.s.execute(
            select(TikTokSyncRun).where(
                TikTokSyncRun.id == run_id, TikTokSyncRun.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def open_run(self, ad_account_id: int) -> TikTokSyncRun | None:
        return self.s.execute(
            select(TikTokSyncRun)
            .where(
                TikTokSyncRun.ad_account_id == ad_account_id,
                TikTokSyncRun.status.in_(("queued", "running")),
            )
            .order_by(TikTokSyncRun.id)
            .limit(1)
        ).scalar_one_or_none()

    def runs(self, workspace_id: int, ad_account_id: int, limit: int = 20) -> list[TikTokSyncRun]:
        return list(
            self.s.execute(
                select(TikTokSyncRun)
                .where(
                    TikTokSyncRun.workspace_id == workspace_id,
                    TikTokSyncRun.ad_account_id == ad_account_id,
                )
                .order_by(TikTokSyncRun.id.desc())
                .limit(limit)
            ).scalars()
        )

    def add(self, row: object) -> None:
        self.s.add(row)
        self.s.flush()

    def upsert_page(
        self,
        stage: str,
        workspace_id: int,
        ad_account_id: int,
        run_id: int,
        rows: Sequence[dict[str, Any]],
    ) -> PageResult:
        """Insert new rows, update changed ones, stamp the run on every row of the page."""
        model, key = MIRRORS[stage]
        table = cast(Table, model.__table__)
        result = PageResult()
        if not rows:
            return result
        ids = [r[key] for r in rows]
        col = table.c[key]
        known = {
            row[key]: row
            for row in self.s.execute(
                select(table.c.id, col, table.c.vanished, *[table.c[c] for c in _COMPARED]).where(
                    table.c.ad_account_id == ad_account_id, col.in_(ids)
                )
            ).mappings()
        }
        fresh: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        seen: set[str] = set()
        for r in rows:
            if r[key] in seen:  # a page boundary shifted under us: the row came twice
                continue
            seen.add(r[key])
            old = known.get(r[key])
            values = {**r, "last_seen_run_id": run_id, "vanished": False}
            if old is None:
                fresh.append(
                    {**values, "workspace_id": workspace_id, "ad_account_id": ad_account_id}
                )
            elif old["vanished"] or any(old[c] != r[c] for c in _COMPARED):
                changed.append({**values, "id": old["id"]})
            else:
                result.unchanged += 1
        if fresh:
            self.s.execute(insert(table), fresh)
            result.inserted = len(fresh)
        if changed:
            self.s.execute(update(model), changed)
            result.updated = len(changed)
        if result.unchanged:
            self.s.execute(
                update(table)
                .where(
                    table.c.ad_account_id == ad_account_id,
                    col.in_(ids),
                    table.c.last_seen_run_id != run_id,
                )
                .values(last_seen_run_id=run_id)
            )
        return result

    def mark_vanished(self, stage: str, ad_account_id: int, run_id: int) -> int:
        """Rows the run's complete listing did not return are gone from TikTok."""
        model, _ = MIRRORS[stage]
        table = cast(Table, model.__table__)
        res = self.s.execute(
            update(table)
            .where(
                and_(
                    table.c.ad_account_id == ad_account_id,
                    table.c.last_seen_run_id != run_id,
                    table.c.vanished.is_(False),
                )
            )
            .values(vanished=True)
        )
        return int(getattr(res, "rowcount", 0) or 0)
