"""Stock to zero, restock and delist: the seed's safer alternatives to a cancel that keep the
product (replace and presale have their own modules).

Rules:
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
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.models import ShopCancellation, ShopEnrollment, ShopProduct
from promodesk.shop.domain import product_plan
from promodesk.shop.domain.enrollments import ENROLLMENTS, Reason, State
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import product_plan as plan_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service.catalog import get_activity, get_enrollment, open_activity
from promodesk.shop.service.platform_actions import stock as platform_stock
from promodesk.shop.service.product_plan import DELIST_JOB
from promodesk.shop.service.shops import get_product
from promodesk.shop.settings import shop_settings


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
    open_activity(uow, workspace_id, activity.id)
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
    # A linked shop's product: its stock goes to zero on the platform too (verified there).
    platform = platform_stock.write_key(
        platform_stock.stock_zero(
            uow, workspace_id, get_product(uow, workspace_id, enrollment.product_id), actor=actor
        )
    )
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
            "platform_write": platform,
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
    saved_skus: dict[str, int] | None = None,
) -> int:
    """Stock comes back: the product is purchasable again and its stock-zeroed enrollments
    return to their stage (the pending delist jobs then do nothing). Returns how many.
    A restock is at most ``PROMODESK_SHOP_MAX_RESTOCK`` units (API, console and CLI alike);
    a snapshot restore (``capped=False``) puts back what was saved (``saved_skus``: the SKU
    quantities of a linked shop's product, set again on the platform)."""
    product = _restockable(uow, workspace_id, product_id, stock, capped=capped)
    repo = ShopRepository(uow)
    now = clock.now()
    repo.set_product_stock([product.id], stock, now)
    platform = platform_stock.write_key(
        platform_stock.restock(uow, workspace_id, product, stock, actor=actor, saved=saved_skus)
    )
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
        after={
            "stock": stock,
            "enrollments_restored": len(zeroed),
            "platform_write": platform,
        },
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
    # A linked shop's product: deactivated there, and out of the activities it leaves here.
    platform_stock.delist(uow, workspace_id, product, [i.activity_id for i in ending])
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
