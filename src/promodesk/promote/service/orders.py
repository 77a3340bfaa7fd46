"""Placing, reading, stopping promote orders (review: ``service.review``; delivery:
``service.delivery``).

Placing an order checks eligibility (every reason), the goal for the content, the budget and
duration limits and the coupon, then moves the creator's paid coins and the coupon's value
into the order's own escrow in ONE ledger entry. A LIVE order delivers at once (it is reviewed
while broadcasting); any other order waits in review. There is no pause; stop is final, and the
unspent rest returns to the wallet when the order's settlement job runs (``service.settlement``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import InsufficientFunds, NotFound, ValidationFailed
from promodesk.ledger.service import hold
from promodesk.models import PromoteContent, PromoteOrder
from promodesk.promote.domain.coupons import CouponStatus, check_coupon
from promodesk.promote.domain.eligibility import (
    ContentKind,
    check_scheduled_start,
    eligibility,
    promote_type,
    require_eligible,
)
from promodesk.promote.domain.goals import check_budget, check_goal
from promodesk.promote.domain.orders import (
    ORDER,
    OrderStatus,
    ReviewStatus,
    lifecycle,
    live_ended,
    refuse_pause,
)
from promodesk.promote.domain.settlement import SettlementStatus
from promodesk.promote.errors import CouponNotUsable
from promodesk.promote.repository.orders import PromoteRepository
from promodesk.promote.service.coupons import facts as coupon_facts
from promodesk.promote.service.coupons import get_coupon
from promodesk.promote.service.creators import (
    content_facts,
    creator_facts,
    get_content,
    get_creator,
)
from promodesk.promote.service.settlement import end_order, enqueue_end
from promodesk.promote.service.wallet import coupon_funding_account, escrow_account, wallet_account
from promodesk.promote.settings import PromoteSettings, promote_settings

GENDERS = ("all", "female", "male")
AGE_RANGES = ("18-24", "25-34", "35-44", "45-54", "55+")


def normalize_audience(audience: dict[str, Any] | None) -> dict[str, Any]:
    """``{"mode": "automatic"}`` or ``{"mode": "custom", "gender", "age_ranges", "interests"}``."""
    audience = dict(audience or {"mode": "automatic"})
    mode = audience.get("mode", "automatic")
    if mode == "automatic":
        return {"mode": "automatic"}
    if mode != "custom":
        raise ValidationFailed("audience mode is automatic or custom", field="audience.mode")
    gender = audience.get("gender", "all")
    if gender not in GENDERS:
        raise ValidationFailed(f"gender is one of {', '.join(GENDERS)}", field="audience.gender")
    ages = list(audience.get("age_ranges") or [])
    if not ages or any(a not in AGE_RANGES for a in ages):
        raise ValidationFailed(
            f"pick age ranges among {', '.join(AGE_RANGES)}", field="audience.age_ranges"
        )
    interests = [str(i).strip()[:60] for i in audience.get("interests") or [] if str(i).strip()]
    if len(interests) > 20:
        raise ValidationFailed("at most 20 interests", field="audience.interests")
    ordered = [a for a in AGE_RANGES if a in ages]
    return {"mode": "custom", "gender": gender, "age_ranges": ordered, "interests": interests}


def place_order(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    creator_id: int,
    content_id: int,
    goal: str,
    budget_coins: int,
    duration_hours: int,
    audience: dict[str, Any] | None = None,
    website_url: str | None = None,
    coupon_id: int | None = None,
    actor: str = "system",
    settings: PromoteSettings | None = None,
) -> PromoteOrder:
    limits = (settings or promote_settings()).limits()
    at = clock.now()
    creator = get_creator(uow, workspace_id, creator_id)
    content = get_content(uow, workspace_id, content_id)
    if content.creator_id != creator_id:
        raise NotFound(f"content {content_id} not found", field="content_id")
    cfacts = content_facts(content)
    require_eligible(eligibility(creator_facts(creator), cfacts, at, limits))
    chosen = check_goal(cfacts, goal, website_url)
    check_budget(budget_coins, duration_hours, limits)
    shaped = normalize_audience(audience)
    coupon_value = 0
    if coupon_id is not None:
        coupon = get_coupon(uow, workspace_id, coupon_id)
        check_coupon(coupon_facts(coupon), creator_id, budget_coins, at)
        coupon_value = coupon.value_coins
    paid = budget_coins - coupon_value
    wallet = wallet_account(uow, workspace_id, creator_id)
    if wallet.balance < paid:
        raise InsufficientFunds(
            f"the wallet holds {wallet.balance} coins; this order needs {paid} "
            f"(budget {budget_coins} − coupon {coupon_value})",
            field="budget_coins",
            balance=wallet.balance,
            needed=paid,
        )
    is_live = content.kind == ContentKind.LIVE
    order = PromoteOrder(
        workspace_id=workspace_id,
        creator_id=creator_id,
        content_id=content_id,
        content_kind=content.kind,
        promote_type=promote_type(cfacts).value,
        goal=chosen.value,
        budget_coins=budget_coins,
        duration_hours=duration_hours,
        audience=shaped,
        website_url=website_url if chosen.value == "website_visits" else None,
        coupon_id=coupon_id,
        coupon_coins=coupon_value,
        paid_coins=paid,
        status=(OrderStatus.DELIVERING if is_live else OrderStatus.IN_REVIEW).value,
        review_status=ReviewStatus.PENDING.value,
        settlement_status=SettlementStatus.UNSETTLED.value,
        created_at=at,
        updated_at=at,
        started_at=at if is_live else None,
        ends_at=at + timedelta(hours=duration_hours) if is_live else None,
    )
    repo = PromoteRepository(uow)
    repo.add(order)
    if coupon_id is not None and not repo.set_coupon_status(
        workspace_id,
        coupon_id,
        CouponStatus.AVAILABLE.value,
        CouponStatus.RESERVED.value,
        order_id=order.id,
        at=at,
    ):
        raise CouponNotUsable("this coupon was just used by another order", field="coupon_id")
    escrow = escrow_account(uow, workspace_id, order.id)
    sources = [(wallet.id, paid)]
    if coupon_value:
        sources.append((coupon_funding_account(uow, workspace_id).id, coupon_value))
    hold(
        uow,
        workspace_id,
        f"promote-order:{order.id}",
        escrow.id,
        sources,
        memo=f"promote order {order.id}: {paid} paid + {coupon_value} coupon",
    )
    order.escrow_account_id = escrow.id
    uow.flush()
    if is_live:
        enqueue_end(uow, workspace_id, order.id, order.ends_at)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.order.place",
        object_type="promote_order",
        object_id=order.id,
        after={
            "status": order.status,
            "goal": order.goal,
            "budget": budget_coins,
            "paid": paid,
            "coupon": coupon_value,
            "coupon_id": coupon_id,
        },
    )
    return order


def get_order(uow: UnitOfWork, workspace_id: int, order_id: int) -> PromoteOrder:
    order = PromoteRepository(uow).order(workspace_id, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


def list_orders(uow: UnitOfWork, workspace_id: int, **filters: Any) -> list[PromoteOrder]:
    """Filters: creator_id, statuses, goal, content_kind, review_status, created_from,
    created_to, before_id, limit (newest first)."""
    return PromoteRepository(uow).orders(workspace_id, **filters)


def stop_order(
    uow: UnitOfWork,
    workspace_id: int,
    order_id: int,
    *,
    reason: str = "",
    actor: str = "system",
) -> PromoteOrder:
    """Stop (cancel) an order in review or delivering. Final; the unspent rest returns to the
    wallet when the settlement job enqueued with the stop runs (the worker picks it up within
    moments). A stop that loses a race to a completion or rejection answers 409."""
    named = lifecycle(f"order {order_id}")
    order = get_order(uow, workspace_id, order_id)
    named.transition(order.status, OrderStatus.STOPPED)
    if not end_order(
        uow,
        workspace_id,
        order_id,
        OrderStatus.STOPPED,
        actor=actor,
        stop_reason=reason[:500] or None,
    ):
        current = get_order(uow, workspace_id, order_id)
        # raises: it ended meanwhile
        named.transition(current.status, OrderStatus.STOPPED)
    return get_order(uow, workspace_id, order_id)


def set_live_state(
    uow: UnitOfWork,
    workspace_id: int,
    content_id: int,
    *,
    on_air: bool,
    scheduled_start: datetime | None = None,
    actor: str = "system",
) -> PromoteContent:
    """Put a LIVE on or off air, or schedule its start (never in the past). When the LIVE ends,
    its open orders end with it, stopped through the order state machine as a stop is; each
    one's settlement job returns the unspent rest to the wallet, once."""
    content = get_content(uow, workspace_id, content_id)
    if content.kind != ContentKind.LIVE:
        raise ValidationFailed("only a LIVE room goes on air", field="on_air")
    check_scheduled_start(scheduled_start, clock.now())
    ended = live_ended(content.on_air, on_air, scheduled_start)
    before = {"on_air": content.on_air, "scheduled_start": str(content.scheduled_start)}
    content.on_air = on_air
    content.scheduled_start = scheduled_start
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.content.live_state",
        object_type="promote_content",
        object_id=content.id,
        before=before,
        after={"on_air": on_air, "scheduled_start": str(scheduled_start)},
    )
    if ended:
        end_live_orders(uow, workspace_id, content.id, actor=actor)
    return content


LIVE_ENDED = "the LIVE ended"


def end_live_orders(
    uow: UnitOfWork, workspace_id: int, content_id: int, *, actor: str
) -> list[int]:
    """Stop every open order of an ended LIVE; the ids of those this call ended (an order that
    ended meanwhile, by a stop, a rejection or its end time, is left as it is)."""
    ended = []
    for order_id in PromoteRepository(uow).open_order_ids_for_content(workspace_id, content_id):
        order = get_order(uow, workspace_id, order_id)
        ORDER.transition(order.status, OrderStatus.STOPPED)
        if end_order(
            uow, workspace_id, order_id, OrderStatus.STOPPED, actor=actor, stop_reason=LIVE_ENDED
        ):
            ended.append(order_id)
    return ended


def pause_order(uow: UnitOfWork, workspace_id: int, order_id: int) -> None:
    """There is no pause: always refused, with the way out (stop) in the message."""
    get_order(uow, workspace_id, order_id)
    refuse_pause()


def delivery_window(order: PromoteOrder, at: datetime) -> tuple[datetime, datetime]:
    """Start and end of an approved video order's delivery."""
    return at, at + timedelta(hours=order.duration_hours)


def hourly_series(uow: UnitOfWork, workspace_id: int, order_id: int) -> list[Any]:
    """The order's hourly spend and results, oldest first (the analytics chart)."""
    get_order(uow, workspace_id, order_id)
    return PromoteRepository(uow).hourly(workspace_id, order_id)
