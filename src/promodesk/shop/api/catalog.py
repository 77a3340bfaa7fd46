"""Shop catalog over HTTP: shops, team members, products, followers, activities, enrollments
and offers (cancels, alternatives and evidence: the other modules of ``shop.api``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from promodesk.kit.pagination import after, fetch, page
from promodesk.shop.domain.enrollments import parse_state
from promodesk.shop.schemas.alternatives import RestockIn, RestockOut
from promodesk.shop.schemas.catalog import (
    ActivityCreate,
    ActivityPage,
    ActivityRead,
    EnrollIn,
    EnrollmentPage,
    EnrollmentRead,
    FollowersIn,
    MemberCreate,
    MemberRead,
    OfferCreate,
    OfferRead,
    ProductCreate,
    ProductPage,
    ProductRead,
    ReviewIn,
    Rules,
    ShopCreate,
    ShopPage,
    ShopRead,
    ShopUpdate,
    TrafficIn,
)
from promodesk.shop.schemas.remediation import (
    AnnouncementIn,
    AnnouncementRead,
    CompensationIn,
    CompensationRead,
)
from promodesk.shop.service import alternatives, catalog, remediation
from promodesk.shop.service import offers as offers_service
from promodesk.shop.service import shops as shops_service
from promodesk.web import ApiRoute, Caller, Cursor, Limit, OptId, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop", tags=["shop"])
States = Annotated[list[str] | None, Query(max_length=10)]


# shops ----------------------------------------------------------------------------------------


@router.post("/shops", response_model=ShopRead, status_code=201)
def create_shop(body: ShopCreate, uow: Uow, caller: Writer) -> Any:
    return shops_service.create_shop(
        uow, caller.workspace_id, name=body.name, timezone=body.timezone, actor=caller.actor
    )


@router.get("/shops", response_model=ShopPage)
def list_shops(uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Any:
    rows = shops_service.list_shops(uow, caller.workspace_id, after(cursor) or 0, fetch(limit))
    return page(rows, limit)


@router.get("/shops/{shop_id}", response_model=ShopRead)
def get_shop(shop_id: int, uow: Uow, caller: Caller) -> Any:
    return shops_service.get_shop(uow, caller.workspace_id, shop_id)


@router.patch("/shops/{shop_id}", response_model=ShopRead)
def update_shop(shop_id: int, body: ShopUpdate, uow: Uow, caller: Writer) -> Any:
    return shops_service.update_shop(
        uow,
        caller.workspace_id,
        shop_id,
        name=body.name,
        timezone=body.timezone,
        actor=caller.actor,
    )


@router.post("/shops/{shop_id}/members", response_model=MemberRead, status_code=201)
def add_member(shop_id: int, body: MemberCreate, uow: Uow, caller: Writer) -> Any:
    return shops_service.add_member(
        uow, caller.workspace_id, shop_id, actor=caller.actor, **body.model_dump()
    )


@router.get("/shops/{shop_id}/members", response_model=list[MemberRead])
def list_members(shop_id: int, uow: Uow, caller: Caller) -> Any:
    return shops_service.members(uow, caller.workspace_id, shop_id)


@router.get("/shops/{shop_id}/storefront", response_model=dict[str, Any])
def storefront(shop_id: int, uow: Uow, caller: Caller) -> Any:
    """What buyers see: the shop's announcements and purchasable products."""
    return remediation.storefront(uow, caller.workspace_id, shop_id)


@router.post("/shops/{shop_id}/announcements", response_model=AnnouncementRead, status_code=201)
def announce(shop_id: int, body: AnnouncementIn, uow: Uow, caller: Writer) -> Any:
    return remediation.announce(
        uow,
        caller.workspace_id,
        shop_id,
        title=body.title,
        body=body.body,
        product_ids=body.product_ids,
        actor=caller.actor,
    )


@router.get("/shops/{shop_id}/announcements", response_model=list[AnnouncementRead])
def list_announcements(shop_id: int, uow: Uow, caller: Caller) -> Any:
    """The shop's announcements, newest first."""
    return remediation.announcements(uow, caller.workspace_id, shop_id)


# products -------------------------------------------------------------------------------------


@router.post("/shops/{shop_id}/products", response_model=ProductRead, status_code=201)
def create_product(shop_id: int, body: ProductCreate, uow: Uow, caller: Writer) -> Any:
    return shops_service.create_product(
        uow, caller.workspace_id, shop_id, actor=caller.actor, **body.model_dump()
    )


@router.get("/products", response_model=ProductPage)
def list_products(
    uow: Uow, caller: Caller, shop_id: OptId = None, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    rows = shops_service.list_products(
        uow, caller.workspace_id, shop_id, after(cursor) or 0, fetch(limit)
    )
    return page(rows, limit)


@router.get("/products/{product_id}", response_model=ProductRead)
def get_product(product_id: int, uow: Uow, caller: Caller) -> Any:
    return shops_service.get_product(uow, caller.workspace_id, product_id)


@router.post("/products/{product_id}/followers", response_model=dict[str, int])
def add_followers(product_id: int, body: FollowersIn, uow: Uow, caller: Writer) -> Any:
    return {
        "added": shops_service.add_followers(
            uow, caller.workspace_id, product_id, body.follower_ids
        )
    }


@router.post("/products/{product_id}/restock", response_model=RestockOut)
def restock(product_id: int, body: RestockIn, uow: Uow, caller: Writer) -> Any:
    """Stock is back: stock-zeroed enrollments return to their stage in every activity; no
    delist happens. ``enrollments`` lists every enrollment of the product with its effect;
    ``dry_run`` answers the same without changing anything."""
    return alternatives.restock(
        uow, caller.workspace_id, product_id, body.stock, actor=caller.actor, dry_run=body.dry_run
    )


@router.post(
    "/products/{product_id}/compensation", response_model=CompensationRead, status_code=201
)
def compensate(product_id: int, body: CompensationIn, uow: Uow, caller: Writer) -> Any:
    """One compensation coupon for every follower of the product, in one batch."""
    return remediation.compensate(
        uow,
        caller.workspace_id,
        product_id,
        value_minor=body.value_minor,
        valid_days=body.valid_days,
        actor=caller.actor,
    )


@router.get("/products/{product_id}/compensation", response_model=list[CompensationRead])
def list_compensations(product_id: int, uow: Uow, caller: Caller) -> Any:
    """The compensation batches already issued for the product, newest first."""
    return remediation.compensations(uow, caller.workspace_id, product_id)


# activities and enrollments -------------------------------------------------------------------


@router.post("/activities", response_model=ActivityRead, status_code=201)
def create_activity(body: ActivityCreate, uow: Uow, caller: Writer) -> Any:
    rules = body.given()
    return catalog.create_activity(
        uow,
        caller.workspace_id,
        name=body.name,
        registration_starts_at=body.registration_starts_at,
        registration_ends_at=body.registration_ends_at,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        actor=caller.actor,
        **rules,
    )


@router.get("/activities", response_model=ActivityPage)
def list_activities(uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Any:
    rows = catalog.list_activities(uow, caller.workspace_id, after(cursor) or 0, fetch(limit))
    return page(rows, limit)


@router.get("/activities/{activity_id}", response_model=ActivityRead)
def get_activity(activity_id: int, uow: Uow, caller: Caller) -> Any:
    return catalog.get_activity(uow, caller.workspace_id, activity_id)


@router.patch("/activities/{activity_id}/rules", response_model=ActivityRead)
def update_rules(activity_id: int, body: Rules, uow: Uow, caller: Writer) -> Any:
    return catalog.update_rules(
        uow, caller.workspace_id, activity_id, actor=caller.actor, **body.given()
    )


@router.post("/activities/{activity_id}/start", response_model=dict[str, int])
def start_activity(activity_id: int, uow: Uow, caller: Writer) -> Any:
    return {"live": catalog.start_activity(uow, caller.workspace_id, activity_id, caller.actor)}


@router.post(
    "/activities/{activity_id}/enrollments", response_model=EnrollmentRead, status_code=201
)
def enroll(activity_id: int, body: EnrollIn, uow: Uow, caller: Writer) -> Any:
    return catalog.enroll(
        uow,
        caller.workspace_id,
        activity_id,
        body.product_id,
        activity_price_minor=body.activity_price_minor,
        activity_stock=body.activity_stock,
        per_buyer_limit=body.per_buyer_limit,
        actor=caller.actor,
    )


@router.get("/enrollments", response_model=EnrollmentPage)
def list_enrollments(
    uow: Uow,
    caller: Caller,
    activity_id: OptId = None,
    shop_id: OptId = None,
    product_id: OptId = None,
    state: States = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    states = [parse_state(s).value for s in state] if state else None
    rows = catalog.list_enrollments(
        uow,
        caller.workspace_id,
        after_id=after(cursor) or 0,
        limit=fetch(limit),
        activity_id=activity_id,
        shop_id=shop_id,
        states=states,
        product_ids=[product_id] if product_id else None,
    )
    return page(rows, limit)


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentRead)
def get_enrollment(enrollment_id: int, uow: Uow, caller: Caller) -> Any:
    return catalog.get_enrollment(uow, caller.workspace_id, enrollment_id)


@router.post("/enrollments/{enrollment_id}/review", response_model=EnrollmentRead)
def review(enrollment_id: int, body: ReviewIn, uow: Uow, caller: Writer) -> Any:
    """The platform's review decision (待审核 → 已审核, or rejected)."""
    return catalog.review(
        uow, caller.workspace_id, enrollment_id, approve=body.approve, actor=caller.actor
    )


@router.post("/enrollments/{enrollment_id}/traffic", response_model=EnrollmentRead)
def record_traffic(enrollment_id: int, body: TrafficIn, uow: Uow, caller: Writer) -> Any:
    return offers_service.record_traffic(
        uow, caller.workspace_id, enrollment_id, views=body.views, orders=body.orders
    )


@router.post("/enrollments/{enrollment_id}/offers", response_model=OfferRead, status_code=201)
def add_offer(enrollment_id: int, body: OfferCreate, uow: Uow, caller: Writer) -> Any:
    return offers_service.add_offer(
        uow, caller.workspace_id, enrollment_id, actor=caller.actor, **body.model_dump()
    )


@router.get("/enrollments/{enrollment_id}/offers", response_model=list[OfferRead])
def list_offers(enrollment_id: int, uow: Uow, caller: Caller) -> Any:
    return offers_service.offers(uow, caller.workspace_id, enrollment_id)
