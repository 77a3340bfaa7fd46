"""Shop tables: shops and their team, products and followers, platform activities with their
rules, enrollments, linked offers, and everything a cancellation leaves behind (snapshots,
cancellations, risk-control events, verifications, batches, compensation, announcements).

Prices are integers in minor units with a currency code. Ratios are whole percents so that the
guardrail "cancelled * 100 <= max_percent * enrolled" is exact integer arithmetic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


def _ws_fk() -> Any:
    return mapped_column(BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"))


class Shop(IdMixin, CreatedMixin, Base):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    workspace_id: Mapped[int] = _ws_fk()
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Risk control: no new enrollments before this instant (set by a forced violation).
    restricted_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ShopMember(IdMixin, CreatedMixin, Base):
    """A team member to notify: customer service, operations, the owner."""

    __tablename__ = "shop_members"
    workspace_id: Mapped[int] = _ws_fk()
    shop_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shops.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))  # owner | operations | customer_service
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class ShopProduct(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_products"
    __table_args__ = (
        Index("ix_shop_products_workspace_id_shop_id", "workspace_id", "shop_id"),
        UniqueConstraint("shop_id", "platform_product_id"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    shop_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("shops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(BigInteger, default=0)
    safety_stock: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_sales: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="listed")  # listed | delisted
    # The product's id on the linked platform (None for a shop with no link).
    platform_product_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    platform_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ShopProductFollower(Base):
    __tablename__ = "shop_product_followers"
    __table_args__ = (PrimaryKeyConstraint("product_id", "follower_id"),)
    product_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_products.id", ondelete="CASCADE")
    )
    follower_id: Mapped[str] = mapped_column(String(100))
    workspace_id: Mapped[int] = _ws_fk()


class ShopActivity(IdMixin, CreatedMixin, Base):
    """A platform activity (e.g. 中秋节) with its rules; the seed's numbers are the defaults."""

    __tablename__ = "shop_activities"
    __table_args__ = (UniqueConstraint("platform_shop_id", "platform_activity_id"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    registration_starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registration_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    min_products_per_shop: Mapped[int] = mapped_column(Integer, default=5)
    max_cancel_percent: Mapped[int] = mapped_column(Integer, default=30)
    low_traffic_start_minute: Mapped[int] = mapped_column(Integer, default=60)  # 01:00
    low_traffic_end_minute: Mapped[int] = mapped_column(Integer, default=300)  # 05:00
    delist_delay_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    verification_delay_minutes: Mapped[int] = mapped_column(Integer, default=15)
    penalty_days: Mapped[int] = mapped_column(Integer, default=7)
    immutable: Mapped[bool] = mapped_column(Boolean, default=False)
    presale_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    max_shipping_days: Mapped[int] = mapped_column(Integer, default=15)
    # Review (待审核) before a change sells: a replacement product, a new activity price.
    review_replacements: Mapped[bool] = mapped_column(Boolean, default=True)
    review_price_changes: Mapped[bool] = mapped_column(Boolean, default=True)
    # An activity mirrored from a linked shop's platform: its id there, the shop it belongs
    # to, and the platform's own status (ONGOING, DEACTIVATED, ...) and type.
    platform_activity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    platform_shop_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("shops.id", ondelete="CASCADE"), nullable=True
    )
    platform_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    platform_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The platform's update_time of what was last mirrored (an unchanged activity is skipped).
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ShopActivityCounter(Base):
    """Per activity and shop: the guardrail counters, changed only by compare-and-set updates
    under a row lock so two operators cannot both pass a guardrail that only one may pass.

    ``enrolled`` is the base of the cancel ratio (slots ever enrolled, excluding rejected),
    ``active`` the products still in the activity, ``cancelled`` the cancellations so far."""

    __tablename__ = "shop_activity_counters"
    __table_args__ = (PrimaryKeyConstraint("activity_id", "shop_id"),)
    activity_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_activities.id", ondelete="CASCADE")
    )
    shop_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("shops.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = _ws_fk()
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)


class ShopEnrollment(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_enrollments"
    __table_args__ = (
        UniqueConstraint("activity_id", "product_id"),
        Index(
            "ix_shop_enrollments_ws_activity_shop_state",
            "workspace_id",
            "activity_id",
            "shop_id",
            "state",
        ),
    )
    workspace_id: Mapped[int] = _ws_fk()
    activity_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_activities.id", ondelete="CASCADE")
    )
    shop_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("shops.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_products.id", ondelete="CASCADE"), index=True
    )
    activity_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    activity_stock: Mapped[int] = mapped_column(BigInteger, default=0)
    per_buyer_limit: Mapped[int] = mapped_column(Integer, default=0)  # 0 = unlimited
    state: Mapped[str] = mapped_column(String(20), default="pending_review")
    # The state a stock-zeroed enrollment returns to when stock comes back.
    previous_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    presale: Mapped[bool] = mapped_column(Boolean, default=False)
    shipping_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    orders: Mapped[int] = mapped_column(BigInteger, default=0)
    replaced_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    replaces_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ShopOffer(IdMixin, CreatedMixin, Base):
    """A coupon or discount linked to an enrollment; cancelled with it in one transaction."""

    __tablename__ = "shop_offers"
    workspace_id: Mapped[int] = _ws_fk()
    enrollment_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_enrollments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # coupon | discount
    # The coupon's id on the linked platform (read-only there: coupons are made in Seller
    # Center, spec §1.1).
    platform_coupon_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    percent_off: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShopBatch(IdMixin, CreatedMixin, Base):
    """One cancel operation over a selection: run now, in the next window, or as a batch."""

    __tablename__ = "shop_batches"
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    operation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    mode: Mapped[str] = mapped_column(String(16))  # now | window | batch
    all_or_nothing: Mapped[bool] = mapped_column(Boolean, default=False)
    reason_code: Mapped[str] = mapped_column(String(32))
    reason_text: Mapped[str] = mapped_column(String(1000), default="")
    force: Mapped[bool] = mapped_column(Boolean, default=False)
    # scheduled | running | done | partial | failed | cancelled
    status: Mapped[str] = mapped_column(String(16), default="running")
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShopBatchItem(IdMixin, Base):
    __tablename__ = "shop_batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "enrollment_id"),
        Index("ix_shop_batch_items_batch_id_status_id", "batch_id", "status", "id"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_batches.id", ondelete="CASCADE")
    )
    enrollment_id: Mapped[int] = mapped_column(BigInteger)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShopSnapshot(IdMixin, CreatedMixin, Base):
    """The enrollment, its offers and recent figures, saved before a change (JSON)."""

    __tablename__ = "shop_snapshots"
    __table_args__ = (
        Index("ix_shop_snapshots_workspace_id_enrollment_id", "workspace_id", "enrollment_id"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    enrollment_id: Mapped[int] = mapped_column(BigInteger)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    shop_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[str] = mapped_column(String(16))  # cancel | stock_zero | replace | presale
    batch_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    restored_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ShopCancellation(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_cancellations"
    __table_args__ = (
        Index("ix_shop_cancellations_ws_activity_shop", "workspace_id", "activity_id", "shop_id"),
    )
    workspace_id: Mapped[int] = _ws_fk()
    enrollment_id: Mapped[int] = mapped_column(BigInteger, index=True)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    shop_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    from_state: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(16))  # withdraw | remove | terminate
    reason_code: Mapped[str] = mapped_column(String(32))
    reason_text: Mapped[str] = mapped_column(String(1000), default="")
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    operator: Mapped[str] = mapped_column(String(200), default="")
    batch_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    offers_cancelled: Mapped[int] = mapped_column(Integer, default=0)
    restored: Mapped[bool] = mapped_column(Boolean, default=False)


class ShopRiskEvent(IdMixin, CreatedMixin, Base):
    """A forced guardrail violation, and the penalty it applied."""

    __tablename__ = "shop_risk_events"
    workspace_id: Mapped[int] = _ws_fk()
    shop_id: Mapped[int] = mapped_column(BigInteger, index=True)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    operator: Mapped[str] = mapped_column(String(200), default="")
    batch_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    restricted_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShopVerification(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_verifications"
    __table_args__ = (UniqueConstraint("batch_id", "enrollment_id"),)
    workspace_id: Mapped[int] = _ws_fk()
    batch_id: Mapped[int] = mapped_column(BigInteger)
    enrollment_id: Mapped[int] = mapped_column(BigInteger)
    activity_id: Mapped[int] = mapped_column(BigInteger)
    shop_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    passed: Mapped[bool] = mapped_column(Boolean)
    purchasable: Mapped[bool] = mapped_column(Boolean)
    active_offers: Mapped[int] = mapped_column(Integer, default=0)
    # A linked shop's item: what the platform showed when read back (the product's status and
    # stock, whether the activity still lists it, the request ids) and the remediation.
    platform: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class ShopCompensation(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_compensations"
    workspace_id: Mapped[int] = _ws_fk()
    shop_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger, index=True)
    value_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    issued: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class ShopCompensationCoupon(Base):
    __tablename__ = "shop_compensation_coupons"
    __table_args__ = (PrimaryKeyConstraint("compensation_id", "follower_id"),)
    compensation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_compensations.id", ondelete="CASCADE")
    )
    follower_id: Mapped[str] = mapped_column(String(100))
    workspace_id: Mapped[int] = _ws_fk()


class ShopAnnouncement(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_announcements"
    workspace_id: Mapped[int] = _ws_fk()
    shop_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shops.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    product_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
