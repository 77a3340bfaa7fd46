"""All SQL of promote's money side: recharges, invoices and their counters, withdrawals, and the
payment-methods table. Every query is scoped to a workspace, except the webhook lookup by the
provider's own charge reference (webhooks carry no workspace)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    PromoteInvoice,
    PromoteInvoiceCounter,
    PromotePaymentMethod,
    PromoteRecharge,
    PromoteWithdrawal,
    Workspace,
)

_recharges = cast(Table, PromoteRecharge.__table__)
_withdrawals = cast(Table, PromoteWithdrawal.__table__)
_counters = cast(Table, PromoteInvoiceCounter.__table__)
_methods = cast(Table, PromotePaymentMethod.__table__)

T = TypeVar("T")


class MoneyRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    def add(self, row: T) -> T:
        self.s.add(row)
        self.s.flush()
        return row

    def workspace_name(self, workspace_id: int) -> str:
        name = self.s.execute(select(Workspace.name).where(Workspace.id == workspace_id)).scalar()
        return str(name or "")

    # recharges ------------------------------------------------------------------------------
    def recharge(self, workspace_id: int, recharge_id: int) -> PromoteRecharge | None:
        return self.s.execute(
            select(PromoteRecharge)
            .where(PromoteRecharge.id == recharge_id, PromoteRecharge.workspace_id == workspace_id)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def recharge_by_provider_ref(self, provider: str, provider_ref: str) -> PromoteRecharge | None:
        return self.s.execute(
            select(PromoteRecharge)
            .where(
                PromoteRecharge.provider == provider, PromoteRecharge.provider_ref == provider_ref
            )
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def recharges(
        self,
        workspace_id: int,
        *,
        creator_id: int | None = None,
        status: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[PromoteRecharge]:
        q = select(PromoteRecharge).where(PromoteRecharge.workspace_id == workspace_id)
        if creator_id is not None:
            q = q.where(PromoteRecharge.creator_id == creator_id)
        if status is not None:
            q = q.where(PromoteRecharge.status == status)
        if before_id is not None:
            q = q.where(PromoteRecharge.id < before_id)
        return list(self.s.execute(q.order_by(PromoteRecharge.id.desc()).limit(limit)).scalars())

    def cas_recharge(
        self, workspace_id: int, recharge_id: int, expected: str, **values: Any
    ) -> bool:
        """Change the recharge only while its status is ``expected``: one winner per race."""
        result = self.s.execute(
            update(_recharges)
            .where(
                _recharges.c.id == recharge_id,
                _recharges.c.workspace_id == workspace_id,
                _recharges.c.status == expected,
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def last_method(self, workspace_id: int, creator_id: int, channel: str) -> str | None:
        """The method of the creator's latest confirmed recharge on ``channel``."""
        return self.s.execute(
            select(PromoteRecharge.method)
            .where(
                PromoteRecharge.workspace_id == workspace_id,
                PromoteRecharge.creator_id == creator_id,
                PromoteRecharge.status == "confirmed",
                PromoteRecharge.channel == channel,
            )
            .order_by(PromoteRecharge.id.desc())
            .limit(1)
        ).scalar()

    # invoices -------------------------------------------------------------------------------
    def next_invoice_seq(self, workspace_id: int, year: int) -> int:
        """Take the next number of (workspace, year). The counter row stays locked until the
        transaction ends, so concurrent confirmations are numbered one after the other, and a
        rollback gives the number back."""
        ins = pg_insert if self.uow.dialect == "postgresql" else sqlite_insert
        self.s.execute(
            ins(_counters)
            .values(workspace_id=workspace_id, year=year, last_seq=0)
            .on_conflict_do_nothing()
        )
        seq = self.s.execute(
            update(_counters)
            .where(_counters.c.workspace_id == workspace_id, _counters.c.year == year)
            .values(last_seq=_counters.c.last_seq + 1)
            .returning(_counters.c.last_seq)
        ).scalar_one()
        return int(seq)

    def invoice(self, workspace_id: int, invoice_id: int) -> PromoteInvoice | None:
        return self.s.execute(
            select(PromoteInvoice).where(
                PromoteInvoice.id == invoice_id, PromoteInvoice.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def invoice_for_recharge(self, workspace_id: int, recharge_id: int) -> PromoteInvoice | None:
        return self.s.execute(
            select(PromoteInvoice).where(
                PromoteInvoice.recharge_id == recharge_id,
                PromoteInvoice.workspace_id == workspace_id,
            )
        ).scalar_one_or_none()

    def invoices(
        self,
        workspace_id: int,
        *,
        creator_id: int | None = None,
        year: int | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[PromoteInvoice]:
        q = select(PromoteInvoice).where(PromoteInvoice.workspace_id == workspace_id)
        if creator_id is not None:
            q = q.where(PromoteInvoice.creator_id == creator_id)
        if year is not None:
            q = q.where(PromoteInvoice.year == year)
        if before_id is not None:
            q = q.where(PromoteInvoice.id < before_id)
        return list(self.s.execute(q.order_by(PromoteInvoice.id.desc()).limit(limit)).scalars())

    # withdrawals ----------------------------------------------------------------------------
    def withdrawal(self, workspace_id: int, withdrawal_id: int) -> PromoteWithdrawal | None:
        return self.s.execute(
            select(PromoteWithdrawal)
            .where(
                PromoteWithdrawal.id == withdrawal_id,
                PromoteWithdrawal.workspace_id == workspace_id,
            )
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def withdrawals(
        self,
        workspace_id: int,
        *,
        creator_id: int | None = None,
        status: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[PromoteWithdrawal]:
        q = select(PromoteWithdrawal).where(PromoteWithdrawal.workspace_id == workspace_id)
        if creator_id is not None:
            q = q.where(PromoteWithdrawal.creator_id == creator_id)
        if status is not None:
            q = q.where(PromoteWithdrawal.status == status)
        if before_id is not None:
            q = q.where(PromoteWithdrawal.id < before_id)
        return list(self.s.execute(q.order_by(PromoteWithdrawal.id.desc()).limit(limit)).scalars())

    def cas_withdrawal(
        self, workspace_id: int, withdrawal_id: int, expected: str, **values: Any
    ) -> bool:
        result = self.s.execute(
            update(_withdrawals)
            .where(
                _withdrawals.c.id == withdrawal_id,
                _withdrawals.c.workspace_id == workspace_id,
                _withdrawals.c.status == expected,
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    # payment methods ------------------------------------------------------------------------
    def payment_methods(self, workspace_id: int) -> list[PromotePaymentMethod]:
        return list(
            self.s.execute(
                select(PromotePaymentMethod)
                .where(PromotePaymentMethod.workspace_id == workspace_id)
                .order_by(
                    PromotePaymentMethod.region,
                    PromotePaymentMethod.os,
                    PromotePaymentMethod.code,
                )
            ).scalars()
        )

    def replace_payment_methods(self, workspace_id: int, rows: Iterable[dict[str, Any]]) -> None:
        self.s.execute(delete(_methods).where(_methods.c.workspace_id == workspace_id))
        values = [{**row, "workspace_id": workspace_id} for row in rows]
        if values:
            self.s.execute(insert(_methods), values)
