"""Coin wallets and the promote system accounts on the ledger.

Accounts (all ``COIN``):
- ``promote:wallet:<creator_id>``   the creator's wallet (kind wallet, floor 0)
- ``promote:escrow:<order_id>``     one escrow per order (kind escrow, floor 0)
- ``promote:coupon_funding``        issuer of coupon value (system, no floor)
- ``promote:revenue``               delivered spend (revenue, no floor)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from promodesk.kit.db import UnitOfWork
from promodesk.ledger.domain import AccountRow
from promodesk.ledger.service import ESCROW, REVENUE, SYSTEM, WALLET, open_account
from promodesk.promote.repository.orders import PromoteRepository

COIN = "COIN"


def wallet_account(uow: UnitOfWork, workspace_id: int, creator_id: int) -> AccountRow:
    """The creator's coin wallet (created on first use)."""
    return open_account(
        uow,
        workspace_id,
        f"promote:wallet:{creator_id}",
        kind=WALLET,
        currency=COIN,
        floor=0,
        name=f"Promote wallet of creator {creator_id}",
    )


def escrow_account(uow: UnitOfWork, workspace_id: int, order_id: int) -> AccountRow:
    return open_account(
        uow,
        workspace_id,
        f"promote:escrow:{order_id}",
        kind=ESCROW,
        currency=COIN,
        floor=0,
        name=f"Escrow of promote order {order_id}",
    )


def coupon_funding_account(uow: UnitOfWork, workspace_id: int) -> AccountRow:
    return open_account(
        uow, workspace_id, "promote:coupon_funding", kind=SYSTEM, currency=COIN,
        name="Promote coupon funding",
    )  # fmt: skip


def revenue_account(uow: UnitOfWork, workspace_id: int) -> AccountRow:
    return open_account(
        uow, workspace_id, "promote:revenue", kind=REVENUE, currency=COIN,
        name="Promote delivered spend",
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class WalletView:
    creator_id: int
    account_id: int
    balance: int  # coins in the wallet, free to spend
    held: int  # coins sitting in the escrows of orders not yet settled
    open_orders: int  # orders in review or delivering
    last_order_ended_at: datetime | None


def wallet_view(uow: UnitOfWork, workspace_id: int, creator_id: int) -> WalletView:
    """Balance and held coins. Withdrawable is the money side's rule (settlement delay)."""
    account = wallet_account(uow, workspace_id, creator_id)
    repo = PromoteRepository(uow)
    return WalletView(
        creator_id=creator_id,
        account_id=account.id,
        balance=account.balance,
        held=repo.held_in_escrows(workspace_id, creator_id),
        open_orders=repo.count_open_orders(workspace_id, creator_id),
        last_order_ended_at=repo.last_order_ended_at(workspace_id, creator_id),
    )


def creator_has_open_orders(uow: UnitOfWork, workspace_id: int, creator_id: int) -> bool:
    """True while any order is in review or delivering, or ended but not yet refunded."""
    repo = PromoteRepository(uow)
    return (
        repo.count_open_orders(workspace_id, creator_id) > 0
        or repo.count_unsettled_orders(workspace_id, creator_id) > 0
    )
