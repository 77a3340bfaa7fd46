"""One cancel chunk's reads and writes, on the driver cursor of the unit of work's transaction
(``UnitOfWork.driver_connection``): the enrollments and their active offers, then per item the
snapshot, the state change, the offers' cancellation, the cancellation record, the counters and
the item's result.

Rules:
- Values arrive in the form their column stores (``encode_time``, ``encode_json``): a chunk's
  time is encoded once, each snapshot's JSON once, so the rows read back through the ORM exactly
  as SQLAlchemy would have written them. SQLAlchemy's per-row parameter processing and its
  rendering of each ``IN`` list cost more than the database's work here.
- Every statement covers the whole chunk (``IN`` lists; inserts by ``executemany``, on
  PostgreSQL by ``COPY``); each compare-and-set returns how many rows it changed, for the
  caller to check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table

from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopSnapshot
from promodesk.shop.domain.batches import ItemStatus
from promodesk.shop.repository.batches.base import Driver

SNAPSHOT_COLUMNS = (
    "workspace_id",
    "enrollment_id",
    "activity_id",
    "shop_id",
    "product_id",
    "change",
    "batch_id",
    "data",
    "created_at",
)
CANCELLATION_COLUMNS = (
    "workspace_id",
    "enrollment_id",
    "activity_id",
    "shop_id",
    "product_id",
    "from_state",
    "path",
    "reason_code",
    "reason_text",
    "forced",
    "operator",
    "batch_id",
    "offers_cancelled",
    "restored",
    "created_at",
)


class Detail(NamedTuple):
    """An enrollment of the chunk with its product's figures."""

    id: int
    workspace_id: int
    activity_id: int
    shop_id: int
    product_id: int
    state: str
    previous_state: str | None
    activity_price_minor: int
    currency: str
    activity_stock: int
    per_buyer_limit: int
    presale: int  # 0/1 on SQLite, a bool on PostgreSQL: read it with ``bool()``
    shipping_days: int | None
    views: int
    orders: int
    title: str
    price_minor: int
    stock: int
    product_status: str


class Offer(NamedTuple):
    """The columns ``ChunkStore.active_offers`` reads, in order."""

    id: int
    enrollment_id: int
    kind: str
    title: str
    value_minor: int
    percent_off: int


_DETAILS = (
    "SELECT e.id, e.workspace_id, e.activity_id, e.shop_id, e.product_id, e.state, "
    "e.previous_state, e.activity_price_minor, e.currency, e.activity_stock, e.per_buyer_limit, "
    "e.presale, e.shipping_days, e.views, e.orders, p.title, p.price_minor, p.stock, p.status "
    "FROM shop_enrollments e JOIN shop_products p ON p.id = e.product_id WHERE e.id {ids}"
)
_KEYS = "SELECT DISTINCT activity_id, shop_id FROM shop_enrollments WHERE id {ids}"
_OFFERS = (
    "SELECT id, enrollment_id, kind, title, value_minor, percent_off FROM shop_offers "
    "WHERE enrollment_id {ids} AND status = {p}"
)
_SET_STATE = (
    "UPDATE shop_enrollments SET state = {p}, updated_at = {p} WHERE id {ids} AND state = {p}"
)
_CANCEL_OFFERS = (
    "UPDATE shop_offers SET status = {p}, cancelled_at = {p} WHERE enrollment_id {ids} "
    "AND status = {p}"
)
_BUMP = (
    "UPDATE shop_activity_counters SET active = active - {p}, cancelled = cancelled + {p} "
    "WHERE activity_id = {p} AND shop_id = {p}"
)
# The guardrails as a compare-and-set: the counters move only if the result still keeps the
# minimum of products and the maximum cancel ratio.
_BUMP_GUARDED = _BUMP + " AND active - {p} >= {p} AND (cancelled + {p}) * 100 <= {p} * enrolled"
_FINISH = (
    "UPDATE shop_batch_items SET status = {p}, processed_at = {p}, error_code = NULL, "
    "error_detail = NULL, attempts = attempts + 1 WHERE id {ids} AND status = {p}"
)


def _identity(value: Any) -> Any:
    return value


class ChunkStore(Driver):
    """A cancel chunk's statements on the driver cursor (see the module rules)."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        dialect = uow.engine.dialect
        table: Table = ShopSnapshot.__table__  # type: ignore[assignment]
        stamp = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
        self.encode_time: Callable[[datetime], Any] = stamp or _identity
        if self.pg:
            # What psycopg's Json adapter sends for SQLAlchemy: ``json.dumps``'s text (the
            # column is ``json``, kept as sent); None is SQL NULL (``none_as_null``).
            self.encode_json: Callable[[Any], Any] = lambda v: None if v is None else json.dumps(v)
        else:
            encode = table.c.data.type.dialect_impl(dialect).bind_processor(dialect)
            self.encode_json = encode or _identity

    def encode_json_ending(self, head: dict[str, Any], key: str, last: str) -> str:
        """``encode_json({**head, key: value})`` where ``last`` is ``encode_json(value)``
        already (a part many rows share, encoded once): the same text, since the encoder
        writes a dict's items in order with ``", "`` and ``": "`` between them."""
        if not head or key in head:
            raise ValueError("encode_json_ending needs a non-empty head without the key")
        text: str = self.encode_json(head)
        return f"{text[:-1]}, {json.dumps(key)}: {last}}}"

    # reads -------------------------------------------------------------------------------
    def keys(self, enrollment_ids: Sequence[int]) -> set[tuple[int, int]]:
        """The (activity, shop) pairs of the enrollments: whose counters to lock."""
        return {(r[0], r[1]) for r in self.rows(_KEYS, enrollment_ids)}

    def details(self, enrollment_ids: Sequence[int]) -> list[Detail]:
        make = Detail._make
        return [make(r) for r in self.rows(_DETAILS, enrollment_ids)]

    def active_offers(self, enrollment_ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """Rows in ``Offer``'s order (plain tuples: a chunk reads two per item)."""
        return self.rows(_OFFERS, enrollment_ids, tail=("active",))

    # writes ------------------------------------------------------------------------------
    def insert_snapshots(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows in ``SNAPSHOT_COLUMNS`` order, ``data`` and ``created_at`` encoded. An iterator
        is consumed row by row (no chunk-long list of rows for the garbage collector)."""
        self.insert("shop_snapshots", SNAPSHOT_COLUMNS, rows)

    def insert_cancellations(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows in ``CANCELLATION_COLUMNS`` order, ``created_at`` encoded (as above)."""
        self.insert("shop_cancellations", CANCELLATION_COLUMNS, rows)

    def set_state(self, ids: Sequence[int], source: str, target: str, at: Any) -> int:
        """Compare-and-set ``source`` → ``target`` (``at`` encoded); rows changed."""
        return self.changed(_SET_STATE, ids, (target, at), (source,))

    def cancel_offers(self, enrollment_ids: Sequence[int], at: Any) -> int:
        return self.changed(_CANCEL_OFFERS, enrollment_ids, ("cancelled", at), ("active",))

    def bump_counters(
        self, cancelled: Sequence[tuple[int, int, int]], guards: Sequence[tuple[int, int] | None]
    ) -> int:
        """Per ``(activity, shop, n)``: ``n`` fewer active, ``n`` more cancelled; with its
        guard ``(min_products, max_percent)`` only if both guardrails still hold. Returns how
        many counters moved (one per pair at most)."""
        free = [(n, n, a, s) for (a, s, n), g in zip(cancelled, guards, strict=True) if g is None]
        held = [
            (n, n, a, s, n, g[0], n, g[1])
            for (a, s, n), g in zip(cancelled, guards, strict=True)
            if g is not None
        ]
        moved = 0
        for template, rows in ((_BUMP, free), (_BUMP_GUARDED, held)):
            if rows:
                self.cursor.executemany(template.format(p=self.mark), rows)
                moved += int(self.cursor.rowcount)
        return moved

    def finish_done(self, item_ids: Sequence[int], at: Any) -> int:
        """Compare-and-set pending → done (``at`` encoded): an item is finished exactly once."""
        done, pending = ItemStatus.DONE.value, ItemStatus.PENDING.value
        return self.changed(_FINISH, item_ids, (done, at), (pending,))
