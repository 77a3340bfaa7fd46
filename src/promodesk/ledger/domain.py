"""Pure ledger rules.

- An entry has at least two lines; every amount is a non-zero integer of minor units.
- The lines of an entry sum to zero per currency.
- A posting is applied account by account in ascending account id order, so that concurrent
  postings lock rows in one global order and cannot deadlock.
- An account's floor (``None`` = no floor) may never be crossed; wallets and escrows have 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from promodesk.kit.errors import ValidationFailed


class UnbalancedEntry(ValidationFailed):
    """The lines of an entry do not sum to zero in some currency."""


@dataclass(frozen=True, slots=True)
class Line:
    account_id: int
    amount: int


def net_deltas(lines: Iterable[Line], currency_of: Mapping[int, str]) -> list[tuple[int, int]]:
    """Validate ``lines`` and return the net delta per account, sorted by account id.

    Accounts whose lines cancel out still appear (with delta 0) so that they are locked too.
    """
    lines = list(lines)
    if len(lines) < 2:
        raise UnbalancedEntry("an entry needs at least two lines")
    per_currency: dict[str, int] = defaultdict(int)
    per_account: dict[int, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise UnbalancedEntry("line amounts are integers of minor units")
        if line.amount == 0:
            raise UnbalancedEntry("a line of zero moves nothing; leave it out")
        currency = currency_of[line.account_id]
        per_currency[currency] += line.amount
        per_account[line.account_id] += line.amount
    unbalanced = {c: s for c, s in per_currency.items() if s != 0}
    if unbalanced:
        detail = ", ".join(f"{c} off by {s}" for c, s in sorted(unbalanced.items()))
        raise UnbalancedEntry(f"entry does not balance: {detail}")
    return sorted(per_account.items())


def crosses_floor(balance: int, delta: int, floor: int | None) -> bool:
    return floor is not None and balance + delta < floor


def transfer(source: int, target: int, amount: int) -> list[Line]:
    """The two lines that move ``amount`` from ``source`` to ``target``."""
    if amount <= 0:
        raise ValidationFailed("a transfer moves a positive amount", field="amount")
    return [Line(source, -amount), Line(target, amount)]
