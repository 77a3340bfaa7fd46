"""A shop's link to a commerce platform (TikTok Shop first), and what the link keeps.

- A *link* ties one promodesk shop to one platform shop (its id and ``cipher``). Its access and
  refresh tokens are encrypted at rest (``TokenVault``, like ad accounts' tokens) and never
  returned. A link the platform stopped honouring waits in ``needs_reauth`` with everything
  kept; a new authorization of the same platform shop brings it back.
- *Events* are the platform's webhooks, kept by the digest of their raw body so a redelivery
  is recognised and applied once.
- An *intent* is a write to the platform, recorded before its call and updated with the
  platform's answer and the read-back that verified it: a crash in between resumes from the
  intent instead of calling twice.
- *SKUs* mirror a platform product's SKUs with their price and stock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


def _ws() -> Any:
    return mapped_column(BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"))


def _link() -> Any:
    return mapped_column(BigInteger, ForeignKey("shop_platform_links.id", ondelete="CASCADE"))


class ShopPlatformLink(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_platform_links"
    __table_args__ = (
        UniqueConstraint("shop_id"),
        UniqueConstraint("workspace_id", "provider", "platform_shop_id"),
        Index("ix_shop_platform_links_status_expiry", "status", "access_expires_at"),
    )
    workspace_id: Mapped[int] = _ws()
    shop_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("shops.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    platform_shop_id: Mapped[str] = mapped_column(String(64))
    shop_cipher: Mapped[str] = mapped_column(String(255))
    platform_shop_name: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(16), default="")
    seller_name: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | needs_reauth
    status_reason: Mapped[str] = mapped_column(Text, default="")
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The last completed sync, and the cursors of one in progress (to resume it).
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sync_state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    linked_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ShopPlatformEvent(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_platform_events"
    __table_args__ = (UniqueConstraint("provider", "digest"),)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    link_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("shop_platform_links.id", ondelete="CASCADE"), nullable=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))
    platform_shop_id: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="received")  # received | applied
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShopPlatformIntent(IdMixin, CreatedMixin, Base):
    __tablename__ = "shop_platform_intents"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_shop_platform_intents_link_status", "link_id", "status"),
    )
    workspace_id: Mapped[int] = _ws()
    link_id: Mapped[int] = _link()
    # What asked for it (e.g. "batch:12:activity:3"): one intent per key and chunk.
    key: Mapped[str] = mapped_column(String(200))
    # remove_products | deactivate_activity | update_activity_products | republish_activity |
    # set_inventory | delist_products | relist_products
    action: Mapped[str] = mapped_column(String(32))
    platform_activity_id: Mapped[str] = mapped_column(String(64), default="")
    chunk: Mapped[int] = mapped_column(Integer, default=0)
    product_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # What the write asks for beyond the ids: an activity's product terms, a SKU's stock, a
    # period (e.g. {"products": [...]}, {"quantities": {...}}, {"begin": ..., "end": ...}).
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, server_default="{}")
    # pending -> sent -> verified | failed (a failed one keeps the platform's answer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class ShopProductSku(IdMixin, Base):
    __tablename__ = "shop_product_skus"
    __table_args__ = (UniqueConstraint("product_id", "platform_sku_id"),)
    workspace_id: Mapped[int] = _ws()
    product_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_products.id", ondelete="CASCADE")
    )
    platform_sku_id: Mapped[str] = mapped_column(String(64))
    price_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stock: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
