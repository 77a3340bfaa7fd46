"""SQL of a cancellation's run: the pending items of a step, each item's snapshot and money
stored before its object is changed, the items' results and their counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, Text, bindparam, cast, func, select, update

from promodesk.campaigns.repository.cancellations.objects import ObjectsRepository
from promodesk.campaigns.repository.cancellations.reads import Item

# An item's snapshot until its step stores one: the empty JSON object, as the column keeps it.
NO_SNAPSHOT = "{}"
# The item columns taken with its snapshot: whom the freed money goes to, and the money.
FIGURES = (
    "client_account_id",
    "advertiser_id",
    "currency",
    "budget_mode",
    "budget_minor",
    "spent_to_date_minor",
    "spent_today_minor",
    "last_7_days_minor",
    "freed_minor",
    "status_before",
)


class RunRepository(ObjectsRepository):
    def pending_rows(self, cancellation_id: int, ids: Sequence[int]) -> list[Any]:
        """(id, ad_account_id, level, object_id, advertiser_id, currency, freed_minor) of the
        listed items still pending: plain rows, no ORM objects to flush."""
        found: list[Any] = []
        for start in range(0, len(ids), self.CHUNK):
            q = select(
                Item.id,
                Item.ad_account_id,
                Item.level,
                Item.object_id,
                Item.advertiser_id,
                Item.currency,
                Item.freed_minor,
            ).where(
                Item.cancellation_id == cancellation_id,
                Item.status == "pending",
                Item.id.in_(list(ids[start : start + self.CHUNK])),
            )
            found.extend(self.s.execute(q).all())
        return found

    def pending_keys(self, cancellation_id: int) -> list[Any]:
        """(id, ad_account_id, level, object_id, taken) of the pending items in id order: plain
        rows, what a step needs to group its status updates; ``taken``: the item's snapshot
        is stored."""
        q = (
            select(
                Item.id,
                Item.ad_account_id,
                Item.level,
                Item.object_id,
                (cast(Item.snapshot, Text) != NO_SNAPSHOT).label("taken"),
            )
            .where(Item.cancellation_id == cancellation_id, Item.status == "pending")
            .order_by(Item.id)
        )
        return list(self.s.execute(q).all())

    def without_snapshot(self, cancellation_id: int, ids: Sequence[int]) -> list[Any]:
        """(id, row_id, level) of these items still pending with no snapshot, locked."""
        found: list[Any] = []
        for start in range(0, len(ids), self.CHUNK):
            q = (
                select(Item.id, Item.row_id, Item.level)
                .where(
                    Item.cancellation_id == cancellation_id,
                    Item.id.in_(list(ids[start : start + self.CHUNK])),
                    Item.status == "pending",
                    cast(Item.snapshot, Text) == NO_SNAPSHOT,
                )
                .order_by(Item.id)
                .with_for_update()
            )
            found.extend(self.s.execute(q).all())
        return found

    def store_snapshots(self, taken: dict[int, dict[str, Any]]) -> None:
        """Item id → its ``snapshot`` and money figures (the item columns of ``FIGURES``),
        stored only where no snapshot is yet (one executemany): a snapshot, once stored, is
        never replaced, nor the figures taken with it."""
        if not taken:
            return
        t: Table = Item.__table__  # type: ignore[assignment]
        columns = ("snapshot", *FIGURES)
        stmt = (
            update(t)
            .where(t.c.id == bindparam("s_item_id"), cast(t.c.snapshot, Text) == NO_SNAPSHOT)
            .values({c: bindparam(f"s_{c}", type_=t.c[c].type) for c in columns})
        )
        rows = [
            {"s_item_id": item_id, **{f"s_{c}": values[c] for c in columns}}
            for item_id, values in taken.items()
        ]
        for start in range(0, len(rows), self.CHUNK):
            self.s.execute(stmt, rows[start : start + self.CHUNK])

    def set_items(self, ids: Sequence[int], sources: Iterable[str], values: dict[str, Any]) -> int:
        """Compare-and-set of many items: only those in one of ``sources`` change."""
        changed = 0
        allowed = [str(getattr(x, "value", x)) for x in sources]
        for start in range(0, len(ids), self.CHUNK):
            res = self.s.execute(
                update(Item)
                .where(Item.id.in_(list(ids[start : start + self.CHUNK])), Item.status.in_(allowed))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += int(getattr(res, "rowcount", 0) or 0)
        return changed

    def count_items(self, cancellation_id: int, status: str) -> int:
        q = select(func.count()).where(
            Item.cancellation_id == cancellation_id, Item.status == status
        )
        return int(self.s.execute(q).scalar() or 0)

    def status_counts(self, cancellation_id: int) -> dict[str, int]:
        q = (
            select(Item.status, func.count())
            .where(Item.cancellation_id == cancellation_id)
            .group_by(Item.status)
        )
        return {str(s): int(n) for s, n in self.s.execute(q)}

    def to_verify(self, cancellation_id: int) -> int:
        q = select(func.count()).where(
            Item.cancellation_id == cancellation_id,
            Item.status == "done",
            Item.verify_status == "pending",
        )
        return int(self.s.execute(q).scalar() or 0)
