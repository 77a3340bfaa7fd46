"""Ledger use cases. ``post_entry`` is the one writer of money.

Rules:
- Posting the same ``(kind, ref)`` twice returns the first entry and changes nothing.
- A posting that would take any account below its floor raises ``InsufficientFunds`` and
  writes nothing (the whole posting runs in a savepoint).
- Balances are cached on the account row and updated in the same transaction, by a conditional
  ``UPDATE`` that refuses to cross the floor, in ascending account id order.
- A hold is an escrow account: ``hold`` moves funds in, ``capture`` moves part out to revenue,
  ``release`` moves whatever is left back. Each is an entry; nothing is updated in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.kit.errors import InsufficientFunds, NotFound, ValidationFailed
from promodesk.kit.money import exponent
from promodesk.ledger.domain import Line, net_deltas, transfer
from promodesk.ledger.repository import AccountRow, LedgerRepository

WALLET, ESCROW, SYSTEM, REVENUE = "wallet", "escrow", "system", "revenue"
FLOORED_KINDS = frozenset({WALLET, ESCROW})


@dataclass(frozen=True, slots=True)
class Posted:
    entry_id: int
    created: bool  # False: (kind, ref) was posted before and this call changed nothing


def open_account(
    uow: UnitOfWork,
    workspace_id: int,
    code: str,
    *,
    kind: str,
    currency: str,
    floor: int | None = None,
    name: str = "",
) -> AccountRow:
    """Get or create the account ``code``. Wallets and escrows get floor 0 unless told."""
    exponent(currency)  # validates the code
    repo = LedgerRepository(uow)
    existing = repo.get_account_by_code(workspace_id, code)
    if existing:
        return existing
    if floor is None and kind in FLOORED_KINDS:
        floor = 0
    created = repo.insert_account(workspace_id, code, kind, currency.upper(), floor, name)
    if created:
        return created
    raced = repo.get_account_by_code(workspace_id, code)
    assert raced is not None
    return raced


def get_account(uow: UnitOfWork, workspace_id: int, account_id: int) -> AccountRow:
    account = LedgerRepository(uow).get_account(workspace_id, account_id)
    if account is None:
        raise NotFound(f"ledger account {account_id} not found")
    return account


def post_entry(
    uow: UnitOfWork,
    workspace_id: int,
    kind: str,
    ref: str,
    lines: Sequence[Line],
    *,
    memo: str = "",
) -> Posted:
    repo = LedgerRepository(uow)
    first = repo.find_entry(workspace_id, kind, ref)
    if first is not None:
        return Posted(first, created=False)
    ids = sorted({line.account_id for line in lines})
    currency_of = repo.currencies(workspace_id, ids)
    missing = [i for i in ids if i not in currency_of]
    if missing:
        raise NotFound(f"ledger account {missing[0]} not found")
    deltas = net_deltas(lines, currency_of)
    try:
        with uow.savepoint():
            entry_id = repo.insert_entry(workspace_id, kind, ref, memo)
            for account_id, delta in deltas:
                if delta and not repo.apply_delta(workspace_id, account_id, delta):
                    raise _Refused(account_id, delta)
            repo.insert_lines(
                entry_id, [(ln.account_id, currency_of[ln.account_id], ln.amount) for ln in lines]
            )
    except _Refused as refused:
        account = repo.get_account(workspace_id, refused.account_id)
        assert account is not None
        raise InsufficientFunds(
            f"{account.code} holds {account.balance} {account.currency}; "
            f"moving {-refused.delta} would take it below its floor of {account.floor}",
            field="amount",
            account_id=account.id,
            balance=account.balance,
        ) from None
    except IntegrityViolation:
        # Someone posted the same (kind, ref) concurrently and committed first.
        first = repo.find_entry(workspace_id, kind, ref)
        if first is None:
            raise
        return Posted(first, created=False)
    return Posted(entry_id, created=True)


class _Refused(Exception):
    def __init__(self, account_id: int, delta: int) -> None:
        super().__init__(account_id, delta)
        self.account_id = account_id
        self.delta = delta


def move(
    uow: UnitOfWork,
    workspace_id: int,
    kind: str,
    ref: str,
    source: int,
    target: int,
    amount: int,
    *,
    memo: str = "",
) -> Posted:
    return post_entry(uow, workspace_id, kind, ref, transfer(source, target, amount), memo=memo)


# escrow helpers -------------------------------------------------------------------------------


def open_escrow(uow: UnitOfWork, workspace_id: int, code: str, currency: str) -> AccountRow:
    return open_account(uow, workspace_id, code, kind=ESCROW, currency=currency, floor=0)


def hold(
    uow: UnitOfWork,
    workspace_id: int,
    ref: str,
    escrow_id: int,
    sources: Sequence[tuple[int, int]],
    *,
    memo: str = "",
) -> Posted:
    """Move ``amount`` from each ``(account, amount)`` source into the escrow, as one entry."""
    total = sum(amount for _, amount in sources)
    if total <= 0 or any(amount < 0 for _, amount in sources):
        raise ValidationFailed("a hold moves positive amounts", field="amount")
    lines = [Line(acct, -amount) for acct, amount in sources if amount]
    lines.append(Line(escrow_id, total))
    return post_entry(uow, workspace_id, "hold", ref, lines, memo=memo)


def capture(
    uow: UnitOfWork,
    workspace_id: int,
    ref: str,
    escrow_id: int,
    target_id: int,
    amount: int,
    *,
    memo: str = "",
) -> Posted:
    """Move part of a hold to ``target`` (revenue). Refused past what the escrow holds."""
    return move(uow, workspace_id, "capture", ref, escrow_id, target_id, amount, memo=memo)


@dataclass
class Released:
    posted: Posted | None
    amounts: dict[int, int] = field(default_factory=dict)


def release(
    uow: UnitOfWork,
    workspace_id: int,
    ref: str,
    escrow_id: int,
    targets: Sequence[tuple[int, int | None]],
    *,
    memo: str = "",
) -> Released:
    """Return what is left in the escrow: each ``(account, cap)`` target in order gets up to
    ``cap`` (``None``: everything left). Posting again with the same ref changes nothing."""
    repo = LedgerRepository(uow)
    first = repo.find_entry(workspace_id, "release", ref)
    if first is not None:
        return Released(Posted(first, created=False))
    escrow = get_account(uow, workspace_id, escrow_id)
    left = escrow.balance
    amounts: dict[int, int] = {}
    for account_id, cap in targets:
        take = left if cap is None else min(cap, left)
        if take > 0:
            amounts[account_id] = amounts.get(account_id, 0) + take
            left -= take
    if not amounts:
        return Released(None)
    lines = [Line(escrow_id, -sum(amounts.values()))]
    lines += [Line(acct, amt) for acct, amt in amounts.items()]
    return Released(post_entry(uow, workspace_id, "release", ref, lines, memo=memo), amounts)
