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
"""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.kit.db import UnitOfWork
from promodesk.ledger import service as ledger

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
