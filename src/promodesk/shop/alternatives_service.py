"""The seed's safer alternatives to a cancel: replace the product, stock to zero (then delist
after the activity's delay unless stock comes back), presale / a longer shipping promise.

Rules:
- Replace: the replacement is a listed product of the same shop not yet in the activity; it
  takes the slot (state, activity price, stock, per-buyer limit, presale) and the active offers;
  the old enrollment becomes ``replaced``; both are recorded. The counters do not move.
- Stock to zero: the product stays visible but cannot be bought (stock 0); the enrollment is
  ``stock_zeroed`` and remembers its stage; a delist job runs after ``delist_delay_minutes``.
  Restoring stock first returns the enrollment to its stage and the job finds nothing to do.
- Delist: the product is delisted, the enrollment leaves the activity (``delisted``), its offers
  are cancelled; it frees the slot (``active`` − 1) but is not a cancellation for the ratio.
- Presale: only where the activity allows it, with a promise ≤ its ``max_shipping_days``.
"""

from __future__ import annotations

from datetime import timedelta

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.models import ShopEnrollment
from promodesk.shop import domain, snapshots_service
from promodesk.shop.catalog_service import (
    get_activity,
    get_enrollment,
    get_product,
)
from promodesk.shop.errors import ActivityClosed, NothingToDo
from promodesk.shop.repository import ShopRepository
from promodesk.shop.settings import shop_settings

DELIST_JOB = "shop.delist"


def _open_activity(uow: UnitOfWork, ws: int, activity_id: int) -> None:
    activity = get_activity(uow, ws, activity_id)
    if activity.immutable:
        raise ActivityClosed(f"activity {activity_id} is immutable")
    if clock.now() >= activity.ends_at:
        raise ActivityClosed(f"activity {activity_id} has ended")


def replace(
    uow: UnitOfWork, ws: int, enrollment_id: int, product_id: int, *, actor: str
) -> ShopEnrollment:
    repo = ShopRepository(uow)
    old = get_enrollment(uow, ws, enrollment_id)
    _open_activity(uow, ws, old.activity_id)
    if old.state not in (domain.State.PENDING_REVIEW, domain.State.APPROVED, domain.State.LIVE):
        raise Conflict(f"enrollment {old.id} is {old.state}; only an enrolled product is replaced")
    product = get_product(uow, ws, product_id)
    if product.shop_id != old.shop_id:
        raise ValidationFailed(
            "the replacement must be a product of the same shop", field="product_id"
        )
    if product.status != "listed" or product.id == old.product_id:
        raise Conflict(f"product {product.id} cannot replace it (delisted or the same product)")
    if repo.enrollment_for(old.activity_id, product.id) is not None:
        raise Conflict(f"product {product.id} is already in activity {old.activity_id}")
    domain.check_activity_price(old.activity_price_minor, product.price_minor)
    snapshots_service.take(uow, ws, old, "replace")
    domain.transition(old.state, domain.State.REPLACED)
    new = repo.add(
        ShopEnrollment(
            workspace_id=ws,
            activity_id=old.activity_id,
            shop_id=old.shop_id,
            product_id=product.id,
            activity_price_minor=old.activity_price_minor,
            currency=old.currency,
            activity_stock=old.activity_stock,
            per_buyer_limit=old.per_buyer_limit,
            state=old.state,
            presale=old.presale,
            shipping_days=old.shipping_days,
            views=0,
            orders=0,
            replaces_id=old.id,
        )
    )
    moved = repo.move_offers(old.id, new.id)
    if (
        repo.set_state(
            [old.id], [old.state], domain.State.REPLACED, clock.now(), replaced_by_id=new.id
        )
        != 1
    ):
        raise Conflict(f"enrollment {old.id} changed meanwhile; try again")
    for subject, action in ((old.id, "replaced"), (new.id, "replacement")):
        audit.record(
            uow,
            workspace_id=ws,
            actor=actor,
            action=f"shop.enrollment.{action}",
            object_type="shop_enrollment",
            object_id=subject,
            after={"old": old.id, "new": new.id, "product_id": product.id, "offers_moved": moved},
        )
    return new


def stock_to_zero(uow: UnitOfWork, ws: int, enrollment_id: int, *, actor: str) -> ShopEnrollment:
    repo = ShopRepository(uow)
    enrollment = get_enrollment(uow, ws, enrollment_id)
    activity = get_activity(uow, ws, enrollment.activity_id)
    _open_activity(uow, ws, activity.id)
    domain.transition(enrollment.state, domain.State.STOCK_ZEROED)
    snapshots_service.take(uow, ws, enrollment, "stock_zero")
    now = clock.now()
    if (
        repo.set_state(
            [enrollment.id],
            [enrollment.state],
            domain.State.STOCK_ZEROED,
            now,
            previous_state=enrollment.state,
        )
        != 1
    ):
        raise Conflict(f"enrollment {enrollment.id} changed meanwhile; try again")
    repo.set_product_stock([enrollment.product_id], 0, now)
    job = jobs.enqueue(
        uow,
        DELIST_JOB,
        {"workspace_id": ws, "enrollment_id": enrollment.id},
        run_at=now + timedelta(minutes=activity.delist_delay_minutes),
        workspace_id=ws,
    )
    audit.record(
        uow,
        workspace_id=ws,
        actor=actor,
        action="shop.enrollment.stock_zero",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before={"state": enrollment.state},
        after={
            "state": "stock_zeroed",
            "delist_job_id": job.id,
            "delist_at": job.run_at.isoformat(),
        },
    )
    return get_enrollment(uow, ws, enrollment.id)


def restore_stock(
    uow: UnitOfWork, ws: int, product_id: int, stock: int, *, actor: str, capped: bool = True
) -> int:
    """Stock comes back: the product is purchasable again and its stock-zeroed enrollments
    return to their stage (the pending delist jobs then do nothing). Returns how many.
    A restock is at most ``PROMODESK_SHOP_MAX_RESTOCK`` units (API, console and CLI alike);
    a snapshot restore (``capped=False``) puts back what was saved."""
    if stock <= 0:
        raise ValidationFailed("restored stock must be positive", field="stock")
    limit = shop_settings().max_restock
    if capped and stock > limit:
        raise ValidationFailed(
            f"a restock adds at most {limit:,} units; {stock:,} is refused", field="stock"
        )
    repo = ShopRepository(uow)
    product = get_product(uow, ws, product_id)
    if product.status != "listed":
        raise Conflict(f"product {product_id} is delisted")
    now = clock.now()
    repo.set_product_stock([product.id], stock, now)
    zeroed = repo.enrollments(ws, product_ids=[product.id], states=["stock_zeroed"], limit=1000)
    for e in zeroed:
        target = domain.State(e.previous_state or "approved")
        if (
            target is domain.State.APPROVED
            and clock.now() >= get_activity(uow, ws, e.activity_id).starts_at
        ):
            target = domain.State.LIVE
        domain.transition(e.state, target)
        repo.set_state([e.id], ["stock_zeroed"], target, now, previous_state=None)
    audit.record(
        uow,
        workspace_id=ws,
        actor=actor,
        action="shop.product.restock",
        object_type="shop_product",
        object_id=product.id,
        after={"stock": stock, "enrollments_restored": len(zeroed)},
    )
    return len(zeroed)


def delist_if_due(uow: UnitOfWork, ws: int, enrollment_id: int) -> bool:
    """The delist job: a no-op unless the enrollment is still stock-zeroed with no stock."""
    repo = ShopRepository(uow)
    enrollment = repo.enrollment(ws, enrollment_id, lock=True)
    if enrollment is None or enrollment.state != domain.State.STOCK_ZEROED:
        return False
    product = get_product(uow, ws, enrollment.product_id)
    if product.stock > 0:
        return False
    now = clock.now()
    repo.lock_counters([(enrollment.activity_id, enrollment.shop_id)])
    if repo.set_state([enrollment.id], ["stock_zeroed"], domain.State.DELISTED, now) != 1:
        return False
    product.status = "delisted"
    offer_ids = [o.id for o in repo.offers([enrollment.id], status="active")]
    repo.set_offers(offer_ids, "cancelled", now)
    repo.bump_counter(enrollment.activity_id, enrollment.shop_id, active=-1)
    audit.record(
        uow,
        workspace_id=ws,
        actor="system",
        action="shop.enrollment.delist",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before={"state": "stock_zeroed"},
        after={"state": "delisted", "offers_cancelled": len(offer_ids)},
    )
    return True


def set_presale(
    uow: UnitOfWork, ws: int, enrollment_id: int, *, shipping_days: int, actor: str
) -> ShopEnrollment:
    enrollment = get_enrollment(uow, ws, enrollment_id)
    activity = get_activity(uow, ws, enrollment.activity_id)
    _open_activity(uow, ws, activity.id)
    if not activity.presale_allowed:
        raise ActivityClosed(f"activity {activity.id} does not allow presale")
    if not 1 <= shipping_days <= activity.max_shipping_days:
        raise ValidationFailed(
            f"the shipping promise is 1..{activity.max_shipping_days} days in this activity",
            field="shipping_days",
        )
    if enrollment.state not in domain.IN_ACTIVITY:
        raise NothingToDo(f"enrollment {enrollment.id} is {enrollment.state}")
    snapshots_service.take(uow, ws, enrollment, "presale")
    before = {"presale": enrollment.presale, "shipping_days": enrollment.shipping_days}
    enrollment.presale, enrollment.shipping_days = True, shipping_days
    uow.flush()
    audit.record(
        uow,
        workspace_id=ws,
        actor=actor,
        action="shop.enrollment.presale",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before=before,
        after={"presale": True, "shipping_days": shipping_days},
    )
    return enrollment
