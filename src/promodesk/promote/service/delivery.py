"""Delivery batches from the host platform's feed.

Rules:
- Idempotent per ``event_id`` (per workspace): an event seen before changes nothing.
- Spend is charged only to delivering orders and never beyond what the order's escrow still
  holds; the excess (and any spend reported for an order that is not delivering) is recorded
  as over-delivery, never charged. Results count for delivering orders only.
- All charges of a batch are ONE ledger entry (escrows → revenue); an order whose escrow is
  emptied completes in the same transaction, which enqueues its settlement.
- Set-based: one transaction per batch, bulk statements, per-order aggregation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.ledger.service import Line, NewEntry, post_entries
from promodesk.promote.domain.delivery_parse import MAX_EVENTS, Event
from promodesk.promote.domain.orders import OrderStatus, cap_spend
from promodesk.promote.repository.delivery import Counters, DeliveryRepository
from promodesk.promote.service.settlement import end_orders
from promodesk.promote.service.wallet import revenue_account


@dataclass
class BatchResult:
    batch_id: int | None
    received: int
    accepted: int = 0
    duplicates: int = 0
    unknown_orders: list[int] = field(default_factory=list)
    charged_coins: int = 0
    over_delivered_coins: int = 0
    completed_orders: list[int] = field(default_factory=list)


def ingest_batch(
    uow: UnitOfWork, workspace_id: int, events: Sequence[Event], *, actor: str = "system"
) -> BatchResult:
    if len(events) > MAX_EVENTS:
        raise ValidationFailed(f"at most {MAX_EVENTS:,} events per batch", field="events")
    result = BatchResult(None, len(events))
    if not events:
        return result
    # First occurrence wins for an event_id repeated inside the batch.
    unique: dict[str, Event] = {ev[0]: ev for ev in reversed(events)}  # first one wins
    repo = DeliveryRepository(uow)
    orders = repo.lock_orders(workspace_id, {ev[1] for ev in unique.values()})
    result.unknown_orders = sorted({ev[1] for ev in unique.values()} - orders.keys())
    known = [ev for ev in unique.values() if ev[1] in orders]
    batch_id = repo.new_batch(workspace_id, len(events))
    result.batch_id = batch_id
    fresh = repo.insert_new_events(workspace_id, batch_id, [(e[0], e[1], e[2]) for e in known])
    unknown_events = sum(1 for ev in events if ev[1] not in orders)
    counted = known if fresh is None else [ev for ev in known if ev[0] in fresh]
    result.accepted = len(counted)
    result.duplicates = len(events) - unknown_events - len(counted)
    # Aggregate per order: spend and the five result counters.
    totals: dict[int, list[int]] = {}
    get = totals.get
    for _eid, oid, spend, views, visits, follows, clicks, live in counted:
        acc = get(oid)
        if acc is None:
            totals[oid] = [spend, views, visits, follows, clicks, live]
        else:
            acc[0] += spend
            acc[1] += views
            acc[2] += visits
            acc[3] += follows
            acc[4] += clicks
            acc[5] += live
    delivering = {
        oid: orders[oid][1]
        for oid in totals
        if orders[oid][0] == OrderStatus.DELIVERING and orders[oid][1] is not None
    }
    balances = repo.balances(workspace_id, [a for a in delivering.values() if a is not None])
    at = clock.now()
    lines: list[Line] = []
    added: list[Counters] = []
    emptied: list[int] = []
    for oid in sorted(totals):
        spend, views, visits, follows, clicks, live = totals[oid]
        escrow = delivering.get(oid)
        if escrow is None:  # results count for delivering orders only
            charged, over = 0, spend
            added.append((oid, 0, spend, 0, 0, 0, 0, 0))
        else:
            left = balances.get(escrow, 0)
            charged, over = cap_spend(left, spend)
            if charged:
                lines.append(Line(escrow, -charged))
            if charged and charged == left:
                emptied.append(oid)
            added.append((oid, charged, over, views, visits, follows, clicks, live))
        result.charged_coins += charged
        result.over_delivered_coins += over
    if lines:
        revenue = revenue_account(uow, workspace_id)
        lines.append(Line(revenue.id, result.charged_coins))
        post_entries(
            uow,
            workspace_id,
            [NewEntry("capture", f"promote-delivery:{batch_id}", lines, "promote delivery")],
        )
    repo.bump_orders(added, at)
    repo.add_hourly(workspace_id, at.replace(minute=0, second=0, microsecond=0), added)
    result.completed_orders = end_orders(
        uow, workspace_id, emptied, OrderStatus.COMPLETED, actor=actor
    )
    repo.finish_batch(
        batch_id,
        accepted=result.accepted,
        duplicates=result.duplicates,
        unknown=unknown_events,
        spend_coins=sum(t[0] for t in totals.values()),
        charged_coins=result.charged_coins,
        over_delivered_coins=result.over_delivered_coins,
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.delivery.batch",
        object_type="promote_delivery_batch",
        object_id=batch_id,
        after={
            "received": len(events),
            "accepted": result.accepted,
            "charged": result.charged_coins,
            "over_delivered": result.over_delivered_coins,
            "completed": result.completed_orders,
        },
    )
    return result
