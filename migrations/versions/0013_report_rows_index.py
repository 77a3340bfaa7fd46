"""report rows: drop two indexes that no query needs, which every row written paid for

- ``ix_tiktok_report_rows_ws_level_grain_time`` (workspace, level, grain, stat time) is the
  leading part of ``ix_tiktok_report_rows_list_sums`` (0010), which answers every query it did.
- ``ix_tiktok_report_rows_campaign`` (ad account, campaign, grain, stat time): no query filters
  report rows by their campaign; the one that reads it (the campaign ids of a truncated report
  window, rare) filters by ad account and level, which the unique key's index leads with.

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
    op.drop_index("ix_tiktok_report_rows_campaign", table_name="tiktok_report_rows")


def downgrade() -> None:
    op.create_index(
        "ix_tiktok_report_rows_campaign",
        "tiktok_report_rows",
        ["ad_account_id", "campaign_id", "grain", "stat_time"],
    )
    op.create_index(
        "ix_tiktok_report_rows_ws_level_grain_time",
        "tiktok_report_rows",
        ["workspace_id", "level", "grain", "stat_time"],
    )
