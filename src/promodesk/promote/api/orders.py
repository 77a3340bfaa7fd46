"""Promote over HTTP: creators, content, coupons, orders, review, delivery batches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from promodesk.kit.pagination import after, fetch, page
from promodesk.models import PromoteContent, PromoteCoupon, PromoteCreator
from promodesk.promote.domain import delivery_parse
from promodesk.promote.schemas.orders import (
    ContentCreate,
    ContentPage,
    ContentRead,
    CouponCreate,
    CouponPage,
    CouponRead,
    CreatorCreate,
    CreatorPage,
    CreatorRead,
    CreatorUpdate,
    DeliveryBatchIn,
    DeliveryBatchRead,
    EligibilityRead,
    GoalIn,
    HourRead,
    LiveState,
    OrderCreate,
    OrderPage,
    OrderRead,
    OrderStats,
    ReasonRead,
    RejectIn,
    StopIn,
    WalletRead,
    order_read,
)
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import delivery as delivery_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service
from promodesk.promote.service.wallet import wallet_view
from promodesk.web import ApiRoute, Caller, Cursor, Instant, Limit, OptId, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/promote", tags=["promote"])


def _creator(c: PromoteCreator) -> CreatorRead:
    return CreatorRead.model_validate(c, from_attributes=True)


def _content(c: PromoteContent) -> ContentRead:
    return ContentRead.model_validate(c, from_attributes=True)


def _coupon(c: PromoteCoupon) -> CouponRead:
    read = CouponRead.model_validate(c, from_attributes=True)
    read.status = coupons_service.shown_status(c)
    return read


# creators -------------------------------------------------------------------------------------


@router.post("/creators", response_model=CreatorRead, status_code=201)
def create_creator(body: CreatorCreate, uow: Uow, caller: Writer) -> CreatorRead:
    creator = creators_service.create_creator(
        uow, caller.workspace_id, actor=caller.actor, **body.model_dump()
    )
    return _creator(creator)


@router.get("/creators", response_model=CreatorPage)
def list_creators(
    uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> CreatorPage:
    rows = creators_service.list_creators(
        uow, caller.workspace_id, after_id=after(cursor), limit=fetch(limit)
    )
    return CreatorPage(**page([_creator(c) for c in rows], limit))


@router.get("/creators/{creator_id}", response_model=CreatorRead)
def get_creator(creator_id: int, uow: Uow, caller: Caller) -> CreatorRead:
    return _creator(creators_service.get_creator(uow, caller.workspace_id, creator_id))


@router.patch("/creators/{creator_id}", response_model=CreatorRead)
def update_creator(creator_id: int, body: CreatorUpdate, uow: Uow, caller: Writer) -> CreatorRead:
    changes = body.model_dump(exclude_none=True)
    creator = creators_service.update_creator(
        uow, caller.workspace_id, creator_id, actor=caller.actor, **changes
    )
    return _creator(creator)


@router.get("/creators/{creator_id}/wallet", response_model=WalletRead)
def get_wallet(creator_id: int, uow: Uow, caller: Caller) -> WalletRead:
    creators_service.get_creator(uow, caller.workspace_id, creator_id)
    view = wallet_view(uow, caller.workspace_id, creator_id)
    return WalletRead.model_validate(view, from_attributes=True)


@router.get("/creators/{creator_id}/eligibility", response_model=EligibilityRead)
def eligibility(
    creator_id: int, uow: Uow, caller: Caller, content_id: OptId = None
) -> EligibilityRead:
    """Every failed rule, shown before payment (the same rules apply when ordering)."""
    reasons, goals, kind = creators_service.check_eligibility(
        uow, caller.workspace_id, creator_id, content_id
    )
    return EligibilityRead(
        eligible=not reasons,
        reasons=[ReasonRead(code=r.code, message=r.message) for r in reasons],
        promote_type=kind,
        allowed_goals=[g.value for g in goals],
    )


# contents -------------------------------------------------------------------------------------


@router.post("/contents", response_model=ContentRead, status_code=201)
def create_content(body: ContentCreate, uow: Uow, caller: Writer) -> ContentRead:
    data = body.model_dump()
    creator_id = data.pop("creator_id")
    content = creators_service.create_content(
        uow, caller.workspace_id, creator_id, actor=caller.actor, **data
    )
    return _content(content)


@router.get("/contents", response_model=ContentPage)
def list_contents(
    uow: Uow, caller: Caller, creator_id: OptId = None, limit: Limit = 50, cursor: Cursor = None
) -> ContentPage:
    rows = creators_service.list_contents(
        uow, caller.workspace_id, creator_id, after_id=after(cursor), limit=fetch(limit)
    )
    return ContentPage(**page([_content(c) for c in rows], limit))


@router.get("/contents/{content_id}", response_model=ContentRead)
def get_content(content_id: int, uow: Uow, caller: Caller) -> ContentRead:
    return _content(creators_service.get_content(uow, caller.workspace_id, content_id))


@router.post("/contents/{content_id}/live-state", response_model=ContentRead)
def set_live_state(content_id: int, body: LiveState, uow: Uow, caller: Writer) -> ContentRead:
    content = orders_service.set_live_state(
        uow,
        caller.workspace_id,
        content_id,
        on_air=body.on_air,
        scheduled_start=body.scheduled_start,
        actor=caller.actor,
    )
    return _content(content)


# coupons --------------------------------------------------------------------------------------


@router.post("/coupons", response_model=CouponRead, status_code=201)
def issue_coupon(body: CouponCreate, uow: Uow, caller: Writer) -> CouponRead:
    coupon = coupons_service.issue_coupon(
        uow,
        caller.workspace_id,
        body.creator_id,
        value_coins=body.value_coins,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        note=body.note,
        actor=caller.actor,
    )
    return _coupon(coupon)


@router.get("/coupons", response_model=CouponPage)
def list_coupons(
    uow: Uow, caller: Caller, creator_id: OptId = None, limit: Limit = 50, cursor: Cursor = None
) -> CouponPage:
    rows = coupons_service.list_coupons(
        uow, caller.workspace_id, creator_id, after_id=after(cursor), limit=fetch(limit)
    )
    return CouponPage(**page([_coupon(c) for c in rows], limit))


@router.get("/coupons/{coupon_id}", response_model=CouponRead)
def get_coupon(coupon_id: int, uow: Uow, caller: Caller) -> CouponRead:
    return _coupon(coupons_service.get_coupon(uow, caller.workspace_id, coupon_id))


# orders ---------------------------------------------------------------------------------------


@router.post("/orders", response_model=OrderRead, status_code=201)
def place_order(body: OrderCreate, uow: Uow, caller: Writer) -> OrderRead:
    order = orders_service.place_order(
        uow,
        caller.workspace_id,
        creator_id=body.creator_id,
        content_id=body.content_id,
        goal=body.goal,
        budget_coins=body.budget_coins,
        duration_hours=body.duration_hours,
        audience=body.audience.model_dump(),
        website_url=body.website_url,
        coupon_id=body.coupon_id,
        actor=caller.actor,
    )
    return order_read(order)


@router.get("/orders", response_model=OrderPage)
def list_orders(
    uow: Uow,
    caller: Caller,
    status: Annotated[
        list[str] | None, Query(max_length=5, description="in_review, delivering, ...")
    ] = None,
    goal: GoalIn | None = None,
    content_kind: Annotated[str | None, Query(pattern="^(video|live)$")] = None,
    review_status: Annotated[str | None, Query(pattern="^(pending|approved|rejected)$")] = None,
    creator_id: OptId = None,
    created_from: Instant = None,
    created_to: Instant = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> OrderPage:
    """Newest first; ``created_from``/``created_to`` bound the creation date."""
    rows = orders_service.list_orders(
        uow,
        caller.workspace_id,
        creator_id=creator_id,
        statuses=[s[:20] for s in status or []],
        goal=goal,
        content_kind=content_kind,
        review_status=review_status,
        created_from=created_from,
        created_to=created_to,
        before_id=after(cursor),
        limit=fetch(limit),
    )
    return OrderPage(**page([order_read(o) for o in rows], limit))


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: int, uow: Uow, caller: Caller) -> OrderRead:
    return order_read(orders_service.get_order(uow, caller.workspace_id, order_id))


@router.get("/orders/{order_id}/stats", response_model=OrderStats)
def order_stats(order_id: int, uow: Uow, caller: Caller) -> OrderStats:
    order = orders_service.get_order(uow, caller.workspace_id, order_id)
    series = orders_service.hourly_series(uow, caller.workspace_id, order_id)
    return OrderStats(
        order=order_read(order),
        series=[HourRead.model_validate(h, from_attributes=True) for h in series],
    )


@router.post("/orders/{order_id}/stop", response_model=OrderRead)
def stop_order(order_id: int, uow: Uow, caller: Writer, body: StopIn | None = None) -> OrderRead:
    """Stop (cancel) an order in review or delivering; the unspent rest returns to the wallet
    when the order's settlement job runs, moments later (``settlement_status`` turns
    ``settled``)."""
    order = orders_service.stop_order(
        uow, caller.workspace_id, order_id, reason=body.reason if body else "", actor=caller.actor
    )
    return order_read(order)


@router.post("/orders/{order_id}/pause", response_model=OrderRead)
def pause_order(order_id: int, uow: Uow, caller: Writer) -> OrderRead:
    """Always refused (409 PauseNotSupported): orders can be stopped, not paused."""
    orders_service.pause_order(uow, caller.workspace_id, order_id)
    return order_read(orders_service.get_order(uow, caller.workspace_id, order_id))


@router.get("/review-queue", response_model=OrderPage)
def review_queue(uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> OrderPage:
    rows = review_service.review_queue(
        uow, caller.workspace_id, before_id=after(cursor), limit=fetch(limit)
    )
    return OrderPage(**page([order_read(o) for o in rows], limit))


@router.post("/orders/{order_id}/approve", response_model=OrderRead)
def approve_order(order_id: int, uow: Uow, caller: Writer) -> OrderRead:
    return order_read(
        review_service.approve_order(uow, caller.workspace_id, order_id, actor=caller.actor)
    )


@router.post("/orders/{order_id}/reject", response_model=OrderRead)
def reject_order(order_id: int, body: RejectIn, uow: Uow, caller: Writer) -> OrderRead:
    order = review_service.reject_order(
        uow, caller.workspace_id, order_id, reason=body.reason, actor=caller.actor
    )
    return order_read(order)


# delivery -------------------------------------------------------------------------------------


async def _delivery_events(request: Request) -> list[delivery_parse.Event]:
    """The body parsed from bytes (same rules as ``DeliveryBatchIn``, no per-event objects)."""
    return delivery_parse.parse_batch(await request.body())


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` references inlined (for ``openapi_extra``)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return dict(walk(schema))


_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline(DeliveryBatchIn.model_json_schema())}},
    }
}


@router.post("/delivery/batches", response_model=DeliveryBatchRead, openapi_extra=_BATCH_BODY)
def delivery_batch(
    uow: Uow,
    caller: Writer,  # before the body: a caller without a key gets 401, not a parse error
    events: Annotated[list[delivery_parse.Event], Depends(_delivery_events)],
) -> DeliveryBatchRead:
    """Idempotent per event_id; spend past an order's escrow is recorded, never charged.
    The body is ``DeliveryBatchIn`` (at most 10,000 events)."""
    result = delivery_service.ingest_batch(uow, caller.workspace_id, events, actor=caller.actor)
    return DeliveryBatchRead.model_validate(result, from_attributes=True)
