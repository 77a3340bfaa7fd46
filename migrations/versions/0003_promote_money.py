"""promote money

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:33:37.274378
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promote_invoice_counters",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_invoice_counters_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "year", name=op.f("pk_promote_invoice_counters")),
    )
    op.create_table(
        "promote_payment_methods",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("os", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_payment_methods_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "region", "os", "code", name=op.f("pk_promote_payment_methods")
        ),
    )
    op.create_table(
        "promote_recharges",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_ref", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_reason", sa.String(length=500), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
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
            name=op.f("fk_promote_recharges_creator_id_promote_creators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_recharges_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_recharges")),
        sa.UniqueConstraint(
            "provider", "provider_ref", name=op.f("uq_promote_recharges_provider_provider_ref")
        ),
    )
    with op.batch_alter_table("promote_recharges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promote_recharges_workspace_id_creator_id",
            ["workspace_id", "creator_id"],
            unique=False,
        )

    op.create_table(
        "promote_withdrawals",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.Column("route", sa.String(length=24), nullable=False),
        sa.Column("payout_method", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expected_payout_date", sa.Date(), nullable=False),
        sa.Column("escrow_account_id", sa.BigInteger(), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=False),
        sa.Column("processing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
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
            name=op.f("fk_promote_withdrawals_creator_id_promote_creators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["escrow_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_promote_withdrawals_escrow_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_withdrawals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_withdrawals")),
    )
    with op.batch_alter_table("promote_withdrawals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promote_withdrawals_workspace_id_creator_id",
            ["workspace_id", "creator_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_promote_withdrawals_workspace_id_status", ["workspace_id", "status"], unique=False
        )

    op.create_table(
        "promote_invoices",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("recharge_id", sa.BigInteger(), nullable=False),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_handle", sa.String(length=64), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_region", sa.String(length=2), nullable=False),
        sa.Column("coins", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recharge_id"],
            ["promote_recharges.id"],
            name=op.f("fk_promote_invoices_recharge_id_promote_recharges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_promote_invoices_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promote_invoices")),
        sa.UniqueConstraint("recharge_id", name=op.f("uq_promote_invoices_recharge_id")),
        sa.UniqueConstraint(
            "workspace_id", "number", name=op.f("uq_promote_invoices_workspace_id_number")
        ),
        sa.UniqueConstraint(
            "workspace_id", "year", "seq", name=op.f("uq_promote_invoices_workspace_id_year_seq")
        ),
    )
    with op.batch_alter_table("promote_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promote_invoices_workspace_id_creator_id",
            ["workspace_id", "creator_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("promote_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_promote_invoices_workspace_id_creator_id")

    op.drop_table("promote_invoices")
    with op.batch_alter_table("promote_withdrawals", schema=None) as batch_op:
        batch_op.drop_index("ix_promote_withdrawals_workspace_id_status")
        batch_op.drop_index("ix_promote_withdrawals_workspace_id_creator_id")

    op.drop_table("promote_withdrawals")
    with op.batch_alter_table("promote_recharges", schema=None) as batch_op:
        batch_op.drop_index("ix_promote_recharges_workspace_id_creator_id")

    op.drop_table("promote_recharges")
    op.drop_table("promote_payment_methods")
    op.drop_table("promote_invoice_counters")
