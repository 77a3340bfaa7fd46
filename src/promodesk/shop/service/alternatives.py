"""The seed's safer alternatives to a cancel: replace the product, stock to zero (then delist
after the activity's delay unless stock comes back), presale / a longer shipping promise.

Rules:
- Replace: the replacement is a listed product of the same shop, in the same currency, not yet
  in the activity; it takes the slot (activity stock, per-buyer limit, presale) and the active
  offers; the old enrollment becomes ``replaced``; both are recorded. The counters do not move.
  Its activity price keeps the old *discount percentage* (rounded once, half up, to the
  currency's cash unit) unless a price is given, never above its original price. It goes to
  review (待审核) when the activity reviews replacements or price changes, else it takes the
  old stage. A preview shows all of it; the snapshot taken first restores the old product. A
  product replaced earlier in the activity (an undone replace) comes back in its own row.
- Stock to zero: the product stays visible but cannot be bought (stock 0); the enrollment is
  ``stock_zeroed`` and remembers its stage; a delist job runs after ``delist_delay_minutes``.
  Restoring stock first returns the enrollment to its stage and the job finds nothing to do.
  The stock is the product's: the action is planned across every enrollment of the product
  (``product_plan``); its other purchasable enrollments are stock-zeroed with it, and it is
  refused when another activity's guardrails would break unless an admin forces it.
- Delist: the product is delisted, the enrollment leaves the activity (``delisted``), its offers
  are cancelled; it frees the slot (``active`` − 1) but is not a cancellation for the ratio.
  The product's enrollments in other activities end too, and there they are cancellations.
- Restock: every enrollment of the product is listed with what the restock does to it.
- Presale: only where the activity allows it, with a promise ≤ its ``max_shipping_days``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.models import ShopActivity, ShopCancellation, ShopEnrollment, ShopProduct
from promodesk.shop.domain import guardrails, product_plan
from promodesk.shop.domain.enrollments import ENROLLMENTS, IN_ACTIVITY, Reason, State
from promodesk.shop.domain.replace import (
    ReplacePrice,
    discount_percent,
    replace_needs_review,
    replace_price,
)
from promodesk.shop.errors import ActivityClosed, NothingToDo
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import product_plan as plan_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service.catalog import get_activity, get_enrollment
from promodesk.shop.service.catalog import rules_of as activity_rules
from promodesk.shop.service.product_plan import DELIST_JOB
from promodesk.shop.service.shops import get_product
from promodesk.shop.settings import shop_settings

#: the stages a product is replaced from (a stock-zeroed one is restocked or delisted first)
REPLACEABLE = frozenset({State.PENDING_REVIEW, State.APPROVED, State.LIVE})


def _open_activity(uow: UnitOfWork, workspace_id: int, activity_id: int) -> None:
    activity = get_activity(uow, workspace_id, activity_id)
    if activity.immutable:
        raise ActivityClosed(
            f"activity {activity_id} is immutable",
            message=N_("The activity can no longer be changed."),
        )
    if clock.now() >= activity.ends_at:
        raise ActivityClosed(
            f"activity {activity_id} has ended", message=N_("The activity has ended.")
        )


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
    _open_activity(uow, workspace_id, old.activity_id)
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


def stock_to_zero(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment_id: int,
    *,
    actor: str,
    force: bool = False,
    role: str | None = None,
    selected: Iterable[int] = (),
    planned: bool = False,
) -> ShopEnrollment:
    """Stock to zero through one enrollment, planned across every enrollment of the product
    (``product_plan``): refused when another activity's guardrails would break unless an admin
    forces it (``service.product_plan.enforce``); the product's other purchasable enrollments are
    stock-zeroed with it. ``selected`` names the other enrollments of the same call (each is
    its own step, never zeroed as a side effect); ``planned`` means the caller enforced the
    plan already."""
    repo = ShopRepository(uow)
    enrollment = get_enrollment(uow, workspace_id, enrollment_id)
    activity = get_activity(uow, workspace_id, enrollment.activity_id)
    _open_activity(uow, workspace_id, activity.id)
    ENROLLMENTS.transition(enrollment.state, State.STOCK_ZEROED)
    chosen = {enrollment.id, *selected}
    plan = plan_service.plan_for(
        uow,
        workspace_id,
        product_plan.Action.STOCK_ZERO,
        [enrollment.product_id],
        chosen,
        lock=True,
    )
    if not planned:
        plan_service.enforce(uow, workspace_id, plan, force=force, role=role, actor=actor)
    now = clock.now()
    _zero(uow, workspace_id, enrollment, enrollment.state, now)
    # The others' snapshots keep the stock as it was (a restore puts it back).
    paused = _pause_others(uow, workspace_id, plan, enrollment.id, actor)
    repo.set_product_stock([enrollment.product_id], 0, now)
    job = jobs.enqueue(
        uow,
        DELIST_JOB,
        {"workspace_id": workspace_id, "enrollment_id": enrollment.id, "selected": sorted(chosen)},
        run_at=now + timedelta(minutes=activity.delist_delay_minutes),
        workspace_id=workspace_id,
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.enrollment.stock_zero",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before={"state": enrollment.state},
        after={
            "state": "stock_zeroed",
            "delist_job_id": job.id,
            "delist_at": job.run_at.isoformat(),
            "also_stock_zeroed": paused,
        },
    )
    return get_enrollment(uow, workspace_id, enrollment.id)


def _zero(
    uow: UnitOfWork, workspace_id: int, row: ShopEnrollment, state: str, now: datetime
) -> None:
    """Snapshot one enrollment (a restore puts its stock back), then stock-zero it by
    compare-and-set on the ``state`` it was planned from."""
    snapshots_service.take(uow, workspace_id, row, "stock_zero")
    changed = ShopRepository(uow).set_state(
        [row.id], [state], State.STOCK_ZEROED, now, previous_state=state
    )
    if changed != 1:
        raise Conflict(f"enrollment {row.id} changed meanwhile; try again")


def _pause_others(
    uow: UnitOfWork, workspace_id: int, plan: product_plan.Plan, via: int, actor: str
) -> list[int]:
    """The product's other purchasable enrollments lose the shared stock with it: they are
    stock-zeroed too (their coupon and discount cannot be used) and return on a restock."""
    now = clock.now()
    paused = []
    for item in plan.items:
        if item.selected or item.target_state is not State.STOCK_ZEROED:
            continue
        other = get_enrollment(uow, workspace_id, item.enrollment_id)
        ENROLLMENTS.transition(other.state, State.STOCK_ZEROED)
        _zero(uow, workspace_id, other, item.state, now)
        audit.record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="shop.enrollment.stock_zero",
            object_type="shop_enrollment",
            object_id=other.id,
            before={"state": item.state},
            after={"state": "stock_zeroed", "via_enrollment": via, "verdict": item.verdict.value},
        )
        paused.append(other.id)
    return paused


def _restockable(
    uow: UnitOfWork, workspace_id: int, product_id: int, stock: int, *, capped: bool
) -> ShopProduct:
    if stock <= 0:
        raise ValidationFailed(
            "restored stock must be positive",
            field="stock",
            message=N_("The new stock must be more than 0."),
        )
    limit = shop_settings().max_restock
    if capped and stock > limit:
        raise ValidationFailed(
            f"a restock adds at most {limit:,} units; {stock:,} is refused",
            field="stock",
            message=N_("A restock adds at most %(limit)s units."),
            params={"limit": f"{limit:,}"},
        )
    product = get_product(uow, workspace_id, product_id)
    if product.status != "listed":
        raise Conflict(f"product {product_id} is delisted", message=N_("The product is delisted."))
    return product


def restore_stock(
    uow: UnitOfWork,
    workspace_id: int,
    product_id: int,
    stock: int,
    *,
    actor: str,
    capped: bool = True,
) -> int:
    """Stock comes back: the product is purchasable again and its stock-zeroed enrollments
    return to their stage (the pending delist jobs then do nothing). Returns how many.
    A restock is at most ``PROMODESK_SHOP_MAX_RESTOCK`` units (API, console and CLI alike);
    a snapshot restore (``capped=False``) puts back what was saved."""
    product = _restockable(uow, workspace_id, product_id, stock, capped=capped)
    repo = ShopRepository(uow)
    now = clock.now()
    repo.set_product_stock([product.id], stock, now)
    zeroed = repo.enrollments(
        workspace_id, product_ids=[product.id], states=["stock_zeroed"], limit=1000
    )
    for e in zeroed:
        target = State(e.previous_state or "approved")
        if (
            target is State.APPROVED
            and clock.now() >= get_activity(uow, workspace_id, e.activity_id).starts_at
        ):
            target = State.LIVE
        ENROLLMENTS.transition(e.state, target)
        repo.set_state([e.id], ["stock_zeroed"], target, now, previous_state=None)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.product.restock",
        object_type="shop_product",
        object_id=product.id,
        after={"stock": stock, "enrollments_restored": len(zeroed)},
    )
    return len(zeroed)


def restock(
    uow: UnitOfWork,
    workspace_id: int,
    product_id: int,
    stock: int,
    *,
    actor: str,
    dry_run: bool = False,
) -> dict[str, Any]:
    """A restock (``restore_stock``) with its plan: every enrollment of the product, in every
    activity, with what the restock does to it (stock-zeroed ones resume their stage).
    ``dry_run``: the same checks and answer, nothing changes."""
    plan = plan_service.plan_for(uow, workspace_id, product_plan.Action.RESTOCK, [product_id])
    if dry_run:
        _restockable(uow, workspace_id, product_id, stock, capped=True)
        n = sum(1 for i in plan.items if i.effect is product_plan.Effect.RESUMES)
    else:
        n = restore_stock(uow, workspace_id, product_id, stock, actor=actor)
    return {
        "dry_run": dry_run,
        "product_id": product_id,
        "stock": stock,
        "enrollments_restored": n,
        "enrollments": [i.as_dict() for i in plan.items],
    }


def delist_if_due(
    uow: UnitOfWork, workspace_id: int, enrollment_id: int, selected: Iterable[int] | None = None
) -> bool:
    """The delist job: a no-op unless the enrollment is still stock-zeroed with no stock.

    Rules: the product is delisted and leaves every activity (``product_plan``, action
    delist): the stock-zeroed enrollments of the action (``selected``, by default the job's
    own) become ``delisted`` and free their slot; every other enrollment still in an open
    activity ends along its stage's path, its offers are cancelled, and it counts as a
    cancellation in its activity: counters (the guardrails of later previews see it) and a
    cancellation record (path ``delist``, reason ``other``) for the review."""
    repo = ShopRepository(uow)
    enrollment = repo.enrollment(workspace_id, enrollment_id, lock=True)
    if enrollment is None or enrollment.state != State.STOCK_ZEROED:
        return False
    product = get_product(uow, workspace_id, enrollment.product_id)
    if product.stock > 0:
        return False
    chosen = set(selected) if selected is not None else {enrollment.id}
    chosen.add(enrollment.id)
    plan = plan_service.plan_for(
        uow, workspace_id, product_plan.Action.DELIST, [product.id], chosen, lock=True
    )
    ending = [i for i in plan.items if i.effect is product_plan.Effect.ENDS and i.target_state]
    now = clock.now()
    product.status = "delisted"
    for item in ending:
        assert item.target_state is not None
        if repo.set_state([item.enrollment_id], [item.state], item.target_state, now) != 1:
            continue  # changed meanwhile: the product is delisted all the same
        offer_ids = [o.id for o in repo.offers([item.enrollment_id], status="active")]
        repo.set_offers(offer_ids, "cancelled", now)
        repo.bump_counter(
            item.activity_id,
            item.shop_id,
            active=-1,
            cancelled=1 if item.counts_as_cancel else 0,
        )
        if item.counts_as_cancel:
            # A cancellation of that activity, on its record too (the review counts it).
            repo.add(
                ShopCancellation(
                    workspace_id=workspace_id,
                    enrollment_id=item.enrollment_id,
                    activity_id=item.activity_id,
                    shop_id=item.shop_id,
                    product_id=item.product_id,
                    from_state=item.state.value,
                    path="delist",
                    reason_code=Reason.OTHER.value,
                    reason_text=f"the product was delisted after its stock went to zero "
                    f"through enrollment {enrollment.id}",
                    operator="system",
                    offers_cancelled=len(offer_ids),
                )
            )
        audit.record(
            uow,
            workspace_id=workspace_id,
            actor="system",
            action="shop.enrollment.delist",
            object_type="shop_enrollment",
            object_id=item.enrollment_id,
            before={"state": item.state.value},
            after={
                "state": item.target_state.value,
                "offers_cancelled": len(offer_ids),
                "counts_as_cancel": item.counts_as_cancel,
                "via_enrollment": enrollment.id,
            },
        )
    return True


def set_presale(
    uow: UnitOfWork, workspace_id: int, enrollment_id: int, *, shipping_days: int, actor: str
) -> ShopEnrollment:
    enrollment = get_enrollment(uow, workspace_id, enrollment_id)
    activity = get_activity(uow, workspace_id, enrollment.activity_id)
    _open_activity(uow, workspace_id, activity.id)
    if not activity.presale_allowed:
        raise ActivityClosed(
            f"activity {activity.id} does not allow presale",
            message=N_("This activity does not allow presale."),
        )
    if not 1 <= shipping_days <= activity.max_shipping_days:
        raise ValidationFailed(
            f"the shipping promise is 1..{activity.max_shipping_days} days in this activity",
            field="shipping_days",
            message=N_("The shipping promise is 1 to %(days)s days in this activity."),
            params={"days": activity.max_shipping_days},
        )
    if enrollment.state not in IN_ACTIVITY:
        raise NothingToDo(
            f"enrollment {enrollment.id} is {enrollment.state}",
            message=N_("Nothing to do: the product is %(state)s."),
            params={"state": enrollment.state},
        )
    snapshots_service.take(uow, workspace_id, enrollment, "presale")
    before = {"presale": enrollment.presale, "shipping_days": enrollment.shipping_days}
    enrollment.presale, enrollment.shipping_days = True, shipping_days
    uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.enrollment.presale",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before=before,
        after={"presale": True, "shipping_days": shipping_days},
    )
    return enrollment
