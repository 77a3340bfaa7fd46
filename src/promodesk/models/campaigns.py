"""TikTok campaigns, ad groups, ads and custom audiences, and their allocations to clients.

They mirror TikTok (ids as strings, TikTok's status fields, the raw JSON) and are upserted by id
by a sync run; an allocation ties a campaign or an audience to a (client account, advertiser).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


def _ws() -> Any:
    return mapped_column(BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"))


def _ad_account() -> Any:
    return mapped_column(BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="CASCADE"))


class _Mirrored:
    """Columns every mirrored TikTok entity has."""

    workspace_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(512), default="")
    operation_status: Mapped[str] = mapped_column(String(16), default="")
    secondary_status: Mapped[str] = mapped_column(String(64), default="")
    create_time: Mapped[str] = mapped_column(String(19), default="")  # as TikTok sends it
    modify_time: Mapped[str] = mapped_column(String(19), default="")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Present before, absent from the last complete listing (TikTok purged it).
    vanished: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_run_id: Mapped[int] = mapped_column(BigInteger, default=0)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class TikTokCampaign(IdMixin, _Mirrored, Base):
    __tablename__ = "tiktok_campaigns"
    __table_args__ = (UniqueConstraint("ad_account_id", "campaign_id"),)
    ad_account_id: Mapped[int] = _ad_account()
    campaign_id: Mapped[str] = mapped_column(String(32))
    objective_type: Mapped[str] = mapped_column(String(48), default="")
    budget_mode: Mapped[str] = mapped_column(String(48), default="")
    budget_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # ad account currency


class TikTokAdGroup(IdMixin, _Mirrored, Base):
    __tablename__ = "tiktok_ad_groups"
    __table_args__ = (
        UniqueConstraint("ad_account_id", "adgroup_id"),
        Index("ix_tiktok_ad_groups_ad_account_id_campaign_id", "ad_account_id", "campaign_id"),
    )
    ad_account_id: Mapped[int] = _ad_account()
    adgroup_id: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[str] = mapped_column(String(32))
    budget_mode: Mapped[str] = mapped_column(String(48), default="")
    budget_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    schedule_type: Mapped[str] = mapped_column(String(48), default="")
    schedule_start_time: Mapped[str] = mapped_column(String(19), default="")
    schedule_end_time: Mapped[str] = mapped_column(String(19), default="")


class TikTokAd(IdMixin, _Mirrored, Base):
    __tablename__ = "tiktok_ads"
    __table_args__ = (
        UniqueConstraint("ad_account_id", "ad_id"),
        Index("ix_tiktok_ads_ad_account_id_adgroup_id", "ad_account_id", "adgroup_id"),
    )
    ad_account_id: Mapped[int] = _ad_account()
    ad_id: Mapped[str] = mapped_column(String(32))
    adgroup_id: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[str] = mapped_column(String(32))


class TikTokAudience(IdMixin, _Mirrored, Base):
    __tablename__ = "tiktok_audiences"
    __table_args__ = (UniqueConstraint("ad_account_id", "audience_id"),)
    ad_account_id: Mapped[int] = _ad_account()
    audience_id: Mapped[str] = mapped_column(String(32))
    audience_type: Mapped[str] = mapped_column(String(64), default="")
    cover_num: Mapped[int] = mapped_column(BigInteger, default=0)
    is_valid: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignAllocation(IdMixin, CreatedMixin, Base):
    """A campaign belongs to at most one (client account, advertiser): unique campaign row."""

    __tablename__ = "campaign_allocations"
    __table_args__ = (Index("ix_campaign_allocations_advertiser_id", "advertiser_id"),)
    workspace_id: Mapped[int] = _ws()
    campaign_row_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tiktok_campaigns.id", ondelete="CASCADE"), unique=True
    )
    ad_account_id: Mapped[int] = _ad_account()
    client_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_accounts.id", ondelete="CASCADE")
    )
    advertiser_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_advertisers.id", ondelete="CASCADE")
    )
    # promodesk changed its budget or status, or reserved budget for it: no deallocation.
    initialized: Mapped[bool] = mapped_column(Boolean, default=False)


class AudienceAllocation(IdMixin, CreatedMixin, Base):
    __tablename__ = "audience_allocations"
    __table_args__ = (UniqueConstraint("audience_row_id", "advertiser_id"),)
    workspace_id: Mapped[int] = _ws()
    audience_row_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tiktok_audiences.id", ondelete="CASCADE")
    )
    client_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_accounts.id", ondelete="CASCADE")
    )
    advertiser_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_advertisers.id", ondelete="CASCADE"), index=True
    )
