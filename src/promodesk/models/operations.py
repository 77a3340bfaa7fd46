"""Operations: the progress of long-running work, for bars and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


class Operation(IdMixin, CreatedMixin, Base):
    """Progress of one long-running operation (a sync, a batch cancel), for bars and reports."""

    __tablename__ = "operations"
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
