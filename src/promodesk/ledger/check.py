"""``promodesk ledger check``: prove the ledger's invariants over the whole database."""

from __future__ import annotations

from dataclasses import dataclass, field

from promodesk.kit.db import UnitOfWork
from promodesk.ledger.repository import LedgerRepository


@dataclass
class CheckReport:
    accounts: int = 0
    entries: int = 0
    lines: int = 0
    unbalanced: list[tuple[int, str, int]] = field(default_factory=list)
    empty_entries: list[int] = field(default_factory=list)
    mismatched: list[tuple[int, str, int, int]] = field(default_factory=list)
    wrong_currency: list[tuple[int, int, str, str]] = field(default_factory=list)
    below_floor: list[tuple[int, str, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.unbalanced
            or self.empty_entries
            or self.mismatched
            or self.wrong_currency
            or self.below_floor
        )

    def problems(self) -> list[str]:
        out = [f"entry {e} does not balance in {c}: off by {s}" for e, c, s in self.unbalanced]
        out += [f"entry {e} has no lines" for e in self.empty_entries]
        out += [
            f"account {a} ({code}) caches {cached} but its lines sum to {real}"
            for a, code, cached, real in self.mismatched
        ]
        out += [
            f"line {line} of account {a} is in {line_cur}, the account in {acct_cur}"
            for line, a, line_cur, acct_cur in self.wrong_currency
        ]
        out += [
            f"account {a} ({code}) holds {bal}, below its floor {floor}"
            for a, code, bal, floor in self.below_floor
        ]
        return out


def check_ledger(uow: UnitOfWork) -> CheckReport:
    """Every entry has lines that balance per currency, every line is in its account's
    currency, every cached balance equals the sum of its lines, no balance is below its floor.
    Each list is capped at 100 examples."""
    repo = LedgerRepository(uow)
    accounts, entries, lines = repo.counts()
    return CheckReport(
        accounts=accounts,
        entries=entries,
        lines=lines,
        unbalanced=repo.unbalanced_entries(),
        empty_entries=repo.entries_without_lines(),
        mismatched=repo.balance_mismatches(),
        wrong_currency=repo.line_currency_mismatches(),
        below_floor=repo.below_floor(),
    )
