"""SQL of a cancel's confirm: the cancellation and its items written, its status changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, update

from promodesk.campaigns.repository.cancellations.objects import ObjectsRepository
from promodesk.campaigns.repository.cancellations.reads import Item
from promodesk.models import CampaignCancellation


class ConfirmRepository(ObjectsRepository):
    def add(self, row: Any) -> None:
        self.s.add(row)
        self.s.flush()

    def insert_items(self, rows: list[dict[str, Any]]) -> None:
        """Many items in one multi-row INSERT per chunk."""
        for start in range(0, len(rows), self.CHUNK):
            self.s.execute(insert(Item), rows[start : start + self.CHUNK])

    def set_status(self, cancellation_id: int, expected: Iterable[str], new: str) -> int:
        """Compare-and-set of the cancellation's status; the number of rows changed."""
        res = self.s.execute(
            update(CampaignCancellation)
            .where(
                CampaignCancellation.id == cancellation_id,
                CampaignCancellation.status.in_(list(expected)),
            )
            .values(status=new)
        )
        return int(getattr(res, "rowcount", 0) or 0)
