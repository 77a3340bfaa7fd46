"""All SQL of promote creators, contents, coupons and orders (delivery batches: ``delivery``;
recharges, invoices, withdrawals: ``money``).

Every query is scoped to a workspace. Status changes are compare-and-set updates: zero rows
means another transaction changed the row first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update

from promodesk.kit.clock import ensure_utc
from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    LedgerAccount,
    PromoteContent,
    PromoteCoupon,
    PromoteCreator,
    PromoteOrder,
    PromoteOrderHourly,
)
from promodesk.promote.domain.orders import ENDED, OPEN, OrderStatus
from promodesk.promote.domain.settlement import SETTLEMENT, SettlementStatus

_orders = cast(Table, PromoteOrder.__table__)
_coupons = cast(Table, PromoteCoupon.__table__)
_OPEN = sorted(s.value for s in OPEN)
_ENDED = sorted(s.value for s in ENDED)
_UNSETTLED = SettlementStatus.UNSETTLED.value


class PromoteRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def add(self, row: object) -> None:
        self.s.add(row)
        self.s.flush()

    # creators -------------------------------------------------------------------------------
    def creator(self, workspace_id: int, creator_id: int) -> PromoteCreator | None:
        return self.s.execute(
            select(PromoteCreator).where(
                PromoteCreator.id == creator_id, PromoteCreator.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def creator_by_handle(self, workspace_id: int, handle: str) -> PromoteCreator | None:
        return self.s.execute(
            select(PromoteCreator).where(
                PromoteCreator.handle == handle, PromoteCreator.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def creators(
        self, workspace_id: int, *, after_id: int | None = None, limit: int = 50
    ) -> list[Any]:
        """Oldest first, past ``after_id``."""
        q = select(PromoteCreator).where(PromoteCreator.workspace_id == workspace_id)
        if after_id is not None:
            q = q.where(PromoteCreator.id > after_id)
        return list(self.s.execute(q.order_by(PromoteCreator.id).limit(limit)).scalars())

    # contents -------------------------------------------------------------------------------
    def content(self, workspace_id: int, content_id: int) -> PromoteContent | None:
        return self.s.execute(
            select(PromoteContent).where(
                PromoteContent.id == content_id, PromoteContent.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def contents(
        self,
        workspace_id: int,
        creator_id: int | None,
        *,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Any]:
        """Oldest first, past ``after_id``."""
        q = select(PromoteContent).where(PromoteContent.workspace_id == workspace_id)
        if after_id is not None:
            q = q.where(PromoteContent.id > after_id)
        if creator_id is not None:
            q = q.where(PromoteContent.creator_id == creator_id)
        return list(self.s.execute(q.order_by(PromoteContent.id).limit(limit)).scalars())

    # coupons --------------------------------------------------------------------------------
    def coupon(self, workspace_id: int, coupon_id: int) -> PromoteCoupon | None:
        return self.s.execute(
            select(PromoteCoupon).where(
                PromoteCoupon.id == coupon_id, PromoteCoupon.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def coupons(
        self,
        workspace_id: int,
        creator_id: int | None,
        *,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Any]:
        """Oldest first, past ``after_id``."""
        q = select(PromoteCoupon).where(PromoteCoupon.workspace_id == workspace_id)
        if after_id is not None:
            q = q.where(PromoteCoupon.id > after_id)
        if creator_id is not None:
            q = q.where(PromoteCoupon.creator_id == creator_id)
        return list(self.s.execute(q.order_by(PromoteCoupon.id).limit(limit)).scalars())

    def set_coupon_status(
        self,
        workspace_id: int,
        coupon_id: int,
        expected: str,
        new: str,
        *,
        order_id: int | None,
        expected_order_id: int | None = None,
        at: datetime,
    ) -> bool:
        """Compare-and-set the coupon's status (and its order link)."""
        q = update(_coupons).where(
            _coupons.c.id == coupon_id,
            _coupons.c.workspace_id == workspace_id,
            _coupons.c.status == expected,
        )
        if expected_order_id is not None:
            q = q.where(_coupons.c.order_id == expected_order_id)
        result = self.s.execute(q.values(status=new, order_id=order_id, updated_at=at))
        self.s.expire_all()
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    # orders ---------------------------------------------------------------------------------
    def order(
        self, workspace_id: int, order_id: int, *, for_update: bool = False
    ) -> PromoteOrder | None:
        q = select(PromoteOrder).where(
            PromoteOrder.id == order_id, PromoteOrder.workspace_id == workspace_id
        )
        if for_update:
            q = q.with_for_update()
        return self.s.execute(q.execution_options(populate_existing=True)).scalar_one_or_none()

    def orders(
        self,
        workspace_id: int,
        *,
        creator_id: int | None = None,
        statuses: Iterable[str] | None = None,
        goal: str | None = None,
        content_kind: str | None = None,
        review_status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[PromoteOrder]:
        """Newest first."""
        q = select(PromoteOrder).where(PromoteOrder.workspace_id == workspace_id)
        if creator_id is not None:
            q = q.where(PromoteOrder.creator_id == creator_id)
        if statuses:
            q = q.where(PromoteOrder.status.in_(list(statuses)))
        if goal:
            q = q.where(PromoteOrder.goal == goal)
        if content_kind:
            q = q.where(PromoteOrder.content_kind == content_kind)
        if review_status:
            q = q.where(PromoteOrder.review_status == review_status)
        if created_from is not None:
            q = q.where(PromoteOrder.created_at >= created_from)
        if created_to is not None:
            q = q.where(PromoteOrder.created_at < created_to)
        if before_id is not None:
            q = q.where(PromoteOrder.id < before_id)
        return list(self.s.execute(q.order_by(PromoteOrder.id.desc()).limit(limit)).scalars())

    def cas_order(
        self,
        workspace_id: int,
        order_id: int,
        expected: Iterable[str],
        *,
        review_status_is: str | None = None,
        **values: Any,
    ) -> bool:
        """Update the order only while its status is one of ``expected`` (and its review status
        is ``review_status_is``, when given): one winner per race."""
        q = update(_orders).where(
            _orders.c.id == order_id,
            _orders.c.workspace_id == workspace_id,
            _orders.c.status.in_([str(s) for s in expected]),
        )
        if review_status_is is not None:
            q = q.where(_orders.c.review_status == review_status_is)
        result = self.s.execute(q.values(**values))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def cas_orders(
        self, workspace_id: int, order_ids: Iterable[int], expected: Iterable[str], **values: Any
    ) -> list[int]:
        """``cas_order`` for many orders: one statement per chunk of ids; returns the ids whose
        update won (their status was one of ``expected``), ascending."""
        ids = sorted(set(order_ids))
        statuses = [str(s) for s in expected]
        won: list[int] = []
        for start in range(0, len(ids), 1000):
            q = (
                update(_orders)
                .where(
                    _orders.c.workspace_id == workspace_id,
                    _orders.c.id.in_(ids[start : start + 1000]),
                    _orders.c.status.in_(statuses),
                )
                .values(**values)
                .returning(_orders.c.id)
            )
            won.extend(int(r[0]) for r in self.s.execute(q))
        return sorted(won)

    def cas_settlement(self, workspace_id: int, order_id: int, **values: Any) -> bool:
        """Mark an ended order settled, once (the settlement lifecycle's one edge)."""
        settled = SettlementStatus.SETTLED
        result = self.s.execute(
            update(_orders)
            .where(
                _orders.c.id == order_id,
                _orders.c.workspace_id == workspace_id,
                _orders.c.settlement_status.in_([str(s) for s in SETTLEMENT.sources_for(settled)]),
                _orders.c.status.in_(_ENDED),
            )
            .values(settlement_status=settled.value, **values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def update_order(self, workspace_id: int, order_id: int, **values: Any) -> None:
        self.s.execute(
            update(_orders)
            .where(_orders.c.id == order_id, _orders.c.workspace_id == workspace_id)
            .values(**values)
        )

    def open_order_ids_for_content(self, workspace_id: int, content_id: int) -> list[int]:
        """The orders of one content still in review or delivering, oldest first."""
        return list(
            self.s.execute(
                select(_orders.c.id)
                .where(
                    _orders.c.workspace_id == workspace_id,
                    _orders.c.content_id == content_id,
                    _orders.c.status.in_(_OPEN),
                )
                .order_by(_orders.c.id)
            ).scalars()
        )

    def count_open_orders(self, workspace_id: int, creator_id: int) -> int:
        return int(
            self.s.execute(
                select(func.count())
                .select_from(_orders)
                .where(
                    _orders.c.workspace_id == workspace_id,
                    _orders.c.creator_id == creator_id,
                    _orders.c.status.in_(_OPEN),
                )
            ).scalar_one()
        )

    def count_unsettled_orders(self, workspace_id: int, creator_id: int) -> int:
        return int(
            self.s.execute(
                select(func.count())
                .select_from(_orders)
                .where(
                    _orders.c.workspace_id == workspace_id,
                    _orders.c.creator_id == creator_id,
                    _orders.c.settlement_status == _UNSETTLED,
                )
            ).scalar_one()
        )

    def last_order_ended_at(self, workspace_id: int, creator_id: int) -> datetime | None:
        value = self.s.execute(
            select(func.max(PromoteOrder.ended_at)).where(
                PromoteOrder.workspace_id == workspace_id, PromoteOrder.creator_id == creator_id
            )
        ).scalar()
        if value is None:
            return None
        # MAX() bypasses the column type on SQLite (a naive string or datetime comes back).
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return ensure_utc(value)

    def held_in_escrows(self, workspace_id: int, creator_id: int) -> int:
        acct = cast(Table, LedgerAccount.__table__)
        return int(
            self.s.execute(
                select(func.coalesce(func.sum(acct.c.balance), 0))
                .select_from(_orders)
                .join(acct, acct.c.id == _orders.c.escrow_account_id)
                .where(
                    _orders.c.workspace_id == workspace_id,
                    _orders.c.creator_id == creator_id,
                    _orders.c.settlement_status == _UNSETTLED,
                )
            ).scalar_one()
        )

    def due_to_end(self, at: datetime, limit: int = 500) -> list[tuple[int, int]]:
        """``(workspace_id, order_id)`` of delivering orders whose duration is over."""
        rows = self.s.execute(
            select(_orders.c.workspace_id, _orders.c.id)
            .where(_orders.c.status == OrderStatus.DELIVERING.value, _orders.c.ends_at <= at)
            .order_by(_orders.c.id)
            .limit(limit)
        ).all()
        return [(r[0], r[1]) for r in rows]

    def ended_unsettled(self, before: datetime, limit: int = 500) -> list[tuple[int, int]]:
        rows = self.s.execute(
            select(_orders.c.workspace_id, _orders.c.id)
            .where(
                _orders.c.settlement_status == _UNSETTLED,
                _orders.c.status.in_(_ENDED),
                _orders.c.ended_at <= before,
            )
            .order_by(_orders.c.id)
            .limit(limit)
        ).all()
        return [(r[0], r[1]) for r in rows]

    # analytics ------------------------------------------------------------------------------
    def hourly(self, workspace_id: int, order_id: int) -> list[PromoteOrderHourly]:
        return list(
            self.s.execute(
                select(PromoteOrderHourly)
                .where(
                    PromoteOrderHourly.workspace_id == workspace_id,
                    PromoteOrderHourly.order_id == order_id,
                )
                .order_by(PromoteOrderHourly.hour)
            ).scalars()
        )
