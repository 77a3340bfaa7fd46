"""rules: automated rules, their evaluations (unique per rule and due time), decisions and labels

Revision ID: 0017_rules
Revises: 0012_shop_platform
Create Date: 2026-12-07 18:57:53.702096
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_rules"
down_revision = "0016_promotions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_labels",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("object_key", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_rule_labels_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_labels")),
        sa.UniqueConstraint(
            "workspace_id",
            "object_key",
            "label",
            name=op.f("uq_rule_labels_workspace_id_object_key_label"),
        ),
    )
    op.create_table(
        "rules",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "schedule",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "notify_emails",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "notify_webhooks",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("webhook_secret_enc", sa.Text(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_rules_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
    )
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rules_enabled_next_due_at", ["enabled", "next_due_at"], unique=False
        )
        batch_op.create_index("ix_rules_workspace_id_id", ["workspace_id", "id"], unique=False)

    op.create_table(
        "rule_evaluations",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("in_scope", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("acted", sa.Integer(), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "definition",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("millis", sa.Integer(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["rules.id"],
            name=op.f("fk_rule_evaluations_rule_id_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_rule_evaluations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_evaluations")),
        sa.UniqueConstraint("rule_id", "due_at", name=op.f("uq_rule_evaluations_rule_id_due_at")),
    )
    with op.batch_alter_table("rule_evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_evaluations_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(
            "ix_rule_evaluations_workspace_id_id", ["workspace_id", "id"], unique=False
        )

    op.create_table(
        "rule_decisions",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("evaluation_id", sa.BigInteger(), nullable=False),
        sa.Column("object_key", sa.String(length=100), nullable=False),
        sa.Column("object_ref", sa.BigInteger(), nullable=False),
        sa.Column("object_name", sa.String(length=512), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column(
            "seen", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["rule_evaluations.id"],
            name=op.f("fk_rule_decisions_evaluation_id_rule_evaluations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["rules.id"],
            name=op.f("fk_rule_decisions_rule_id_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_rule_decisions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_decisions")),
    )
    with op.batch_alter_table("rule_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_rule_decisions_evaluation_id", ["evaluation_id"], unique=False)
        batch_op.create_index(
            "ix_rule_decisions_rule_id_object_key",
            ["rule_id", "object_key", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("rule_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_rule_decisions_rule_id_object_key")
        batch_op.drop_index("ix_rule_decisions_evaluation_id")

    op.drop_table("rule_decisions")
    with op.batch_alter_table("rule_evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_rule_evaluations_workspace_id_id")
        batch_op.drop_index(batch_op.f("ix_rule_evaluations_rule_id"))

    op.drop_table("rule_evaluations")
    with op.batch_alter_table("rules", schema=None) as batch_op:
        batch_op.drop_index("ix_rules_workspace_id_id")
        batch_op.drop_index("ix_rules_enabled_next_due_at")

    op.drop_table("rules")
    op.drop_table("rule_labels")
