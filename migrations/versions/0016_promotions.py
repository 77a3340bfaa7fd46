"""promotions: product links of ads, ad groups, campaigns and Promote contents

Revision ID: 0016_promotions
Revises: 0012_shop_platform
Create Date: 2026-12-07 19:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_promotions"
down_revision = "0014_platform_write_payload"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promotion_product_links",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("target_kind", sa.String(length=24), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["shop_products.id"],
            name=op.f("fk_promotion_product_links_product_id_shop_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promotion_product_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_product_links")),
        sa.UniqueConstraint(
            "product_id",
            "target_kind",
            "target_id",
            name=op.f("uq_promotion_product_links_product_id_target_kind_target_id"),
        ),
    )
    op.create_index(
        "ix_promotion_product_links_ws_target",
        "promotion_product_links",
        ["workspace_id", "target_kind", "target_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_promotion_product_links_ws_target", table_name="promotion_product_links")
    op.drop_table("promotion_product_links")
