"""promote

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:32:27.647352
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promote_delivery_events",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("spend_coins", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "event_id", name=op.f("pk_promote_delivery_events")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "promote_order_hourly",
        sa.Column("order_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("spend_coins", sa.BigInteger(), nullable=False),
        sa.Column("over_delivered_coins", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("website_visits", sa.BigInteger(), nullable=False),
        sa.Column("follows", sa.BigInteger(), nullable=False),
        sa.Column("product_clicks", sa.BigInteger(), nullable=False),
        sa.Column("live_viewers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "hour", name=op.f("pk_promote_order_hourly")),
    )
    op.create_table(
        "promote_creators",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("account_type", sa.String(length=16), nullable=False),
        sa.Column("device_os", sa.String(length=16), nullable=False),
        sa.Column("app_version", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
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
            name=op.f("fk_promote_creators_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_creators")),
        sa.UniqueConstraint(
            "workspace_id", "handle", name=op.f("uq_promote_creators_workspace_id_handle")
        ),
    )
    op.create_table(
        "promote_delivery_batches",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("spend_coins", sa.BigInteger(), nullable=False),
        sa.Column("charged_coins", sa.BigInteger(), nullable=False),
        sa.Column("over_delivered_coins", sa.BigInteger(), nullable=False),
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
            name=op.f("fk_promote_delivery_batches_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_delivery_batches")),
    )
    with op.batch_alter_table("promote_delivery_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_promote_delivery_batches_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "promote_contents",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("has_ecommerce_anchor", sa.Boolean(), nullable=False),
        sa.Column("commercial_music", sa.Boolean(), nullable=False),
        sa.Column("on_air", sa.Boolean(), nullable=False),
        sa.Column("scheduled_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["promote_creators.id"],
            name=op.f("fk_promote_contents_creator_id_promote_creators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_contents_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_contents")),
    )
    with op.batch_alter_table("promote_contents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promote_contents_workspace_id_creator_id",
            ["workspace_id", "creator_id"],
            unique=False,
        )

    op.create_table(
        "promote_coupons",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("value_coins", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["promote_creators.id"],
            name=op.f("fk_promote_coupons_creator_id_promote_creators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_coupons_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_coupons")),
    )
    with op.batch_alter_table("promote_coupons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promote_coupons_workspace_id_creator_id",
            ["workspace_id", "creator_id"],
            unique=False,
        )

    op.create_table(
        "promote_orders",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("content_kind", sa.String(length=8), nullable=False),
        sa.Column("promote_type", sa.String(length=16), nullable=False),
        sa.Column("goal", sa.String(length=24), nullable=False),
        sa.Column("budget_coins", sa.BigInteger(), nullable=False),
        sa.Column("duration_hours", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("website_url", sa.String(length=2000), nullable=True),
        sa.Column("coupon_id", sa.BigInteger(), nullable=True),
        sa.Column("coupon_coins", sa.BigInteger(), nullable=False),
        sa.Column("paid_coins", sa.BigInteger(), nullable=False),
        sa.Column("escrow_account_id", sa.BigInteger(), nullable=True),
        sa.Column("spent_coins", sa.BigInteger(), nullable=False),
        sa.Column("over_delivered_coins", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("website_visits", sa.BigInteger(), nullable=False),
        sa.Column("follows", sa.BigInteger(), nullable=False),
        sa.Column("product_clicks", sa.BigInteger(), nullable=False),
        sa.Column("live_viewers", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("review_reason", sa.String(length=500), nullable=True),
        sa.Column("stop_reason", sa.String(length=500), nullable=True),
        sa.Column("settlement_status", sa.String(length=16), nullable=False),
        sa.Column("refunded_coins", sa.BigInteger(), nullable=False),
        sa.Column("coupon_returned_coins", sa.BigInteger(), nullable=False),
        sa.Column("coupon_restored", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["promote_contents.id"],
            name=op.f("fk_promote_orders_content_id_promote_contents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["promote_coupons.id"],
            name=op.f("fk_promote_orders_coupon_id_promote_coupons"),
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["promote_creators.id"],
            name=op.f("fk_promote_orders_creator_id_promote_creators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["escrow_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_promote_orders_escrow_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_orders_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_orders")),
    )
    with op.batch_alter_table("promote_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promote_orders_workspace_id_creator_id",
            ["workspace_id", "creator_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_promote_orders_workspace_id_review_status",
            ["workspace_id", "review_status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_promote_orders_workspace_id_status", ["workspace_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("promote_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_promote_orders_workspace_id_status")
        batch_op.drop_index("ix_promote_orders_workspace_id_review_status")
        batch_op.drop_index("ix_promote_orders_workspace_id_creator_id")

    op.drop_table("promote_orders")
    with op.batch_alter_table("promote_coupons", schema=None) as batch_op:
        batch_op.drop_index("ix_promote_coupons_workspace_id_creator_id")

    op.drop_table("promote_coupons")
    with op.batch_alter_table("promote_contents", schema=None) as batch_op:
        batch_op.drop_index("ix_promote_contents_workspace_id_creator_id")

    op.drop_table("promote_contents")
    with op.batch_alter_table("promote_delivery_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promote_delivery_batches_workspace_id"))

    op.drop_table("promote_delivery_batches")
    op.drop_table("promote_creators")
    op.drop_table("promote_order_hourly")
    op.drop_table("promote_delivery_events")
