"""All SQL of the ledger: ``posting`` (the hot path, on the driver cursor) and ``reading``
(accounts, reads and the invariants, in SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import Connection

from promodesk.kit.db import UnitOfWork
from promodesk.ledger.repository.posting import ROWS_PER_STATEMENT, Posting
from promodesk.ledger.repository.reading import Reading

__all__ = ["ROWS_PER_STATEMENT", "LedgerRepository"]


class LedgerRepository(Posting, Reading):
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._conn: Connection | None = None
