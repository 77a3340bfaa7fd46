"""Shop console: "My activities" (enrolled products by stage, filters, multi-select into the
cancel preview or a stock to zero of several), one enrollment with its offers, snapshots, the
safer alternatives and the remediation (compensation coupons, announcement), and the public
storefront page of a shop. Cancel, stock to zero, batches, snapshots, remediation and the review
live in the other modules of this package."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routes.shop import remediation, stock_zero
from promodesk.console.routes.shop.common import (
    ALTERNATIVES,
    BADGES,
    REASONS,
    STATES,
    activities_and_shops,
    local,
    page_zone,
    titles,
)
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import GuestVisit, Uow, ViewerVisit
from promodesk.kit import clock
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.shop.domain import guardrails, product_plan
from promodesk.shop.domain.enrollments import CANCELLABLE, PURCHASABLE, State
from promodesk.shop.domain.replace import discount_percent
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import catalog as catalog_service
from promodesk.shop.service import offers as offers_service
from promodesk.shop.service import product_plan as plan_service
from promodesk.shop.service import remediation as remediation_service
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PAGE = 50


def labels() -> dict[str, Any]:
    return {"states": STATES, "badges": BADGES, "reasons": REASONS, "alternatives": ALTERNATIVES}


def _summary(
    uow: Any, workspace_id: int, activity: Any, shop_ids: list[int]
) -> list[dict[str, Any]]:
    """Per shop of an activity: the guardrail counters against the activity's rules."""
    repo = ShopRepository(uow)
    rows = []
    for c in repo.counters_for_activity(workspace_id, activity.id):
        if shop_ids and c.shop_id not in shop_ids:
            continue
        rules = catalog_service.rules_of(activity)
        counts = guardrails.Counts(
            c.enrolled,
            c.active,
            c.cancelled,
            batch_service.scheduled_counts(uow, workspace_id, activity.id, c.shop_id),
        )
        rows.append(
            {
                "shop_id": c.shop_id,
                "enrolled": c.enrolled,
                "active": c.active,
                "cancelled": c.cancelled,
                "ratio": guardrails.ratio_percent(c.cancelled, c.enrolled),
                "allowed": guardrails.allowed_count(rules, counts),
            }
        )
    return rows


@router.get("/shop")
def my_activities(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    q = request.query_params
    activity_id = forms.optional_id(q.get("activity_id"))
    shop_id = forms.optional_id(q.get("shop_id"))
    state = q.get("state", "")
    if state and state not in STATES:
        raise ValidationFailed("unknown stage", field="state")
    after = forms.optional_id(q.get("after")) or 0
    workspace_id = visit.principal.workspace_id
    lists = activities_and_shops(uow, workspace_id)
    rows = catalog_service.list_enrollments(
        uow,
        workspace_id,
        after_id=after,
        limit=PAGE + 1,
        activity_id=activity_id,
        shop_id=shop_id,
        states=[state] if state else None,
    )
    shown = rows[:PAGE]
    names = titles(uow, workspace_id, {s.id for s in lists["shops"]})
    offers = {e.id: len(offers_service.offers(uow, workspace_id, e.id)) for e in shown}
    now = clock.now()
    activities = [a for a in lists["activities"] if activity_id in (None, a.id)]
    summaries = {
        a.id: _summary(uow, workspace_id, a, [shop_id] if shop_id else []) for a in activities
    }
    zones = {s.id: s for s in lists["shops"]}
    filters = {"activity_id": activity_id or "", "shop_id": shop_id or "", "state": state}
    next_url = None
    if len(rows) > PAGE:
        kept = "&".join(f"{k}={v}" for k, v in filters.items() if v)
        next_url = f"/shop?{kept}&after={shown[-1].id}" if kept else f"/shop?after={shown[-1].id}"
    return visit.page(
        "shop/home.html",
        rows=shown,
        names=names,
        offers=offers,
        summaries=summaries,
        # a card's times in the zone of the one shop it counts (an activity on a platform is
        # one shop's); a card of shops in different zones keeps the page's zone
        card_zones={
            a.id: zone
            for a in activities
            if (zone := page_zone([zones.get(r["shop_id"]) for r in summaries[a.id]])) != "UTC"
        },
        activity_list=activities,
        activity_names={a.id: a.name for a in lists["activities"]},
        # a platform's unlimited activity quantity (-1) is kept as 0: shown as no limit
        platform_activity_ids={a.id for a in lists["activities"] if a.platform_activity_id},
        shop_names={s.id: s.name for s in lists["shops"]},
        now=now,
        filters=filters,
        next_url=next_url,
        first_url="/shop" if after else None,
        cancellable=CANCELLABLE,
        # the zone of the shops shown (an activity on a platform is one shop's)
        zone=page_zone(
            [
                s
                for s in lists["shops"]
                if (shop_id is None or s.id == shop_id)
                and (activity_id is None or s.id in {e.shop_id for e in shown})
            ]
        ),
        **lists,
        **labels(),
    )


@router.get("/shop/enrollments/{enrollment_id}")
def enrollment_page(request: Request, visit: ViewerVisit, uow: Uow, enrollment_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    e = catalog_service.get_enrollment(uow, workspace_id, enrollment_id)
    activity = catalog_service.get_activity(uow, workspace_id, e.activity_id)
    shop = shops_service.get_shop(uow, workspace_id, e.shop_id)
    product = shops_service.get_product(uow, workspace_id, e.product_id)
    names = titles(uow, workspace_id, {shop.id})
    taken = {  # a replaced product (e.g. an undone replace) may replace again
        x.product_id
        for x in catalog_service.list_enrollments(
            uow, workspace_id, activity_id=activity.id, shop_id=shop.id, limit=10_000
        )
        if x.state != State.REPLACED
    }
    candidates = [
        p
        for p in shops_service.list_products(uow, workspace_id, shop.id, limit=500)
        if p.status == "listed" and p.id not in taken
    ]
    comps = remediation_service.compensations(uow, workspace_id, product.id)
    replacement = (
        catalog_service.get_enrollment(uow, workspace_id, e.replaced_by_id).product_id
        if e.replaced_by_id
        else None
    )
    delist_at = None
    restock_plan: list[dict[str, Any]] = []
    if e.state == State.STOCK_ZEROED:
        # The product's delist job may belong to another activity's enrollment.
        delist_at = plan_service.delist_at(uow, workspace_id, product.id) or (
            e.updated_at + timedelta(minutes=activity.delist_delay_minutes)
        )
        # The stock is shared: a restock acts on every enrollment of the product.
        restock_plan = [
            i.as_dict()
            for i in plan_service.plan_for(
                uow, workspace_id, product_plan.Action.RESTOCK, [product.id]
            ).items
        ]
    return visit.page(
        "shop/enrollment.html",
        zone=shop.timezone,
        e=e,
        activity=activity,
        shop=shop,
        product=product,
        names=names,
        offers=offers_service.offers(uow, workspace_id, e.id),
        snapshots=snapshots_service.list_snapshots(uow, workspace_id, enrollment_id=e.id, limit=50),
        candidates=candidates,
        delist_at=delist_at,
        delist_local=local(delist_at, shop.timezone),
        restock_plan=restock_plan,
        effects=stock_zero.EFFECTS,
        cancellable=e.state in CANCELLABLE,
        open_activity=not activity.immutable and clock.now() < activity.ends_at,
        # Remediation: once the product left the activity (or cannot be bought), its
        # followers may get compensation coupons and buyers an announcement.
        remediable=e.state not in PURCHASABLE | {State.PENDING_REVIEW},
        compensations=comps,
        compensation_local={c.id: local(c.valid_until, shop.timezone) for c in comps},
        followers=len(shops_service.followers(uow, workspace_id, product.id)),
        replacement=replacement,
        replace_values={
            "product_id": request.query_params.get("replace_product", "")[:20],
            "price": request.query_params.get("replace_price", "")[:40],
        },
        discount=discount_percent(e.activity_price_minor, product.price_minor),
        store=remediation.store_url(visit.principal.workspace_slug, shop.id),
        **labels(),
    )


@router.get("/store/{workspace_slug}/{shop_id}")
def storefront(visit: GuestVisit, uow: Uow, workspace_slug: str, shop_id: int) -> Response:
    """The shop's public page (no login): announcements first, then the listed products."""
    try:
        workspace_id = tenancy.get_workspace(uow, workspace_slug[:100]).id
    except NotFound:
        raise NotFound("shop not found") from None
    data = remediation_service.storefront(uow, workspace_id, shop_id)
    return visit.page("shop/storefront.html", store=data)
