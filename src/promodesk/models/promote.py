"""Promote tables: creators, their content, coupons, orders, delivery events and hourly stats;
the money side: recharges, invoices (with their per-year counters), withdrawals and the
payment-methods settings table.

Money columns are integers of coins (exponent 0); a money-side ``amount`` is in minor units of
its ``currency``. The order row caches what the ledger says
(paid, spent, refunded) for lists and charts; the ledger stays the source of truth.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


def _ws_fk() -> Any:
    return mapped_column(BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"))


class PromoteCreator(IdMixin, CreatedMixin, Base):
    __tablename__ = "promote_creators"
    __table_args__ = (UniqueConstraint("workspace_id", "handle"),)
    workspace_id: Mapped[int] = _ws_fk()
    handle: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    birth_date: Mapped[date] = mapped_column(Date)
    account_type: Mapped[str] = mapped_column(String(16))  # business | creator | personal
    device_os: Mapped[str] = mapped_column(String(16))  # android | ios
    app_version: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class PromoteContent(IdMixin, CreatedMixin, Base):
    __tablename__ = "promote_contents"
    __table_args__ = (
        Index("ix_promote_contents_workspace_id_creator_id", "workspace_id", "creator_id"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    creator_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_creators.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(8))  # video | live
    title: Mapped[str] = mapped_column(String(300), default="")
    has_ecommerce_anchor: Mapped[bool] = mapped_column(Boolean, default=False)
    commercial_music: Mapped[bool] = mapped_column(Boolean, default=False)
    on_air: Mapped[bool] = mapped_column(Boolean, default=False)  # LIVE only
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class PromoteCoupon(IdMixin, CreatedMixin, Base):
    __tablename__ = "promote_coupons"
    __table_args__ = (
        Index("ix_promote_coupons_workspace_id_creator_id", "workspace_id", "creator_id"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    creator_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_creators.id", ondelete="CASCADE")
    )
    value_coins: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    # available | reserved | consumed | expired
    status: Mapped[str] = mapped_column(String(16), default="available")
    # No foreign key: orders reference coupons, and a cycle would complicate SQLite migrations.
    order_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class PromoteOrder(IdMixin, CreatedMixin, Base):
    __tablename__ = "promote_orders"
    __table_args__ = (
        Index("ix_promote_orders_workspace_id_status", "workspace_id", "status"),
        Index("ix_promote_orders_workspace_id_creator_id", "workspace_id", "creator_id"),
        Index("ix_promote_orders_workspace_id_review_status", "workspace_id", "review_status"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    creator_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_creators.id", ondelete="CASCADE")
    )
    content_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("promote_contents.id", ondelete="CASCADE")
    )
    content_kind: Mapped[str] = mapped_column(String(8))  # video | live (for list filters)
    promote_type: Mapped[str] = mapped_column(String(16))  # video | ecommerce | live
    goal: Mapped[str] = mapped_column(String(24))
    budget_coins: Mapped[int] = mapped_column(BigInteger)
    duration_hours: Mapped[int] = mapped_column(Integer)
    audience: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    website_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    coupon_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("promote_coupons.id"), nullable=True
    )
    coupon_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_coins: Mapped[int] = mapped_column(BigInteger)
    escrow_account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_accounts.id"), nullable=True
    )
    spent_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    over_delivered_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    website_visits: Mapped[int] = mapped_column(BigInteger, default=0)
    follows: Mapped[int] = mapped_column(BigInteger, default=0)
    product_clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    live_viewers: Mapped[int] = mapped_column(BigInteger, default=0)
    # in_review | delivering | completed | stopped | rejected
    status: Mapped[str] = mapped_column(String(16))
    review_status: Mapped[str] = mapped_column(String(16), default="pending")
    review_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    settlement_status: Mapped[str] = mapped_column(String(16), default="unsettled")
    refunded_coins: Mapped[int] = mapped_column(BigInteger, default=0)  # back to the wallet
    coupon_returned_coins: Mapped[int] = mapped_column(BigInteger, default=0)  # to funding
    coupon_restored: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PromoteDeliveryBatch(IdMixin, CreatedMixin, Base):
    """One accepted delivery batch; its id is the ledger ref of the batch's capture entry."""

    __tablename__ = "promote_delivery_batches"
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    received: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    unknown: Mapped[int] = mapped_column(Integer, default=0)
    spend_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    charged_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    over_delivered_coins: Mapped[int] = mapped_column(BigInteger, default=0)


class PromoteDeliveryEvent(Base):
    """Seen delivery events, kept only to make ``event_id`` idempotent per workspace.

    Narrow on purpose (and WITHOUT ROWID on SQLite): it is the hottest insert of the feature.
    """

    __tablename__ = "promote_delivery_events"
    __table_args__ = (
        PrimaryKeyConstraint("workspace_id", "event_id"),
        {"sqlite_with_rowid": False},
    )
    workspace_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int] = mapped_column(BigInteger)
    batch_id: Mapped[int] = mapped_column(BigInteger)
    spend_coins: Mapped[int] = mapped_column(BigInteger)


class PromoteOrderHourly(Base):
    """Per order and hour: what was charged and delivered (the analytics time series)."""

    __tablename__ = "promote_order_hourly"
    __table_args__ = (PrimaryKeyConstraint("order_id", "hour"),)
    order_id: Mapped[int] = mapped_column(BigInteger, autoincrement=False)
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    workspace_id: Mapped[int] = mapped_column(BigInteger)
    spend_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    over_delivered_coins: Mapped[int] = mapped_column(BigInteger, default=0)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    website_visits: Mapped[int] = mapped_column(BigInteger, default=0)
    follows: Mapped[int] = mapped_column(BigInteger, default=0)
    product_clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    live_viewers: Mapped[int] = mapped_column(BigInteger, default=0)


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
