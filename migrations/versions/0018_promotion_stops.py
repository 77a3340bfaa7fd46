"""promotion_stops: stop everywhere, the confirmed stops and their per-channel steps

Revision ID: 0018_promotion_stops
Revises: 0017_rules
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_promotion_stops"
down_revision = "0017_rules"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "promotion_stops",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("reason_text", sa.String(length=1000), nullable=False),
        sa.Column("ads_action", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("refs", JSON, nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("operation_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("action_items", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promotion_stops_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_stops")),
    )
    op.create_index("ix_promotion_stops_ws", "promotion_stops", ["workspace_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_promotion_stops_ws", table_name="promotion_stops")
    op.drop_table("promotion_stops")
