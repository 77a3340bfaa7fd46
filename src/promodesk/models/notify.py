"""Outgoing notifications: the email and webhook outbox (one row per message to deliver)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, CreatedMixin, IdMixin, JSONType, UTCDateTime


class OutboxEmail(IdMixin, CreatedMixin, Base):
    """An email to send; ``(workspace_id, kind, ref)`` makes a retried caller a no-op."""

    __tablename__ = "notify_emails"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "ref"),
        Index("ix_notify_emails_workspace_id_id", "workspace_id", "id"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(200))
    to_addrs: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cc_addrs: Mapped[list[str]] = mapped_column(JSONType, default=list)
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class OutboxWebhook(IdMixin, CreatedMixin, Base):
    """A signed POST to deliver; ``(workspace_id, event, ref, url_hash)`` is idempotent."""

    __tablename__ = "notify_webhooks"
    __table_args__ = (
        UniqueConstraint("workspace_id", "event", "ref", "url_hash"),
        Index("ix_notify_webhooks_workspace_id_id", "workspace_id", "id"),
    )
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secret_enc: Mapped[str] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    response_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
