"""SQL of a cancellation's verification: the verdicts of many items, the time of its last stop."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update

from promodesk.campaigns.repository.cancellations.objects import ObjectsRepository
from promodesk.campaigns.repository.cancellations.reads import Item


class VerificationRepository(ObjectsRepository):
    def set_verdicts(self, verdicts: list[dict[str, Any]]) -> None:
        """Verification results of many items in one executemany: each dict has ``item_id``,
        ``spend_after_minor``, ``verified_at``, ``verify_detail`` and ``verify_status``."""
        if not verdicts:
            return
        t: Table = Item.__table__  # type: ignore[assignment]
        stmt = (
            update(t)
            .where(t.c.id == bindparam("v_item_id"))
            .values(
                spend_after_minor=bindparam("v_spend"),
                verified_at=bindparam("v_at", type_=t.c.verified_at.type),
                verify_detail=bindparam("v_detail", type_=t.c.verify_detail.type),
                verify_status=bindparam("v_status"),
            )
        )
        rows = [
            {
                "v_item_id": v["item_id"],
                "v_spend": v["spend_after_minor"],
                "v_at": v["verified_at"],
                "v_detail": v["verify_detail"],
                "v_status": v["verify_status"],
            }
            for v in verdicts
        ]
        for start in range(0, len(rows), self.CHUNK):
            self.s.execute(stmt, rows[start : start + self.CHUNK])

    def last_stop(self, cancellation_id: int) -> datetime | None:
        """The latest ``stopped_at`` of the cancellation's items."""
        q = select(func.max(Item.stopped_at)).where(Item.cancellation_id == cancellation_id)
        found: datetime | None = self.s.execute(q).scalar()
        return found
