"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType


class AuditEvent(IdMixin, CreatedMixin, Base):
    """Who changed what, when, before → after. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_ws_id", "workspace_id", "id"),)
    workspace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    actor: Mapped[str] = mapped_column(String(200))  # "user:3", "key:7", "system", "cli"
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
