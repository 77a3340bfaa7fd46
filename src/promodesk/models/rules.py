"""Automated rules, their evaluations (one per rule and due time) and decisions (the log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.kit.clock import now
from promodesk.models.base import Base, BigId, CreatedMixin, IdMixin, JSONType, UTCDateTime


def _ws() -> Any:
    return mapped_column(BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"))


class Rule(IdMixin, CreatedMixin, Base):
    """A rule: its definition (``rules.domain.definition``), schedule and notification targets.
    ``next_due_at`` is the next evaluation's due time while enabled (None when disabled)."""

    __tablename__ = "rules"
    __table_args__ = (
        Index("ix_rules_workspace_id_id", "workspace_id", "id"),
        Index("ix_rules_enabled_next_due_at", "enabled", "next_due_at"),
    )
    workspace_id: Mapped[int] = _ws()
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    notify_emails: Mapped[list[str]] = mapped_column(JSONType, default=list)
    notify_webhooks: Mapped[list[str]] = mapped_column(JSONType, default=list)
    webhook_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class RuleEvaluation(IdMixin, CreatedMixin, Base):
    """One evaluation of a rule at one due time: the unique (rule, due time) makes it happen
    once, whatever the number of workers (it is inserted with the evaluation's work)."""

    __tablename__ = "rule_evaluations"
    __table_args__ = (
        UniqueConstraint("rule_id", "due_at"),
        Index("ix_rule_evaluations_workspace_id_id", "workspace_id", "id"),
    )
    workspace_id: Mapped[int] = _ws()
    rule_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("rules.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[str] = mapped_column(String(10), default="")  # the last day of the lookback
    in_scope: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    acted: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    millis: Mapped[int] = mapped_column(Integer, default=0)  # time the evaluation took


class RuleDecision(IdMixin, CreatedMixin, Base):
    """What an evaluation decided for one object, the values it saw, and the action's result.
    Status: pending (the action job will run it), done, failed, refused (a guardrail of the
    feature said no), logged (no action: dry run, cooldown, limit, exclusion, too little data).
    """

    __tablename__ = "rule_decisions"
    __table_args__ = (
        Index("ix_rule_decisions_rule_id_object_key", "rule_id", "object_key", "created_at"),
        Index("ix_rule_decisions_evaluation_id", "evaluation_id"),
    )
    workspace_id: Mapped[int] = _ws()
    rule_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("rules.id", ondelete="CASCADE"))
    evaluation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("rule_evaluations.id", ondelete="CASCADE")
    )
    object_key: Mapped[str] = mapped_column(String(100))
    object_ref: Mapped[int] = mapped_column(BigInteger)
    object_name: Mapped[str] = mapped_column(String(512), default="")
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(24))
    seen: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="logged")
    detail: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RuleLabel(Base):
    """A label put on a promotion (by its object key) that rules can exclude."""

    __tablename__ = "rule_labels"
    __table_args__ = (UniqueConstraint("workspace_id", "object_key", "label"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = _ws()
    object_key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(64))
