"""TikTok ad accounts, the agency's client accounts, sync runs and account requests.

- An *authorization* is one OAuth grant (one TikTok user approving our app): its long-term
  access token is encrypted at rest (``TokenVault``) and never returned.
- An *ad account* is a TikTok ``advertiser_id`` (numeric string), imported through a grant.
- *Client accounts* are the agency's customers; their *advertisers* are brands. An ad account
  is *allocated* to (client account, advertiser) pairs with a payment mode.
- A *sync run* mirrors one ad account's campaigns, ad groups, ads and audiences
  (``models.campaigns``); an *account request* asks TikTok for a new ad account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


def _ws() -> Any:
    return mapped_column(BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"))


def _ad_account() -> Any:
    return mapped_column(BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="CASCADE"))


class TikTokAuthorization(IdMixin, CreatedMixin, Base):
    __tablename__ = "tiktok_authorizations"
    __table_args__ = (Index("ix_tiktok_authorizations_workspace_id", "workspace_id"),)
    workspace_id: Mapped[int] = _ws()
    app_id: Mapped[str] = mapped_column(String(64))
    access_token_enc: Mapped[str] = mapped_column(Text)
    # sha256 of the token: re-importing the same grant updates it instead of adding a second.
    token_fingerprint: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    advertiser_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | revoked
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class TikTokAdAccount(IdMixin, CreatedMixin, Base):
    __tablename__ = "tiktok_ad_accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "advertiser_id"),)
    workspace_id: Mapped[int] = _ws()
    advertiser_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    status: Mapped[str] = mapped_column(String(48), default="")  # TikTok's STATUS_*
    authorization_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tiktok_authorizations.id", ondelete="SET NULL"), nullable=True
    )
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ClientAccount(IdMixin, CreatedMixin, Base):
    __tablename__ = "client_accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    workspace_id: Mapped[int] = _ws()
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | archived
    default_ad_account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tiktok_ad_accounts.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ClientAdvertiser(IdMixin, CreatedMixin, Base):
    __tablename__ = "client_advertisers"
    __table_args__ = (UniqueConstraint("client_account_id", "name"),)
    workspace_id: Mapped[int] = _ws()
    client_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | archived
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class AdAccountAllocation(IdMixin, CreatedMixin, Base):
    """An ad account serving one (client account, advertiser) pair."""

    __tablename__ = "ad_account_allocations"
    __table_args__ = (
        UniqueConstraint("ad_account_id", "advertiser_id"),
        Index("ix_ad_account_allocations_client_account_id", "client_account_id"),
    )
    workspace_id: Mapped[int] = _ws()
    ad_account_id: Mapped[int] = _ad_account()
    client_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_accounts.id", ondelete="CASCADE")
    )
    advertiser_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_advertisers.id", ondelete="CASCADE"), index=True
    )
    payment_mode: Mapped[str] = mapped_column(String(16), default="self")  # self | agency


class ConversionGoal(IdMixin, CreatedMixin, Base):
    __tablename__ = "conversion_goals"
    __table_args__ = (Index("ix_conversion_goals_advertiser_id", "advertiser_id"),)
    workspace_id: Mapped[int] = _ws()
    advertiser_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_advertisers.id", ondelete="CASCADE")
    )
    ad_account_id: Mapped[int] = _ad_account()
    name: Mapped[str] = mapped_column(String(200))


class RemarketingTag(IdMixin, CreatedMixin, Base):
    __tablename__ = "remarketing_tags"
    __table_args__ = (Index("ix_remarketing_tags_advertiser_id", "advertiser_id"),)
    workspace_id: Mapped[int] = _ws()
    advertiser_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_advertisers.id", ondelete="CASCADE")
    )
    ad_account_id: Mapped[int] = _ad_account()
    name: Mapped[str] = mapped_column(String(200))


class TikTokSyncRun(IdMixin, CreatedMixin, Base):
    """One sync of one ad account; ``cursor`` is where a resumed run continues."""

    __tablename__ = "tiktok_sync_runs"
    __table_args__ = (Index("ix_tiktok_sync_runs_ad_account_id_status", "ad_account_id", "status"),)
    workspace_id: Mapped[int] = _ws()
    ad_account_id: Mapped[int] = _ad_account()
    operation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    scope: Mapped[str] = mapped_column(String(16))  # account | campaigns | audiences
    # queued | running | succeeded | failed | partial
    status: Mapped[str] = mapped_column(String(16), default="queued")
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    throttles: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TikTokAccountRequest(IdMixin, CreatedMixin, Base):
    __tablename__ = "tiktok_account_requests"
    __table_args__ = (Index("ix_tiktok_account_requests_workspace_id", "workspace_id"),)
    workspace_id: Mapped[int] = _ws()
    name: Mapped[str] = mapped_column(String(100))
    industry: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Singapore")
    # emailed | fulfilled | failed
    status: Mapped[str] = mapped_column(String(16), default="emailed")
    advertiser_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
