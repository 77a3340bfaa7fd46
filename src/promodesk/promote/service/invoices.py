"""Invoices: one per confirmed recharge, numbered without gaps per workspace and year.

Rules:
- The number is taken from a counter row per (workspace, year) in the transaction that confirms
  the recharge; a rolled-back confirmation rolls its number back, so numbers are gapless.
- Format: ``<prefix>-<year>-<seq, 6 digits>``, e.g. ``PD-2026-000001``; the year is the UTC
  year of the confirmation.
- Seller (workspace) and buyer (creator) are copied onto the invoice when it is issued: a later
  rename does not change an issued invoice.
"""

from __future__ import annotations

from datetime import datetime

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.kit.money import Money
from promodesk.models import PromoteCreator, PromoteInvoice, PromoteRecharge
from promodesk.promote.invoice_pdf import InvoiceDoc, render_invoice
from promodesk.promote.repository.money import MoneyRepository
from promodesk.promote.settings import MoneyConfig


def invoice_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:06d}"


def issue_invoice(
    uow: UnitOfWork,
    cfg: MoneyConfig,
    recharge: PromoteRecharge,
    creator: PromoteCreator,
    at: datetime,
) -> PromoteInvoice:
    """Number and store the invoice of a recharge that is being confirmed (same transaction)."""
    repo = MoneyRepository(uow)
    existing = repo.invoice_for_recharge(recharge.workspace_id, recharge.id)
    if existing is not None:
        return existing
    seq = repo.next_invoice_seq(recharge.workspace_id, at.year)
    return repo.add(
        PromoteInvoice(
            workspace_id=recharge.workspace_id,
            recharge_id=recharge.id,
            creator_id=creator.id,
            year=at.year,
            seq=seq,
            number=invoice_number(cfg.invoice_prefix, at.year, seq),
            issued_at=at,
            seller_name=repo.workspace_name(recharge.workspace_id),
            buyer_handle=creator.handle,
            buyer_name=creator.display_name or "",
            buyer_region=creator.region,
            coins=recharge.coins,
            amount=recharge.amount,
            currency=recharge.currency,
            method=recharge.method,
        )
    )


def get_invoice(uow: UnitOfWork, workspace_id: int, invoice_id: int) -> PromoteInvoice:
    invoice = MoneyRepository(uow).invoice(workspace_id, invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found")
    return invoice


def invoice_for_recharge(uow: UnitOfWork, workspace_id: int, recharge_id: int) -> PromoteInvoice:
    invoice = MoneyRepository(uow).invoice_for_recharge(workspace_id, recharge_id)
    if invoice is None:
        raise NotFound(f"recharge {recharge_id} has no invoice (it is not confirmed)")
    return invoice


def list_invoices(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    creator_id: int | None = None,
    year: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[PromoteInvoice]:
    return MoneyRepository(uow).invoices(
        workspace_id, creator_id=creator_id, year=year, before_id=before_id, limit=limit
    )


def invoice_pdf(uow: UnitOfWork, workspace_id: int, invoice_id: int) -> tuple[str, bytes]:
    """The file name and bytes of the invoice's PDF."""
    inv = get_invoice(uow, workspace_id, invoice_id)
    doc = InvoiceDoc(
        number=inv.number,
        issued_at=inv.issued_at,
        seller_name=inv.seller_name,
        buyer_handle=inv.buyer_handle,
        buyer_name=inv.buyer_name,
        buyer_region=inv.buyer_region,
        coins=inv.coins,
        price=Money(inv.amount, inv.currency),
        method=inv.method,
        recharge_id=inv.recharge_id,
    )
    return f"{inv.number}.pdf", render_invoice(doc)
