"""list indexes: a covering index of daily report rows for the lists' metric columns

Revision ID: 0010_list_indexes
Revises: 0008_campaign_reports
Create Date: 2026-12-07 12:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0010_list_indexes"
down_revision = "0008_campaign_reports"
branch_labels = None
depends_on = None

COLUMNS = [
    "workspace_id",
    "level",
    "grain",
    "stat_time",
    "ad_account_id",
    "object_id",
    "spend_minor",
    "impressions",
    "clicks",
    "conversions",
    "video_views",
    "reach",
]


def upgrade() -> None:
    # The lists sum a range of days per object: read from the index alone, never the rows.
    op.create_index("ix_tiktok_report_rows_list_sums", "tiktok_report_rows", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_tiktok_report_rows_list_sums", table_name="tiktok_report_rows")
