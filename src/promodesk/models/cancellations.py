"""Cancellations of TikTok campaigns, ad groups and ads (seed 000): one row per operator
decision, one item per object, with the money it showed, the snapshot before, the result on
TikTok, its verification, and what was undone or re-created.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


class CampaignCancellation(IdMixin, CreatedMixin, Base):
    __tablename__ = "campaign_cancellations"
    __table_args__ = (Index("ix_campaign_cancellations_ws_created", "workspace_id", "created_at"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(16))  # pause | delete
    reason_code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="running")
    operation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Retrospective: what the team learned from this cancellation, and what it will do.
    lessons: Mapped[str] = mapped_column(Text, default="")
    action_items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class CampaignCancellationItem(IdMixin, Base):
    """One object of a cancellation. Money is in minor units of ``currency`` (the ad account's)."""

    __tablename__ = "campaign_cancellation_items"
    __table_args__ = (
        Index("ix_campaign_cancellation_items_cancellation", "cancellation_id"),
        Index("ix_campaign_cancellation_items_object", "ad_account_id", "level", "object_id"),
    )
    cancellation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaign_cancellations.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[int] = mapped_column(BigInteger)
    ad_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(16))  # campaign | adgroup | ad
    object_id: Mapped[str] = mapped_column(String(32))  # TikTok's id
    row_id: Mapped[int] = mapped_column(BigInteger)  # the mirror row's id
    campaign_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(512), default="")
    # The allocation at the time of the cancel (None: not allocated to a client).
    client_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    advertiser_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(8))
    budget_mode: Mapped[str] = mapped_column(String(48), default="")
    budget_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_to_date_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_today_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    last_7_days_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    freed_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # what the cancel frees
    status_before: Mapped[str] = mapped_column(String(16), default="")  # operation_status
    # pending | done | failed | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # pending | verified | failed (the read-back did not show the stop, or spend went on)
    verify_status: Mapped[str] = mapped_column(String(16), default="pending")
    verify_detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    spend_after_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recreated_object_id: Mapped[str] = mapped_column(String(32), default="")
    recreated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
