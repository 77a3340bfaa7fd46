"""Ledger use cases. ``post_entry`` (one entry) and ``post_entries`` (a batch) are the only
writers of money.

Rules:
- Posting the same ``(kind, ref)`` again returns the first entry and changes nothing.
- A posting that would take any account below its floor raises ``InsufficientFunds`` and
  writes nothing; so does an unknown account (``NotFound``) or an unbalanced entry.
- Balances are cached on the account row and updated in the same transaction by a conditional
  ``UPDATE`` that refuses to cross the floor.
- Lock order, everywhere: the entry row (its ``(kind, ref)``) first, then accounts by ascending
  id. Several entries in one transaction should go through ``post_entries``, which locks all
  their accounts at once in that order.
- A hold is an escrow account: ``hold`` moves funds in, ``capture`` moves part out to revenue,
  ``release`` moves whatever is left back. Each is an entry; nothing is updated in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, InsufficientFunds, NotFound, ValidationFailed
from promodesk.kit.money import exponent
from promodesk.ledger.domain import (
    AccountRow,
    FloorCrossed,
    Line,
    NewEntry,
    UnbalancedEntry,
    check_account_ids,
    check_balanced,
    check_header,
    net_deltas,
    plan_batch,
    release_split,
    transfer,
)
from promodesk.ledger.repository import LedgerRepository

WALLET, ESCROW, SYSTEM, REVENUE = "wallet", "escrow", "system", "revenue"
FLOORED_KINDS = frozenset({WALLET, ESCROW})
CODE_MAX = 200

__all__ = ["Line", "NewEntry", "Posted", "Released", "post_entries", "post_entry"]


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
    """Get or create the account ``code``. Wallets and escrows get floor 0 unless told.

    An existing account is returned only if it has the asked kind and currency (``Conflict``
    otherwise): a caller must never move coins through an account it did not mean.
    """
    if not code or len(code) > CODE_MAX or len(name) > CODE_MAX:
        raise ValidationFailed(f"account code and name are 1..{CODE_MAX} characters", field="code")
    currency = currency.upper()
    exponent(currency)  # validates the code
    repo = LedgerRepository(uow)
    account = repo.get_account_by_code(workspace_id, code)
    if account is None:
        if floor is None and kind in FLOORED_KINDS:
            floor = 0
        account = repo.insert_account(workspace_id, code, kind, currency, floor, name)
        if account is None:  # created concurrently
            account = repo.get_account_by_code(workspace_id, code)
            assert account is not None
    if (account.kind, account.currency) != (kind, currency):
        raise Conflict(
            f"account {code} exists as a {account.kind} in {account.currency}, "
            f"not a {kind} in {currency}",
            field="code",
        )
    return account


def get_account(uow: UnitOfWork, workspace_id: int, account_id: int) -> AccountRow:
    account = LedgerRepository(uow).get_account(workspace_id, account_id)
    if account is None:
        raise NotFound(f"ledger account {account_id} not found")
    return account


def accounts_by_prefix(uow: UnitOfWork, workspace_id: int, prefix: str) -> list[AccountRow]:
    """The workspace's accounts whose code starts with ``prefix``, oldest first (read only)."""
    return LedgerRepository(uow).accounts_by_prefix(workspace_id, prefix)


def account_lines(
    uow: UnitOfWork, workspace_id: int, account_id: int, *, after_id: int = 0, limit: int = 50
) -> list[tuple[int, int, str, str, int, datetime]]:
    """An account's lines in posting order: (line id, entry id, kind, ref, amount, when)."""
    return LedgerRepository(uow).account_lines(
        workspace_id, account_id, after_id=after_id, limit=limit
    )


def balances(uow: UnitOfWork, workspace_id: int) -> dict[int, int]:
    """Cached balance of every account of the workspace, by id."""
    return LedgerRepository(uow).workspace_balances(workspace_id)


# posting --------------------------------------------------------------------------------------


def post_entry(
    uow: UnitOfWork,
    workspace_id: int,
    kind: str,
    ref: str,
    lines: Sequence[Line],
    *,
    memo: str = "",
) -> Posted:
    """Post one entry: one INSERT of the entry (which doubles as the idempotency check), one
    guarded UPDATE per account in ascending id order, one INSERT of all lines."""
    check_header(kind, ref, memo)
    lines = list(lines)
    deltas = net_deltas(lines)
    repo = LedgerRepository(uow)
    entry_id = repo.new_entry(workspace_id, kind, ref, memo)
    if entry_id is None:
        return Posted(_first(repo, workspace_id, kind, ref), created=False)
    _apply(repo, workspace_id, entry_id, lines, deltas)
    return Posted(entry_id, created=True)


def _first(repo: LedgerRepository, workspace_id: int, kind: str, ref: str) -> int:
    first = repo.find_entry(workspace_id, kind, ref)
    if first is None:  # the conflicting writer rolled back between our two statements
        raise Conflict(f"entry ({kind}, {ref}) is being posted concurrently; try again")
    return first


def _apply(
    repo: LedgerRepository,
    workspace_id: int,
    entry_id: int,
    lines: Sequence[Line],
    deltas: Sequence[tuple[int, int]],
) -> None:
    """Apply an inserted entry's deltas and lines, or undo everything and raise.

    A refusal undoes the rows it already changed and deletes the entry row, instead of
    wrapping every posting in a savepoint: that keeps the hot path at 2 + accounts statements.
    """
    currency_of, refused = repo.apply_each(workspace_id, deltas)
    try:
        if refused is not None:
            delta = next(d for account_id, d in deltas if account_id == refused)
            raise _refusal(repo, workspace_id, refused, delta)
        check_balanced(deltas, currency_of)
    except (InsufficientFunds, NotFound, UnbalancedEntry):
        repo.unapply((account_id, d) for account_id, d in deltas if account_id in currency_of)
        repo.delete_entry(entry_id)
        raise
    repo.insert_lines(
        [(entry_id, ln.account_id, currency_of[ln.account_id], ln.amount) for ln in lines]
    )


def _refusal(
    repo: LedgerRepository, workspace_id: int, account_id: int, delta: int
) -> NotFound | InsufficientFunds:
    account = repo.get_account(workspace_id, account_id)
    if account is None:
        return NotFound(f"ledger account {account_id} not found", field="account_id")
    return InsufficientFunds(
        f"{account.code} holds {account.balance} {account.currency}; "
        f"moving {-delta} would take it below its floor of {account.floor}",
        field="amount",
        account_id=account.id,
        balance=account.balance,
    )


def post_entries(uow: UnitOfWork, workspace_id: int, entries: Sequence[NewEntry]) -> list[Posted]:
    """Post many entries at once, all or nothing, with the result of posting them one by one
    in the order given: each must balance and keep every floor at its turn.

    Entry rows are inserted in ``(kind, ref)`` order, accounts are locked in ascending id
    order, lines go in with one multi-row INSERT, and each account gets one guarded UPDATE
    with its aggregated delta. A ``(kind, ref)`` posted before (or twice in the batch) is a
    replay: it returns the first entry and changes nothing. ``InsufficientFunds`` names the
    first entry that would cross a floor.
    """
    first_index: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(entries):
        check_header(entry.kind, entry.ref, entry.memo)
        first_index.setdefault((entry.kind, entry.ref), index)
    if not first_index:
        return []
    repo = LedgerRepository(uow)
    with uow.savepoint():
        keys = sorted(first_index)
        ids = repo.new_entries(
            workspace_id, [(k, r, entries[first_index[(k, r)]].memo) for k, r in keys]
        )
        replays = [key for key in keys if key not in ids]
        earlier = repo.find_entries(workspace_id, replays) if replays else {}
        if len(earlier) != len(replays):
            raise Conflict("some entries of the batch are being posted concurrently; try again")
        fresh = [entries[i] for key, i in first_index.items() if key in ids]
        wanted = {ln.account_id for e in fresh for ln in e.lines}
        check_account_ids(wanted)
        accounts = repo.lock_accounts(workspace_id, wanted)
        missing = sorted(wanted - accounts.keys())
        if missing:
            raise NotFound(f"ledger account {missing[0]} not found", field="account_id")
        try:
            deltas = plan_batch(fresh, accounts)
        except FloorCrossed as crossed:
            bad, acct = fresh[crossed.index], crossed.account
            raise InsufficientFunds(
                f"entry ({bad.kind}, {bad.ref}): account {acct.id} holds {acct.balance} "
                f"{acct.currency}; moving {-crossed.delta} would take it below its floor "
                f"of {acct.floor}",
                field="amount",
                account_id=acct.id,
                balance=acct.balance,
                kind=bad.kind,
                ref=bad.ref,
            ) from None
        repo.insert_lines(
            [
                (ids[(e.kind, e.ref)], ln.account_id, accounts[ln.account_id].currency, ln.amount)
                for e in fresh
                for ln in e.lines
            ]
        )
        if not repo.apply_deltas(workspace_id, deltas):  # rows are locked: only a bug gets here
            raise Conflict("ledger accounts changed under a batch posting; nothing was written")
    out: list[Posted] = []
    for index, entry in enumerate(entries):
        key = (entry.kind, entry.ref)
        if key in ids:
            out.append(Posted(ids[key], created=first_index[key] == index))
        else:
            out.append(Posted(earlier[key], created=False))
    return out


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
    if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for _, a in sources):
        raise ValidationFailed("a hold moves positive whole amounts", field="amount")
    total = sum(amount for _, amount in sources)
    if total <= 0:
        raise ValidationFailed("a hold moves positive whole amounts", field="amount")
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
    posted: Posted | None  # None: the escrow was empty, nothing was posted
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
    ``cap`` (``None``: everything left). Posting again with the same ref changes nothing.

    The escrow is read under lock (after the entry row, like every posting), so a capture
    racing with the release either lands before it (and is not released) or is refused.
    """
    check_header("release", ref, memo)
    check_account_ids([escrow_id, *(acct for acct, _ in targets)])
    repo = LedgerRepository(uow)
    entry_id = repo.new_entry(workspace_id, "release", ref, memo)
    if entry_id is None:
        first = _first(repo, workspace_id, "release", ref)
        earlier = repo.entry_lines(workspace_id, first)
        return Released(
            Posted(first, created=False),
            {a: m for a, _, m in earlier if a != escrow_id and m > 0},
        )
    wanted = {escrow_id, *(acct for acct, _ in targets)}
    accounts = repo.lock_accounts(workspace_id, wanted)
    missing = sorted(wanted - accounts.keys())
    amounts = release_split(accounts[escrow_id].balance, targets) if not missing else {}
    if missing or not amounts:
        repo.delete_entry(entry_id)
        if missing:
            raise NotFound(f"ledger account {missing[0]} not found", field="account_id")
        return Released(None)
    lines = [Line(escrow_id, -sum(amounts.values()))]
    lines += [Line(acct, amt) for acct, amt in amounts.items()]
    _apply(repo, workspace_id, entry_id, lines, net_deltas(lines))
    return Released(Posted(entry_id, created=True), amounts)


# reading entries by kind ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindLine:
    kind: str
    ref: str
    account_code: str
    currency: str
    amount: int  # signed: + into the account, - out of it
    created_at: datetime


def lines_by_kind(
    uow: UnitOfWork,
    workspace_id: int,
    kinds: Sequence[str],
    code_prefix: str,
    *,
    refs: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[KindLine]:
    """The lines of entries of ``kinds`` on accounts whose code starts with ``code_prefix``
    (a feature's accounts), optionally only for ``refs`` and entries made in
    ``since <= time < until``; in posting order."""
    if refs is not None and not refs:
        return []
    rows = LedgerRepository(uow).lines_by_kind(
        workspace_id, kinds, code_prefix, refs=refs, since=since, until=until
    )
    return [KindLine(*r) for r in rows]
