"""Promote money tables: recharges, invoices (with their per-year counters), withdrawals and the
payment-methods settings table.

Amounts: ``coins`` are integers of coins; ``amount`` is in minor units of ``currency``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, UTCDateTime


class PromoteRecharge(IdMixin, CreatedMixin, Base):
    __tablename__ = "promote_recharges"
    __table_args__ = (
        Index("ix_promote_recharges_workspace_id_creator_id", "workspace_id", "creator_id"),
        UniqueConstraint("provider", "provider_ref"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    creator_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_creators.id", ondelete="CASCADE")
    )
    coins: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # iap | non_iap
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    currency: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of ``currency``
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | failed
    failure_reason: Mapped[str] = mapped_column(String(500), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class PromoteInvoiceCounter(Base):
    """The last invoice number per workspace and year; incremented in the confirming
    transaction, so a rolled-back confirmation rolls its number back too (gapless)."""

    __tablename__ = "promote_invoice_counters"
    __table_args__ = (PrimaryKeyConstraint("workspace_id", "year"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    year: Mapped[int] = mapped_column(Integer, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class PromoteInvoice(IdMixin, CreatedMixin, Base):
    """An invoice for one confirmed recharge; seller and buyer are snapshots at issue time."""

    __tablename__ = "promote_invoices"
    __table_args__ = (
        UniqueConstraint("workspace_id", "year", "seq"),
        UniqueConstraint("workspace_id", "number"),
        Index("ix_promote_invoices_workspace_id_creator_id", "workspace_id", "creator_id"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    recharge_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_recharges.id", ondelete="CASCADE"), unique=True
    )
    creator_id: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seller_name: Mapped[str] = mapped_column(String(200))
    buyer_handle: Mapped[str] = mapped_column(String(64))
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_region: Mapped[str] = mapped_column(String(2))
    coins: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(32))


class PromoteWithdrawal(IdMixin, CreatedMixin, Base):
    __tablename__ = "promote_withdrawals"
    __table_args__ = (
        Index("ix_promote_withdrawals_workspace_id_creator_id", "workspace_id", "creator_id"),
        Index("ix_promote_withdrawals_workspace_id_status", "workspace_id", "status"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    creator_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_creators.id", ondelete="CASCADE")
    )
    coins: Mapped[int] = mapped_column(BigInteger)
    # What the coins were quoted at when requested (the confirmation page's figure), in minor
    # units of the payer's currency; None on withdrawals recorded before it was kept.
    cash_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cash_currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    route: Mapped[str] = mapped_column(String(24))  # original_method | store_refund
    payout_method: Mapped[str] = mapped_column(String(32))  # e.g. card, apple_pay
    region: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))  # requested | processing | paid | failed
    expected_payout_date: Mapped[date] = mapped_column(Date)
    escrow_account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_accounts.id"), nullable=True
    )
    failure_reason: Mapped[str] = mapped_column(String(500), default="")
    processing_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class PromotePaymentMethod(Base):
    """A workspace's edited copy of the payment-methods table (none: the seed's defaults)."""

    __tablename__ = "promote_payment_methods"
    __table_args__ = (PrimaryKeyConstraint("workspace_id", "region", "os", "code"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    region: Mapped[str] = mapped_column(String(2))
    os: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
