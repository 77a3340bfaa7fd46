"""Double-entry ledger tables: accounts (with a floor and a cached balance), entries, lines."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from promodesk.models.base import Base, BigId, CreatedMixin, IdMixin


class LedgerAccount(IdMixin, CreatedMixin, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # wallet | escrow | system | revenue | ...
    currency: Mapped[str] = mapped_column(String(8))
    floor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # None: no floor
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(200), default="")


class LedgerEntry(IdMixin, CreatedMixin, Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "ref"),)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(200))
    memo: Mapped[str] = mapped_column(String(500), default="")


class LedgerLine(Base):
    __tablename__ = "ledger_lines"
    __table_args__ = (Index("ix_ledger_lines_account_id_id", "account_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_entries.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
