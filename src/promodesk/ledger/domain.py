"""Pure ledger rules.

- An entry has a ``kind`` and a ``ref``; the pair is unique per workspace (idempotency key).
- An entry has at least two lines; every amount is a non-zero integer of minor units that fits
  the signed 64-bit columns.
- The lines of an entry sum to zero per currency.
- A posting locks rows in one global order: first the entry's ``(kind, ref)``, then accounts in
  ascending id order. Concurrent postings on PostgreSQL therefore cannot deadlock.
- An account's floor (``None`` = no floor) may never be crossed; wallets and escrows have 0.
  Entries posted together (a batch) are checked one after another, in the order given, exactly
  as if each were posted alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import MAX_MINOR

KIND_MAX, REF_MAX, MEMO_MAX = 64, 200, 500


class UnbalancedEntry(ValidationFailed):
    """The lines of an entry do not sum to zero in some currency, or are malformed."""


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A ledger account as the ledger reads it (balance in minor units)."""

    id: int
    workspace_id: int
    code: str
    kind: str
    currency: str
    floor: int | None
    balance: int
    name: str


@dataclass(frozen=True, slots=True)
class Line:
    account_id: int
    amount: int

    def __iter__(self) -> Iterator[int]:
        yield self.account_id
        yield self.amount


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to post: ``lines`` move money between accounts of one workspace."""

    kind: str
    ref: str
    lines: Sequence[Line]
    memo: str = ""


@dataclass(frozen=True, slots=True)
class AccountState:
    """What a posting needs to know about an account (read under lock)."""

    id: int
    currency: str
    floor: int | None
    balance: int


def check_header(kind: str, ref: str, memo: str = "") -> None:
    if not kind or len(kind) > KIND_MAX:
        raise ValidationFailed(f"entry kind must be 1..{KIND_MAX} characters", field="kind")
    if not ref or len(ref) > REF_MAX:
        raise ValidationFailed(f"entry ref must be 1..{REF_MAX} characters", field="ref")
    if len(memo) > MEMO_MAX:
        raise ValidationFailed(
            f"the entry memo must be at most {MEMO_MAX:,} characters", field="memo"
        )


def net_deltas(lines: Sequence[Line]) -> list[tuple[int, int]]:
    """Validate the shape of ``lines`` and return the net delta per account, by ascending id.

    Accounts whose lines cancel out still appear (with delta 0): they are part of the entry, so
    they are checked (existence, workspace, currency) and locked like the others.
    """
    if len(lines) < 2:
        raise UnbalancedEntry("an entry needs at least two lines")
    per_account: dict[int, int] = {}
    for line in lines:
        account_id, amount = line.account_id, line.amount
        if type(account_id) is not int or not 0 < account_id <= MAX_MINOR:
            raise UnbalancedEntry(f"not an account id: {account_id!r}")
        # ``type() is int`` refuses floats, Decimals and bools (an int subclass) in one test.
        if type(amount) is not int:
            raise UnbalancedEntry("line amounts are integers of minor units")
        if amount == 0:
            raise UnbalancedEntry("a line of zero moves nothing; leave it out")
        if not -MAX_MINOR <= amount <= MAX_MINOR:
            raise UnbalancedEntry("a line amount does not fit in 64 bits")
        per_account[account_id] = per_account.get(account_id, 0) + amount
    return sorted(per_account.items())


def check_account_ids(ids: Iterable[int]) -> None:
    """Account ids are positive 64-bit integers; anything else never reaches the database."""
    for account_id in ids:
        if type(account_id) is not int or not 0 < account_id <= MAX_MINOR:
            raise UnbalancedEntry(f"not an account id: {account_id!r}")


def check_balanced(
    deltas: Iterable[tuple[int, int]] | Iterable[Line], currency_of: Mapping[int, str]
) -> None:
    """Raise ``UnbalancedEntry`` unless the amounts sum to zero in every currency. Takes the
    lines of an entry or their ``net_deltas`` (the sums per currency are the same)."""
    per_currency: dict[str, int] = {}
    for account_id, amount in deltas:
        currency = currency_of[account_id]
        per_currency[currency] = per_currency.get(currency, 0) + amount
    if any(per_currency.values()):
        unbalanced = {c: s for c, s in per_currency.items() if s != 0}
        detail = ", ".join(f"{c} off by {s}" for c, s in sorted(unbalanced.items()))
        raise UnbalancedEntry(f"entry does not balance: {detail}")


def crosses_floor(balance: int, delta: int, floor: int | None) -> bool:
    return floor is not None and balance + delta < floor


def transfer(source: int, target: int, amount: int) -> list[Line]:
    """The two lines that move ``amount`` from ``source`` to ``target``."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed("a transfer moves a positive whole amount", field="amount")
    return [Line(source, -amount), Line(target, amount)]


def release_split(left: int, targets: Sequence[tuple[int, int | None]]) -> dict[int, int]:
    """Share ``left`` among ``(account, cap)`` targets in order; ``cap=None`` takes the rest."""
    amounts: dict[int, int] = {}
    for account_id, cap in targets:
        take = left if cap is None else max(0, min(cap, left))
        if take > 0:
            amounts[account_id] = amounts.get(account_id, 0) + take
            left -= take
    return amounts


class FloorCrossed(Exception):
    """Raised by ``plan_batch``: entry ``index`` would take ``account`` below its floor."""

    def __init__(self, index: int, account: AccountState, delta: int) -> None:
        super().__init__(index, account.id, delta)
        self.index = index
        self.account = account
        self.delta = delta


def plan_batch(
    entries: Sequence[NewEntry], accounts: Mapping[int, AccountState]
) -> list[tuple[int, int]]:
    """Apply ``entries`` one after another to ``accounts`` (read under lock).

    Validates every entry, checks it balances per currency and never crosses a floor at its
    turn; returns the aggregated delta per account by ascending id (zero deltas dropped).
    Raises ``UnbalancedEntry`` or ``FloorCrossed`` naming the first bad entry.
    """
    currency_of = {a.id: a.currency for a in accounts.values()}
    balance = {a.id: a.balance for a in accounts.values()}
    floor = {a.id: a.floor for a in accounts.values()}
    for index, entry in enumerate(entries):
        try:
            deltas = net_deltas(entry.lines)
            check_balanced(deltas, currency_of)
        except UnbalancedEntry as exc:
            raise UnbalancedEntry(f"entry ({entry.kind}, {entry.ref}): {exc.detail}") from None
        for account_id, delta in deltas:
            after = balance[account_id] + delta
            limit = floor[account_id]
            if delta < 0 and limit is not None and after < limit:
                account = accounts[account_id]
                shown = AccountState(account.id, account.currency, limit, balance[account_id])
                raise FloorCrossed(index, shown, delta)
            balance[account_id] = after
    return [
        (i, balance[i] - accounts[i].balance)
        for i in sorted(balance)
        if balance[i] != accounts[i].balance
    ]
