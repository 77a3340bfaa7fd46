"""The TikTok report store: metrics per campaign, ad group and ad, per day and per hour.

One row per (ad account, level, grain, object, stat time). Stat times are the ad account's
local times as TikTok reports them (``YYYY-MM-DD`` for a day, ``YYYY-MM-DD HH:00:00`` for an
hour), stored with the zone they are in; money is in exact minor units of the account currency.
Rows of the last attribution window are re-read by every report sync (late conversions) and
become ``final`` after it. Deleted objects keep their rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, BigId, UTCDateTime


class TikTokReportRow(Base):
    __tablename__ = "tiktok_report_rows"
    __table_args__ = (
        UniqueConstraint("ad_account_id", "level", "grain", "object_id", "stat_time"),
        # The lists' sums over a range of days read from this index alone (0010_list_indexes);
        # also every query of one level and grain over a range of days in a workspace.
        Index(
            "ix_tiktok_report_rows_list_sums",
            "workspace_id",
            "level",
            "grain",
            "stat_time",
            "ad_account_id",
            "object_id",
            "spend_minor",
            "impressions",
            "clicks",
            "conversions",
            "video_views",
            "reach",
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    ad_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(16))  # campaign | adgroup | ad
    grain: Mapped[str] = mapped_column(String(8))  # day | hour
    object_id: Mapped[str] = mapped_column(String(32))  # TikTok's id at that level
    campaign_id: Mapped[str] = mapped_column(String(32), default="")  # the object's campaign
    stat_time: Mapped[str] = mapped_column(String(19))  # local to time_zone
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(8))
    spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    video_views: Mapped[int] = mapped_column(BigInteger, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class TikTokReportTotal(Base):
    """Per object: the sums of its daily report rows over every stored day (what lists show as
    lifetime spend), kept by the report sync in the transaction that writes the rows."""

    __tablename__ = "tiktok_report_totals"
    __table_args__ = (PrimaryKeyConstraint("ad_account_id", "level", "object_id"),)
    ad_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)


class TikTokReportSync(Base):
    """Where an ad account's report history stands: what is stored and what is final."""

    __tablename__ = "tiktok_report_syncs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    ad_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="CASCADE"), unique=True
    )
    first_day: Mapped[str] = mapped_column(String(10), default="")  # oldest day stored
    last_day: Mapped[str] = mapped_column(String(10), default="")  # newest day stored
    final_through: Mapped[str] = mapped_column(String(10), default="")  # days <= this are final
    last_operation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
