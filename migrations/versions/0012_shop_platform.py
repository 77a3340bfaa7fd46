"""shop platform links: a shop linked to its platform shop (tokens encrypted), webhook events,
write intents, product SKUs, and platform ids on products, activities and offers

Revision ID: 0012_shop_platform
Revises: 0006, 0007, 0007_shop_review_rules, 0009_reallocation, 0010_list_indexes
Create Date: 2026-12-07 15:26:46.891182
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_shop_platform"
down_revision = (
    "0006",
    "0007",
    "0007_shop_review_rules",
    "0009_reallocation",
    "0010_list_indexes",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_platform_links",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("platform_shop_id", sa.String(length=64), nullable=False),
        sa.Column("shop_cipher", sa.String(length=255), nullable=False),
        sa.Column("platform_shop_name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("access_token_enc", sa.Text(), nullable=False),
        sa.Column("refresh_token_enc", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "sync_state",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shop_platform_links_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_shop_platform_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_platform_links")),
        sa.UniqueConstraint("shop_id", name=op.f("uq_shop_platform_links_shop_id")),
        sa.UniqueConstraint(
            "workspace_id",
            "provider",
            "platform_shop_id",
            name=op.f("uq_shop_platform_links_workspace_id_provider_platform_shop_id"),
        ),
    )
    with op.batch_alter_table("shop_platform_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shop_platform_links_status_expiry", ["status", "access_expires_at"], unique=False
        )

    op.create_table(
        "shop_platform_events",
        sa.Column("workspace_id", sa.BigInteger(), nullable=True),
        sa.Column("link_id", sa.BigInteger(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("platform_shop_id", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["shop_platform_links.id"],
            name=op.f("fk_shop_platform_events_link_id_shop_platform_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_shop_platform_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_platform_events")),
        sa.UniqueConstraint(
            "provider", "digest", name=op.f("uq_shop_platform_events_provider_digest")
        ),
    )
    op.create_table(
        "shop_platform_intents",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("link_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("platform_activity_id", sa.String(length=64), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column(
            "product_ids",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["shop_platform_links.id"],
            name=op.f("fk_shop_platform_intents_link_id_shop_platform_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_shop_platform_intents_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_platform_intents")),
        sa.UniqueConstraint(
            "workspace_id", "key", name=op.f("uq_shop_platform_intents_workspace_id_key")
        ),
    )
    with op.batch_alter_table("shop_platform_intents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shop_platform_intents_link_status", ["link_id", "status"], unique=False
        )

    op.create_table(
        "shop_product_skus",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("platform_sku_id", sa.String(length=64), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["shop_products.id"],
            name=op.f("fk_shop_product_skus_product_id_shop_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_shop_product_skus_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_product_skus")),
        sa.UniqueConstraint(
            "product_id",
            "platform_sku_id",
            name=op.f("uq_shop_product_skus_product_id_platform_sku_id"),
        ),
    )
    with op.batch_alter_table("shop_activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_activity_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("platform_shop_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("platform_status", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("platform_type", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("platform_updated_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_shop_activities_platform_shop_id_platform_activity_id"),
            ["platform_shop_id", "platform_activity_id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_shop_activities_platform_shop_id_shops"),
            "shops",
            ["platform_shop_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("shop_offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_coupon_id", sa.String(length=64), nullable=True))

    with op.batch_alter_table("shop_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_product_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("platform_status", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_shop_products_shop_id_platform_product_id"),
            ["shop_id", "platform_product_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_products", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_shop_products_shop_id_platform_product_id"), type_="unique"
        )
        batch_op.drop_column("platform_status")
        batch_op.drop_column("platform_product_id")

    with op.batch_alter_table("shop_offers", schema=None) as batch_op:
        batch_op.drop_column("platform_coupon_id")

    with op.batch_alter_table("shop_activities", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_shop_activities_platform_shop_id_shops"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_shop_activities_platform_shop_id_platform_activity_id"), type_="unique"
        )
        batch_op.drop_column("platform_updated_at")
        batch_op.drop_column("platform_type")
        batch_op.drop_column("platform_status")
        batch_op.drop_column("platform_shop_id")
        batch_op.drop_column("platform_activity_id")

    op.drop_table("shop_product_skus")
    with op.batch_alter_table("shop_platform_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_platform_intents_link_status")

    op.drop_table("shop_platform_intents")
    op.drop_table("shop_platform_events")
    with op.batch_alter_table("shop_platform_links", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_platform_links_status_expiry")

    op.drop_table("shop_platform_links")
