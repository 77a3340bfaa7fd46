"""shop: an activity's review rules for a replacement product and a new activity price

Revision ID: 0007_shop_review_rules
Revises: 0005
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_shop_review_rules"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing activities review both, like new ones (the model's default).
    with op.batch_alter_table("shop_activities") as batch:
        batch.add_column(
            sa.Column("review_replacements", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column(
                "review_price_changes", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_activities") as batch:
        batch.drop_column("review_price_changes")
        batch.drop_column("review_replacements")
