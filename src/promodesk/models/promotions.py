"""Product links of promotions: which ad, ad group, campaign or Promote content promotes which
shop product.

Shop enrollments name their product themselves; every other channel links here. A link is
``auto`` (the platform's data named the product: a shop product id on an ad, the product's
URL in its landing page) or ``manual`` (someone linked it). Unlinking keeps the row with
``removed_at`` set, so the next automatic pass does not bring back what a person took away.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, UTCDateTime


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
