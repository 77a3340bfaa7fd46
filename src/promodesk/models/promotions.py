"""Product links of promotions: which ad, ad group, campaign or Promote content promotes which
shop product.

Shop enrollments name their product themselves; every other channel links here. A link is
``auto`` (the platform's data named the product: a shop product id on an ad, the product's
URL in its landing page) or ``manual`` (someone linked it). Unlinking keeps the row with
``removed_at`` set, so the next automatic pass does not bring back what a person took away.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


class PromotionProductLink(IdMixin, CreatedMixin, Base):
    __tablename__ = "promotion_product_links"
    __table_args__ = (
        UniqueConstraint("product_id", "target_kind", "target_id"),
        Index("ix_promotion_product_links_ws_target", "workspace_id", "target_kind", "target_id"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    product_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("shop_products.id", ondelete="CASCADE")
    )
    # campaign | adgroup | ad (the mirror row's id) | promote_content
    target_kind: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # auto | manual
    # What named the product: product_id, landing_page_url, or the person's note.
    evidence: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    removed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class PromotionStop(IdMixin, CreatedMixin, Base):
    """One "stop everywhere": the confirmed preview's reason and fingerprint, and its steps (one
    per channel: what was asked, the channel's own record of the work, outcome, error)."""

    __tablename__ = "promotion_stops"
    __table_args__ = (Index("ix_promotion_stops_ws", "workspace_id", "id"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(32))
    reason_text: Mapped[str] = mapped_column(String(1000), default="")
    ads_action: Mapped[str] = mapped_column(String(16), default="pause")
    fingerprint: Mapped[str] = mapped_column(String(64))
    refs: Mapped[list[str]] = mapped_column(JSONType, default=list)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    operation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    # The retrospective (复盘): what the stop did, written once when its steps are over, and
    # what the team learned and will do (the campaigns' lessons and action items rules).
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    lessons: Mapped[str] = mapped_column(Text, default="")
    action_items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
