"""The end of an order and its settlement (the refund of the unspent rest).

Rules:
- An order ends by one compare-and-set update (completed, stopped or rejected); the same
  transaction enqueues its settlement job. Whatever races (stop, completion, rejection, a
  delivery batch), exactly one of them wins the update and enqueues the job.
- The unspent rest comes back when a worker runs that job (due at once), not in the request,
  command or batch that ended the order: until then the order reads ended and unsettled.
- Settlement runs once: a compare-and-set ``unsettled → settled`` first, then ONE ``release``
  entry whose ref is the order id (idempotent at the ledger too). Spend drew on the coupon
  first; the wallet gets ``min(paid, budget − spent)`` and coupon funding the rest.
- The coupon is consumed once spending started; with nothing spent it is usable again.
"""

from __future__ import annotations

from typing import Any

from promodesk.audit.service import record, record_many
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs.service import enqueue_many
from promodesk.ledger.service import get_account, release
from promodesk.promote.domain.orders import ENDED, ORDER, OrderStatus
from promodesk.promote.domain.settlement import SETTLEMENT, SettlementStatus, refund_split
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.service.coupons import settle_coupon
from promodesk.promote.service.wallet import coupon_funding_account, wallet_account

SETTLE_JOB = "promote.settle"
END_JOB = "promote.end_order"


def release_ref(order_id: int) -> str:
    return f"promote-order:{order_id}"


def end_order(
    uow: UnitOfWork,
    workspace_id: int,
    order_id: int,
    target: OrderStatus,
    *,
    actor: str,
    **values: Any,
) -> bool:
    """Move the order to an end status while its status is still one the lifecycle ends from
    (``ORDER.sources_for(target)``); on success enqueue its settlement in this transaction.
    False: another change won the race (nothing written)."""
    at = clock.now()
    won = PromoteRepository(uow).cas_order(
        workspace_id,
        order_id,
        ORDER.sources_for(target),
        status=target.value,
        ended_at=at,
        updated_at=at,
        **values,
    )
    if not won:
        return False
    enqueue_settlement(uow, workspace_id, order_id)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=f"promote.order.{target.value}",
        object_type="promote_order",
        object_id=order_id,
        after={
            "status": target.value,
            **{k: str(v) for k, v in values.items() if not k.endswith("_is")},
        },
    )
    return True


def end_orders(
    uow: UnitOfWork,
    workspace_id: int,
    order_ids: list[int],
    target: OrderStatus,
    *,
    actor: str,
) -> list[int]:
    """``end_order`` for many orders at once (a delivery batch that empties many escrows):
    one compare-and-set statement, one insert of their settlement jobs, one of their audit
    events. Returns the ids that ended here, ascending; the others were won by another
    change and nothing was written for them."""
    if not order_ids:
        return []
    at = clock.now()
    won = PromoteRepository(uow).cas_orders(
        workspace_id,
        order_ids,
        ORDER.sources_for(target),
        status=target.value,
        ended_at=at,
        updated_at=at,
    )
    enqueue_many(
        uow,
        SETTLE_JOB,
        [({"workspace_id": workspace_id, "order_id": oid}, f"{SETTLE_JOB}:{oid}") for oid in won],
        workspace_id=workspace_id,
    )
    record_many(
        uow,
        [
            {
                "workspace_id": workspace_id,
                "actor": actor,
                "action": f"promote.order.{target.value}",
                "object_type": "promote_order",
                "object_id": oid,
                "after": {"status": target.value},
                "created_at": at,
            }
            for oid in won
        ],
    )
    return won


def enqueue_settlement(uow: UnitOfWork, workspace_id: int, order_id: int) -> None:
    enqueue(
        uow,
        SETTLE_JOB,
        {"workspace_id": workspace_id, "order_id": order_id},
        dedupe_key=f"{SETTLE_JOB}:{order_id}",
        workspace_id=workspace_id,
    )


def settle_order(uow: UnitOfWork, workspace_id: int, order_id: int) -> bool:
    """Refund the unspent rest of an ended order. Safe to run any number of times: returns
    False (and changes nothing) when the order is not ended or was settled already."""
    repo = PromoteRepository(uow)
    order = repo.order(workspace_id, order_id)
    if order is None or order.status not in ENDED:
        return False
    if not SETTLEMENT.can(order.settlement_status, SettlementStatus.SETTLED):
        return False  # settled already
    at = clock.now()
    # The compare-and-set takes the order's row lock before any ledger row (global lock order:
    # order, entry, accounts), so a delivery batch holding this order finishes first.
    if not repo.cas_settlement(workspace_id, order_id, settled_at=at, updated_at=at):
        return False
    assert order.escrow_account_id is not None
    escrow = get_account(uow, workspace_id, order.escrow_account_id)
    budget = order.paid_coins + order.coupon_coins
    spent = budget - escrow.balance  # the ledger is the truth about what was charged
    split = refund_split(order.paid_coins, order.coupon_coins, spent)
    wallet = wallet_account(uow, workspace_id, order.creator_id)
    targets: list[tuple[int, int | None]] = [(wallet.id, split.to_wallet)]
    if order.coupon_coins:
        targets.append((coupon_funding_account(uow, workspace_id).id, split.to_coupon_funding))
    released = release(
        uow,
        workspace_id,
        release_ref(order_id),
        escrow.id,
        targets,
        memo=f"unspent rest of promote order {order_id} ({order.status})",
    )
    coupon_status = None
    if order.coupon_id is not None:
        coupon_status = settle_coupon(uow, workspace_id, order.coupon_id, order_id, spent=spent)
    repo.update_order(
        workspace_id,
        order_id,
        refunded_coins=split.to_wallet,
        coupon_returned_coins=split.to_coupon_funding,
        coupon_restored=split.coupon_restored,
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor="system",
        action="promote.order.settled",
        object_type="promote_order",
        object_id=order_id,
        after={
            "spent": spent,
            "to_wallet": split.to_wallet,
            "to_coupon_funding": split.to_coupon_funding,
            "coupon": coupon_status,
            "entry_id": released.posted.entry_id if released.posted else None,
        },
    )
    return True


def complete_if_due(uow: UnitOfWork, workspace_id: int, order_id: int) -> bool:
    """The end-time job: a delivering order whose duration is over completes."""
    order = PromoteRepository(uow).order(workspace_id, order_id)
    if order is None or order.status != OrderStatus.DELIVERING or order.ends_at is None:
        return False
    if order.ends_at > clock.now():
        return False  # re-scheduled later (e.g. a clock moved); the job runs again at ends_at
    return end_order(
        uow,
        workspace_id,
        order_id,
        OrderStatus.COMPLETED,
        actor="system",
    )


def enqueue_end(uow: UnitOfWork, workspace_id: int, order_id: int, ends_at: Any) -> None:
    enqueue(
        uow,
        END_JOB,
        {"workspace_id": workspace_id, "order_id": order_id},
        run_at=ends_at,
        dedupe_key=f"{END_JOB}:{order_id}",
        workspace_id=workspace_id,
    )
