"""The review queue. Video orders wait in review; LIVE orders are reviewed while delivering.

- Approve: a video order starts delivering (its end job is enqueued at the end time); a LIVE
  order just records the approval.
- Reject (a reason is required): the order ends ``rejected`` and is settled like any end —
  before any delivery everything returns, coupon included; a LIVE rejected mid-way gets the
  unspent rest back.
- Both are compare-and-set on status and review status: a review racing a stop has one winner.
"""

from __future__ import annotations

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.models import PromoteOrder
from promodesk.promote.domain.eligibility import ContentKind
from promodesk.promote.domain.orders import ORDER, OrderStatus, ReviewStatus
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.service.orders import delivery_window, get_order
from promodesk.promote.service.settlement import end_order, enqueue_end


def review_queue(
    uow: UnitOfWork, workspace_id: int, *, before_id: int | None = None, limit: int = 50
) -> list[PromoteOrder]:
    """Orders waiting for a reviewer: in review, or LIVE orders delivering unreviewed."""
    return PromoteRepository(uow).orders(
        workspace_id,
        statuses=[OrderStatus.IN_REVIEW.value, OrderStatus.DELIVERING.value],
        review_status=ReviewStatus.PENDING.value,
        before_id=before_id,
        limit=limit,
    )


def _pending(order: PromoteOrder) -> None:
    if order.review_status != ReviewStatus.PENDING:
        raise InvalidTransition(f"order {order.id} was already reviewed ({order.review_status})")


def approve_order(
    uow: UnitOfWork, workspace_id: int, order_id: int, *, actor: str = "system"
) -> PromoteOrder:
    order = get_order(uow, workspace_id, order_id)
    _pending(order)
    at = clock.now()
    repo = PromoteRepository(uow)
    pending = {"review_status": ReviewStatus.APPROVED.value, "reviewed_at": at, "updated_at": at}
    if order.content_kind == ContentKind.LIVE:
        ORDER.transition(order.status, OrderStatus.COMPLETED)  # only while still delivering
        won = repo.cas_order(
            workspace_id,
            order_id,
            [OrderStatus.DELIVERING.value],
            review_status_is=ReviewStatus.PENDING.value,
            **pending,
        )
    else:
        ORDER.transition(order.status, OrderStatus.DELIVERING)
        started, ends = delivery_window(order, at)
        won = repo.cas_order(
            workspace_id,
            order_id,
            ORDER.sources_for(OrderStatus.DELIVERING),
            review_status_is=ReviewStatus.PENDING.value,
            status=OrderStatus.DELIVERING.value,
            started_at=started,
            ends_at=ends,
            **pending,
        )
    if not won:
        current = get_order(uow, workspace_id, order_id)
        raise InvalidTransition(
            f"order {order_id} changed meanwhile ({current.status}, review {current.review_status})"
        )
    if order.content_kind != ContentKind.LIVE:
        enqueue_end(uow, workspace_id, order_id, ends)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.order.approve",
        object_type="promote_order",
        object_id=order_id,
        before={"status": order.status},
        after={"review_status": "approved"},
    )
    return get_order(uow, workspace_id, order_id)


def reject_order(
    uow: UnitOfWork, workspace_id: int, order_id: int, *, reason: str, actor: str = "system"
) -> PromoteOrder:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("a rejection needs a reason", field="reason")
    order = get_order(uow, workspace_id, order_id)
    _pending(order)
    ORDER.transition(order.status, OrderStatus.REJECTED)
    at = clock.now()
    won = end_order(
        uow,
        workspace_id,
        order_id,
        OrderStatus.REJECTED,
        actor=actor,
        review_status_is=ReviewStatus.PENDING.value,
        review_status=ReviewStatus.REJECTED.value,
        review_reason=reason[:500],
        reviewed_at=at,
    )
    if not won:
        current = get_order(uow, workspace_id, order_id)
        raise InvalidTransition(
            f"order {order_id} changed meanwhile ({current.status}, review {current.review_status})"
        )
    return get_order(uow, workspace_id, order_id)
