"""Ledger payloads (read side; money moves only through feature use cases)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AccountRead(BaseModel):
    id: int
    code: str
    kind: str
    currency: str
    floor: int | None
    balance: int
    balance_display: str
    name: str


class LineRead(BaseModel):
    line_id: int
    entry_id: int
    kind: str
    ref: str
    amount: int
    created_at: datetime


class EntryLineRead(BaseModel):
    account_id: int
    currency: str
    amount: int


class EntryRead(BaseModel):
    id: int
    kind: str
    ref: str
    memo: str
    created_at: datetime
    lines: list[EntryLineRead]
