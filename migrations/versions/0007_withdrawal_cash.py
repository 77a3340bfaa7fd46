"""promote: a withdrawal keeps the cash amount it was quoted at

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-07 00:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("promote_withdrawals") as batch:
        batch.add_column(sa.Column("cash_amount", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("cash_currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("promote_withdrawals") as batch:
        batch.drop_column("cash_currency")
        batch.drop_column("cash_amount")
