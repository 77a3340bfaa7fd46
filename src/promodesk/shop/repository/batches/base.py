"""What the batch repository's parts share: the unit of work and its dialect."""

from __future__ import annotations

from typing import Any

from promodesk.kit.db import UnitOfWork


def changed_rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class Base:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session
        self.pg = uow.dialect == "postgresql"
