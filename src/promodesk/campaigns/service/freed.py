"""Freed budget: what cancellations released, kept in the ledger so it cannot be spent twice.

One pool per client advertiser and currency (``campaigns:freed:adv:{id}:{CUR}``), or per ad
account when the cancelled campaign was not allocated to a client
(``campaigns:freed:acct:{id}:{CUR}``). A pool is a ledger account with floor 0:
- a cancellation posts what each item freed (``campaigns.freed``, ref ``item:{id}``) from the
  workspace's ``campaigns:budget-source:{CUR}`` system account into the pool;
- a reallocation posts what it used (``campaigns.reallocated``, ref of the reallocation) out of
  the pool back to the source. Two operators reallocating at once cannot both take the same
  money: the second posting would cross the floor and fails with ``InsufficientFunds``.
Posting the same ``(kind, ref)`` twice changes nothing (the ledger's idempotency).

Which campaigns a pool may fund is one rule, ``campaigns.domain.reallocation.pool_funds``:
an advertiser pool funds that advertiser's campaigns only, an ad-account pool only the
campaigns of that ad account no advertiser owns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import is_currency
from promodesk.ledger import service as ledger
from promodesk.ledger.domain import NewEntry, transfer

FREED = "campaigns.freed"
REALLOCATED = "campaigns.reallocated"
UNFREED = "campaigns.unfreed"


@dataclass(frozen=True)
class Pool:
    advertiser_id: int | None
    ad_account_id: int | None
    currency: str

    @property
    def code(self) -> str:
        if self.advertiser_id is not None:
            return f"campaigns:freed:adv:{self.advertiser_id}:{self.currency}"
        return f"campaigns:freed:acct:{self.ad_account_id}:{self.currency}"


def pool_of(advertiser_id: int | None, ad_account_id: int, currency: str) -> Pool:
    """The pool a campaign's freed budget goes to: its client advertiser's, else its account's."""
    if advertiser_id is not None:
        return Pool(advertiser_id, None, currency.upper())
    return Pool(None, ad_account_id, currency.upper())


def _accounts(uow: UnitOfWork, workspace_id: int, pool: Pool) -> tuple[int, int]:
    source = ledger.open_account(
        uow,
        workspace_id,
        f"campaigns:budget-source:{pool.currency}",
        kind="system",
        currency=pool.currency,
        name="Campaign budgets (outside promodesk)",
    )
    account = ledger.open_account(
        uow,
        workspace_id,
        pool.code,
        kind="wallet",
        currency=pool.currency,
        floor=0,
        name="Freed campaign budget",
    )
    return source.id, account.id


def post_freed(
    uow: UnitOfWork, workspace_id: int, pool: Pool, amount_minor: int, ref: str, memo: str = ""
) -> ledger.Posted | None:
    """Put ``amount_minor`` freed by a cancellation item into its pool (nothing when 0)."""
    if amount_minor <= 0:
        return None
    source, account = _accounts(uow, workspace_id, pool)
    return ledger.move(uow, workspace_id, FREED, ref, source, account, amount_minor, memo=memo)


def use(
    uow: UnitOfWork, workspace_id: int, pool: Pool, amount_minor: int, ref: str, memo: str = ""
) -> ledger.Posted:
    """Take ``amount_minor`` out of the pool for a reallocation; ``InsufficientFunds`` when the
    pool holds less (nothing is written then)."""
    source, account = _accounts(uow, workspace_id, pool)
    return ledger.move(
        uow, workspace_id, REALLOCATED, ref, account, source, amount_minor, memo=memo
    )


def balance(uow: UnitOfWork, workspace_id: int, pool: Pool) -> int:
    """What the pool holds now (0 for a pool never posted to)."""
    _source, account = _accounts(uow, workspace_id, pool)
    return ledger.get_account(uow, workspace_id, account).balance


def unfree(
    uow: UnitOfWork, workspace_id: int, pool: Pool, amount_minor: int, ref: str, memo: str = ""
) -> ledger.Posted | None:
    """An undone cancel takes back what it freed and the pool still holds (``campaigns.unfreed``,
    ref ``undo:{item_id}``): at most ``amount_minor``, never more than the balance (what was
    reallocated meanwhile stays reallocated). Nothing when 0."""
    take = min(amount_minor, balance(uow, workspace_id, pool))
    if take <= 0:
        return None
    source, account = _accounts(uow, workspace_id, pool)
    return ledger.move(uow, workspace_id, UNFREED, ref, account, source, take, memo=memo)


# Reallocation's side of the pools ---------------------------------------------------------

# A reallocated amount TikTok did not take (its budget update failed) goes back to the pool
# (ref ``realloc-item:{item_id}``): a reversal, nothing is updated in place.
RETURNED = "campaigns.realloc_returned"
PREFIX = "campaigns:freed:"


def give_back(
    uow: UnitOfWork, workspace_id: int, pool: Pool, amount_minor: int, ref: str, memo: str = ""
) -> ledger.Posted | None:
    """Return to the pool part of what a reallocation took (``RETURNED``; nothing when 0)."""
    if amount_minor <= 0:
        return None
    source, account = _accounts(uow, workspace_id, pool)
    return ledger.move(uow, workspace_id, RETURNED, ref, source, account, amount_minor, memo=memo)


def parse_pool(text: str) -> Pool:
    """A pool from its key (``adv:12:USD``, ``acct:3:USD``) or its full ledger code;
    ``ValidationFailed`` (field ``pool``) for anything else."""
    value = text.strip()
    if value.startswith(PREFIX):
        value = value[len(PREFIX) :]
    parts = value.split(":")
    if len(parts) == 3 and parts[0] in ("adv", "acct") and parts[1].isdigit():
        currency = parts[2].upper()
        if is_currency(currency):
            ident = int(parts[1])
            if parts[0] == "adv":
                return Pool(ident, None, currency)
            return Pool(None, ident, currency)
    raise ValidationFailed(
        f"not a freed-budget pool: {text!r} (adv:ADVERTISER_ID:CUR or acct:AD_ACCOUNT_ID:CUR)",
        field="pool",
    )


def key_of(pool: Pool) -> str:
    """The pool's short key (``adv:12:USD``), as the API, the CLI and the console name it."""
    return pool.code[len(PREFIX) :]


@dataclass(frozen=True)
class PoolState:
    """A pool with what it holds and, from its ledger history, what went in and out."""

    pool: Pool
    account_id: int
    balance_minor: int
    freed_minor: int
    reallocated_minor: int  # net of what came back from failed updates
    unfreed_minor: int  # taken back by undos

    @property
    def key(self) -> str:
        return key_of(self.pool)


@dataclass(frozen=True)
class PoolLine:
    kind: str
    ref: str
    amount_minor: int  # positive into the pool
    at: datetime


def pools(uow: UnitOfWork, workspace_id: int) -> list[PoolState]:
    """Every freed-budget pool of the workspace (read only: nothing is opened)."""
    found: list[PoolState] = []
    for account in ledger.accounts_by_prefix(uow, workspace_id, PREFIX):
        try:
            pool = parse_pool(account.code)
        except ValidationFailed:
            continue
        sums = {FREED: 0, REALLOCATED: 0, RETURNED: 0, UNFREED: 0}
        for line in history(uow, workspace_id, account.id):
            if line.kind in sums:
                sums[line.kind] += line.amount_minor
        found.append(
            PoolState(
                pool=pool,
                account_id=account.id,
                balance_minor=account.balance,
                freed_minor=sums[FREED],
                reallocated_minor=-(sums[REALLOCATED] + sums[RETURNED]),
                unfreed_minor=-sums[UNFREED],
            )
        )
    return found


def pool_state(uow: UnitOfWork, workspace_id: int, pool: Pool) -> PoolState | None:
    return next((p for p in pools(uow, workspace_id) if p.pool == pool), None)


def history(
    uow: UnitOfWork, workspace_id: int, account_id: int, *, limit: int = 10_000
) -> list[PoolLine]:
    """The pool's ledger lines, oldest first."""
    out: list[PoolLine] = []
    after = 0
    while len(out) < limit:
        rows = ledger.account_lines(uow, workspace_id, account_id, after_id=after, limit=500)
        if not rows:
            break
        out.extend(PoolLine(r[2], r[3], r[4], r[5]) for r in rows)
        after = rows[-1][0]
    return out[:limit]


def post_freed_many(
    uow: UnitOfWork, workspace_id: int, items: Sequence[tuple[Pool, int, str, str]]
) -> int:
    """``post_freed`` for many items at once (``(pool, amount, ref, memo)``), in one ledger
    batch: each pool's accounts opened once; a ref posted before changes nothing. Returns how
    many entries were new."""
    entries: list[NewEntry] = []
    opened: dict[Pool, tuple[int, int]] = {}
    for pool, amount, ref, memo in items:
        if amount <= 0:
            continue
        if pool not in opened:
            opened[pool] = _accounts(uow, workspace_id, pool)
        source, account = opened[pool]
        entries.append(NewEntry(FREED, ref, transfer(source, account, amount), memo))
    posted = ledger.post_entries(uow, workspace_id, entries) if entries else []
    return sum(1 for p in posted if p.created)
