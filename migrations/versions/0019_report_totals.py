"""tiktok_report_totals: per object, the sums of its daily report rows (lifetime spend and
conversions), kept by the report sync; filled here from the rows already stored

Revision ID: 0019_report_totals
Revises: 0018_promotion_stops
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_report_totals"
down_revision = "0018_promotion_stops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tiktok_report_totals",
        sa.Column("ad_account_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("conversions", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["ad_account_id"], ["tiktok_ad_accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ad_account_id", "level", "object_id"),
    )
    op.create_index(
        "ix_tiktok_report_totals_workspace_id", "tiktok_report_totals", ["workspace_id"]
    )
    op.execute(
        "INSERT INTO tiktok_report_totals "
        "(ad_account_id, level, object_id, workspace_id, spend_minor, conversions) "
        "SELECT ad_account_id, level, object_id, MIN(workspace_id), SUM(spend_minor), "
        "SUM(conversions) FROM tiktok_report_rows WHERE grain = 'day' "
        "GROUP BY ad_account_id, level, object_id"
    )


def downgrade() -> None:
    op.drop_index("ix_tiktok_report_totals_workspace_id", table_name="tiktok_report_totals")
    op.drop_table("tiktok_report_totals")
