"""shop platform writes carry what they ask for (an intent's payload: prices, quantities, a
period), and a verification keeps what the platform showed when it was read back

Revision ID: 0014_platform_write_payload
Revises: 0012_shop_platform
Create Date: 2026-12-07 19:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_platform_write_payload"
down_revision = "0013_report_rows_index"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("shop_platform_intents") as batch:
        batch.add_column(sa.Column("payload", JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("shop_verifications") as batch:
        batch.add_column(sa.Column("platform", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shop_verifications") as batch:
        batch.drop_column("platform")
    with op.batch_alter_table("shop_platform_intents") as batch:
        batch.drop_column("payload")
