"""Replace a product in an activity with a similar one, with a preview first.

Rules:
- The replacement is a listed product of the same shop, in the same currency, not yet in the
  activity; it takes the slot (activity stock, per-buyer limit, presale) and the active offers;
  the old enrollment becomes ``replaced``; both are recorded. The counters do not move.
- Its activity price keeps the old *discount percentage* (rounded once, half up, to the
  currency's cash unit) unless a price is given, never above its original price. It goes to
  review (待审核) when the activity reviews replacements or price changes, else it takes the
  old stage. A preview shows all of it; the snapshot taken first restores the old product. A
  product replaced earlier in the activity (an undone replace) comes back in its own row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, ValidationFailed
from promodesk.models import ShopActivity, ShopEnrollment, ShopProduct
from promodesk.shop.domain import guardrails
from promodesk.shop.domain.enrollments import ENROLLMENTS, IN_ACTIVITY, State
from promodesk.shop.domain.replace import (
    ReplacePrice,
    discount_percent,
    replace_needs_review,
    replace_price,
)
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service.catalog import get_activity, get_enrollment, open_activity
from promodesk.shop.service.catalog import rules_of as activity_rules
from promodesk.shop.service.platform_actions import enrollments as platform_enrollments
from promodesk.shop.service.shops import get_product

#: the stages a product is replaced from (a stock-zeroed one is restocked or delisted first)
REPLACEABLE = frozenset({State.PENDING_REVIEW, State.APPROVED, State.LIVE})


@dataclass(frozen=True)
class _ReplacePlan:
    old: ShopEnrollment
    old_product: ShopProduct
    product: ShopProduct
    activity: ShopActivity
    price: ReplacePrice
    review: bool
    state_after: State
    #: the product's own earlier row in the activity (replaced, e.g. by an undone replace):
    #: one row per activity and product, so it comes back instead of a new one
    earlier: ShopEnrollment | None


def _plan(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment_id: int,
    product_id: int,
    activity_price_minor: int | None,
) -> _ReplacePlan:
    """Load and check a replace; the one decision shared by the preview and the change."""
    repo = ShopRepository(uow)
    old = get_enrollment(uow, workspace_id, enrollment_id)
    open_activity(uow, workspace_id, old.activity_id)
    activity = get_activity(uow, workspace_id, old.activity_id)
    if old.state not in REPLACEABLE:
        raise Conflict(
            f"enrollment {old.id} is {old.state}; only an enrolled product is replaced",
            message=N_("Only a product still in the activity is replaced; this one is %(state)s."),
            params={"state": old.state},
        )
    product = get_product(uow, workspace_id, product_id)
    if product.shop_id != old.shop_id:
        raise ValidationFailed(
            "the replacement must be a product of the same shop",
            field="product_id",
            message=N_("The replacement must be a product of the same shop."),
        )
    if product.status != "listed" or product.id == old.product_id:
        raise Conflict(
            f"product {product.id} cannot replace it (delisted or the same product)",
            field="product_id",
            message=N_("This product cannot replace it: it is delisted or the same product."),
        )
    if product.currency != old.currency:
        raise ValidationFailed(
            f"the replacement is priced in {product.currency}, the activity price in "
            f"{old.currency}",
            field="product_id",
            message=N_("The replacement is priced in %(theirs)s, the activity price in %(ours)s."),
            params={"theirs": product.currency, "ours": old.currency},
        )
    earlier = repo.enrollment_for(old.activity_id, product.id)
    if earlier is not None and earlier.state != State.REPLACED:
        raise Conflict(
            f"product {product.id} is already in activity {old.activity_id}",
            field="product_id",
            message=N_("This product is already in the activity."),
        )
    old_product = get_product(uow, workspace_id, old.product_id)
    price = replace_price(
        old_product.price_minor,
        old.activity_price_minor,
        product.price_minor,
        old.currency,
        activity_price_minor,
    )
    review = replace_needs_review(
        old.state,
        activity.review_replacements,
        activity.review_price_changes,
        price.activity_price_minor != old.activity_price_minor,
    )
    state_after = State.PENDING_REVIEW if review else State(old.state)
    return _ReplacePlan(old, old_product, product, activity, price, review, state_after, earlier)


def _side(
    product: ShopProduct, activity_price_minor: int, enrollment_id: int | None
) -> dict[str, Any]:
    return {
        "enrollment_id": enrollment_id,
        "product_id": product.id,
        "title": product.title,
        "original_price_minor": product.price_minor,
        "activity_price_minor": activity_price_minor,
        "discount_percent": str(discount_percent(activity_price_minor, product.price_minor)),
        "currency": product.currency,
        "stock": product.stock,
    }


def preview_replace(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment_id: int,
    product_id: int,
    *,
    activity_price_minor: int | None = None,
) -> dict[str, Any]:
    """What a replace would do; nothing changes.

    Rules: shows the old and the new product (original price, activity price, discount %),
    where the price comes from (the kept discount or the explicit price) and its rounding,
    whether the activity's rules send the replacement to review and the stage it takes, the
    checks and the guardrail verdict of the activity and shop (a replace is no cancellation:
    the counters do not move), and every enrollment of either product (``touched``: this
    activity's slot changes hands; the others stay as they are). A refusal (another shop, a
    delisted product, a price above the original) raises exactly as the replace would."""
    plan = _plan(uow, workspace_id, enrollment_id, product_id, activity_price_minor)
    repo = ShopRepository(uow)
    old, new = plan.old, plan.product
    counter = repo.counter(old.activity_id, old.shop_id)
    counts = guardrails.Counts(
        counter.enrolled if counter else 0,
        counter.active if counter else 0,
        counter.cancelled if counter else 0,
    )
    checks = [
        {
            "rule": "activity_open",
            "ok": True,
            "blocking": True,
            "detail": "the activity is neither immutable nor ended",
            "value": None,
            "limit": None,
        },
        {
            "rule": "price_not_above_original",
            "ok": True,
            "blocking": True,
            "detail": f"{plan.price.activity_price_minor} ≤ {new.price_minor} (minor units)",
            "value": plan.price.activity_price_minor,
            "limit": new.price_minor,
        },
        {
            "rule": "stock_covers_activity_stock",
            "ok": new.stock >= old.activity_stock,
            "blocking": False,
            "detail": f"product stock {new.stock}, activity stock {old.activity_stock}",
            "value": new.stock,
            "limit": old.activity_stock,
        },
    ]
    rows = repo.enrollments(workspace_id, product_ids=[old.product_id, new.id], limit=1000)
    names = {
        a.id: a.name
        for a in repo.activities_by_ids(workspace_id, {r.activity_id for r in rows}).values()
    }
    names[plan.activity.id] = plan.activity.name
    touched: list[dict[str, Any]] = [
        {
            "activity_id": r.activity_id,
            "activity": names.get(r.activity_id, ""),
            "enrollment_id": r.id,
            "product_id": r.product_id,
            "state": r.state,
            "state_after": State.REPLACED.value if r.id == old.id else r.state,
            "activity_price_minor": r.activity_price_minor,
            "effect": "replaced" if r.id == old.id else "unchanged",
        }
        for r in rows
        if r.state in IN_ACTIVITY or r.id == old.id
    ]
    touched.append(
        {
            "activity_id": old.activity_id,
            "activity": plan.activity.name,
            "enrollment_id": plan.earlier.id if plan.earlier else None,
            "product_id": new.id,
            "state": plan.earlier.state if plan.earlier else None,
            "state_after": plan.state_after.value,
            "activity_price_minor": plan.price.activity_price_minor,
            "effect": "enrolled",
        }
    )
    return {
        "enrollment_id": old.id,
        "activity": {"id": plan.activity.id, "name": plan.activity.name},
        "old": _side(plan.old_product, old.activity_price_minor, old.id),
        "new": _side(new, plan.price.activity_price_minor, None),
        "currency": old.currency,
        "price_source": plan.price.source,
        "rounding": plan.price.rounding,
        "review": {
            "needed": plan.review,
            "review_replacements": plan.activity.review_replacements,
            "review_price_changes": plan.activity.review_price_changes,
            "price_changed": plan.price.activity_price_minor != old.activity_price_minor,
        },
        "state_before": old.state,
        "state_after": plan.state_after.value,
        "offers_moved": len(repo.offers([old.id], status="active")),
        "checks": checks,
        "guardrails": guardrails.check(activity_rules(plan.activity), counts, 0).as_dict(),
        "ok": all(c["ok"] for c in checks if c["blocking"]),
        "touched": touched,
    }


def replace(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment_id: int,
    product_id: int,
    *,
    actor: str,
    activity_price_minor: int | None = None,
) -> ShopEnrollment:
    """Replace the enrolled product (see the module's rules and ``preview_replace``).

    Rules: the activity price keeps the old discount percentage unless one is given
    (``replace_price``); the replacement goes to review (待审核) when the activity's
    rules say so (``replace_needs_review``), else takes the old stage; a snapshot of
    the old enrollment is taken first, and restoring it undoes the replace."""
    repo = ShopRepository(uow)
    plan = _plan(uow, workspace_id, enrollment_id, product_id, activity_price_minor)
    old, product = plan.old, plan.product
    snapshots_service.take(uow, workspace_id, old, "replace")
    ENROLLMENTS.transition(old.state, State.REPLACED)
    now = clock.now()
    if plan.earlier is None:
        # Two replaces racing to the same product: the unique (activity, product) row makes
        # the second a 409, never a 500.
        with uow.savepoint():
            new = repo.add(
                ShopEnrollment(
                    workspace_id=workspace_id,
                    activity_id=old.activity_id,
                    shop_id=old.shop_id,
                    product_id=product.id,
                    activity_price_minor=plan.price.activity_price_minor,
                    currency=old.currency,
                    activity_stock=old.activity_stock,
                    per_buyer_limit=old.per_buyer_limit,
                    state=plan.state_after,
                    presale=old.presale,
                    shipping_days=old.shipping_days,
                    views=0,
                    orders=0,
                    replaces_id=old.id,
                )
            )
    else:
        new = plan.earlier
        ENROLLMENTS.transition(new.state, plan.state_after)
        if (
            repo.set_state(
                [new.id],
                [State.REPLACED],
                plan.state_after,
                now,
                activity_price_minor=plan.price.activity_price_minor,
                activity_stock=old.activity_stock,
                per_buyer_limit=old.per_buyer_limit,
                presale=old.presale,
                shipping_days=old.shipping_days,
                previous_state=None,
                replaced_by_id=None,
                replaces_id=old.id,
            )
            != 1
        ):
            raise Conflict(f"enrollment {new.id} changed meanwhile; try again")
    moved = repo.move_offers(old.id, new.id)
    if repo.set_state([old.id], [old.state], State.REPLACED, now, replaced_by_id=new.id) != 1:
        raise Conflict(f"enrollment {old.id} changed meanwhile; try again")
    uow.session.refresh(new)
    # A linked shop's activity: the replacement joins it on the platform, the old one leaves.
    platform_key = platform_enrollments.replace(
        uow, workspace_id, plan.activity, (old, plan.old_product), (new, product), actor=actor
    )
    after = {
        "old": old.id,
        "new": new.id,
        "product_id": product.id,
        "offers_moved": moved,
        "activity_price_minor": plan.price.activity_price_minor,
        "price_source": plan.price.source,
        "discount_percent": str(plan.price.discount_percent),
        "state": plan.state_after.value,
        "review": plan.review,
        "platform_write": platform_key,
    }
    before = {
        "product_id": old.product_id,
        "activity_price_minor": old.activity_price_minor,
        "state": old.state,
    }
    for subject, action in ((old.id, "replaced"), (new.id, "replacement")):
        audit.record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action=f"shop.enrollment.{action}",
            object_type="shop_enrollment",
            object_id=subject,
            before=before,
            after=after,
        )
    return new
