"""report rows: drop the index that the lists' covering index already begins with

``ix_tiktok_report_rows_ws_level_grain_time`` (workspace, level, grain, stat time) is the leading
part of ``ix_tiktok_report_rows_list_sums`` (0010), which answers every query it did; each report
row written paid for both.

Revision ID: 0013_report_rows_index
Revises: 0012_shop_platform
Create Date: 2026-12-07 19:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0013_report_rows_index"
down_revision = "0012_shop_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_tiktok_report_rows_ws_level_grain_time", table_name="tiktok_report_rows")


def downgrade() -> None:
    op.create_index(
        "ix_tiktok_report_rows_ws_level_grain_time",
        "tiktok_report_rows",
        ["workspace_id", "level", "grain", "stat_time"],
    )
