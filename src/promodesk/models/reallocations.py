"""Moving freed campaign budget to other campaigns, and cash between ad accounts through a
Business Center.

A *reallocation* takes money out of one freed-budget pool (``campaigns.service.freed``) and
raises the budgets of one or more campaigns on TikTok, one *item* per campaign. The money is
taken from the pool when the reallocation is recorded; an item TikTok refused gives its amount
back (a reversal entry in the ledger). Money is in minor units of the pool's currency.

A *budget transfer* moves cash between two ad accounts of the agency's Business Center with
``bc/transfer/`` in two legs (out of one account into the BC, then into the other), each leg
with a ``request_id`` derived from the transfer's id, so a retry never moves money twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


class CampaignReallocation(IdMixin, CreatedMixin, Base):
    __tablename__ = "campaign_reallocations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_key"),
        Index("ix_campaign_reallocations_ws_created", "workspace_id", "created_at"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    pool_code: Mapped[str] = mapped_column(String(200))  # the ledger account of the pool
    advertiser_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # client's
    ad_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(8))
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # given back to the pool
    # reserved | done | partial | failed (campaigns.domain.reallocation.Status)
    status: Mapped[str] = mapped_column(String(16), default="reserved")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    # The client's Idempotency-Key (or the console's submit token): one reallocation per key.
    request_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class CampaignReallocationItem(IdMixin, Base):
    __tablename__ = "campaign_reallocation_items"
    __table_args__ = (Index("ix_campaign_reallocation_items_reallocation", "reallocation_id"),)
    reallocation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaign_reallocations.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[int] = mapped_column(BigInteger)
    ad_account_id: Mapped[int] = mapped_column(BigInteger)
    campaign_row_id: Mapped[int] = mapped_column(BigInteger)  # the mirror row's id
    campaign_id: Mapped[str] = mapped_column(String(32))  # TikTok's id
    name: Mapped[str] = mapped_column(String(512), default="")
    budget_mode: Mapped[str] = mapped_column(String(48), default="")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    before_minor: Mapped[int] = mapped_column(BigInteger)
    after_minor: Mapped[int] = mapped_column(BigInteger)
    # pending | done | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    read_back_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    returned: Mapped[bool] = mapped_column(Boolean, default=False)  # its money went back
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BudgetTransfer(IdMixin, CreatedMixin, Base):
    __tablename__ = "budget_transfers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_key"),
        Index("ix_budget_transfers_ws_created", "workspace_id", "created_at"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    bc_id: Mapped[str] = mapped_column(String(32))
    from_ad_account_id: Mapped[int] = mapped_column(BigInteger)
    to_ad_account_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    # pending | out_done | done | failed (campaigns.domain.transfers.Status)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    request_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
