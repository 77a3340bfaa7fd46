"""Snapshots: the enrollment, its offers and recent figures saved before a change, kept,
viewable, exportable as JSON, and restorable while the activity's rules allow.

Restore rules: only a change made through promodesk (a snapshot) can be restored, once; the
activity must not have ended nor be immutable; a restored cancellation puts the enrollment back
in its stage (pending review, approved, or live once the activity started), re-activates the
offers that were active, and gives the slot back to the guardrail counters. A restored replace
puts the original product back in its stage (approved becomes live once the activity started)
with its activity price and its offers, and the replacement becomes ``replaced`` by it; the
slot only changes hands, so the counters do not move. It needs the replacement still in the
activity (pending review, approved or live), or rejected by the review (then the original takes
back the slot the rejection freed), and the original product listed.
"""

from __future__ import annotations

from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, NotFound
from promodesk.models import ShopEnrollment, ShopSnapshot
from promodesk.shop.domain.enrollments import CANCELLED, ENROLLMENTS, State, restore_target
from promodesk.shop.errors import ActivityClosed
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.repository.records import RecordRepository
from promodesk.shop.service.catalog import get_activity, rules_of
from promodesk.shop.service.platform_actions import enrollments as platform_enrollments
from promodesk.shop.service.platform_actions import stock as platform_stock
from promodesk.shop.service.shops import get_product

#: the changes a snapshot can undo
RESTORABLE = frozenset({"cancel", "stock_zero", "presale", "replace"})


def take(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment: ShopEnrollment,
    change: str,
    batch_id: int | None = None,
) -> ShopSnapshot:
    repo = ShopRepository(uow)
    product = get_product(uow, workspace_id, enrollment.product_id)
    activity = get_activity(uow, workspace_id, enrollment.activity_id)
    data: dict[str, Any] = {
        "enrollment": {
            "id": enrollment.id,
            "activity_id": enrollment.activity_id,
            "shop_id": enrollment.shop_id,
            "product_id": enrollment.product_id,
            "state": enrollment.state,
            "previous_state": enrollment.previous_state,
            "activity_price_minor": enrollment.activity_price_minor,
            "currency": enrollment.currency,
            "activity_stock": enrollment.activity_stock,
            "per_buyer_limit": enrollment.per_buyer_limit,
            "presale": enrollment.presale,
            "shipping_days": enrollment.shipping_days,
        },
        "offers": [
            {
                "id": o.id,
                "kind": o.kind,
                "title": o.title,
                "value_minor": o.value_minor,
                "percent_off": o.percent_off,
                "status": o.status,
            }
            for o in repo.offers([enrollment.id])
        ],
        "figures": {"views": enrollment.views, "orders": enrollment.orders},
        "product": {
            "title": product.title,
            "price_minor": product.price_minor,
            "stock": product.stock,
            "status": product.status,
        },
        "activity": {"name": activity.name, "rules": rules_of(activity).__dict__},
    }
    skus = platform_stock.sku_stock(uow, product)
    if skus:  # a linked shop's product: its SKUs' stock, put back on the platform by a restore
        data["product"]["skus"] = skus
    return repo.add(
        ShopSnapshot(
            workspace_id=workspace_id,
            enrollment_id=enrollment.id,
            activity_id=enrollment.activity_id,
            shop_id=enrollment.shop_id,
            product_id=enrollment.product_id,
            change=change,
            batch_id=batch_id,
            data=data,
            created_at=clock.now(),
        )
    )


def get(uow: UnitOfWork, workspace_id: int, snapshot_id: int) -> ShopSnapshot:
    snap = RecordRepository(uow).snapshot(workspace_id, snapshot_id)
    if snap is None:
        raise NotFound(f"snapshot {snapshot_id} not found")
    return snap


def list_snapshots(uow: UnitOfWork, workspace_id: int, **filters: Any) -> list[ShopSnapshot]:
    return RecordRepository(uow).snapshots(workspace_id, **filters)


def export(snap: ShopSnapshot) -> dict[str, Any]:
    """The JSON document of a snapshot (what the export route downloads)."""
    return {
        "snapshot_id": snap.id,
        "change": snap.change,
        "taken_at": snap.created_at.isoformat(),
        "batch_id": snap.batch_id,
        "restored_at": snap.restored_at.isoformat() if snap.restored_at else None,
        **snap.data,
    }


def platform_write_key(uow: UnitOfWork, workspace_id: int, snapshot_id: int) -> str | None:
    """The key of the platform write a restore of this snapshot recorded (a linked shop's
    product), or None."""
    key = f"restore:snapshot:{snapshot_id}"
    return key if PlatformRepository(uow).intents(workspace_id, f"{key}:") else None


def restore(uow: UnitOfWork, workspace_id: int, snapshot_id: int, *, actor: str) -> ShopEnrollment:
    repo = ShopRepository(uow)
    snap = get(uow, workspace_id, snapshot_id)
    if snap.restored_at is not None:
        raise Conflict(
            f"snapshot {snapshot_id} was already restored",
            message=N_("Snapshot %(id)s was already restored."),
            params={"id": snapshot_id},
        )
    activity = get_activity(uow, workspace_id, snap.activity_id)
    now = clock.now()
    if activity.immutable or now >= activity.ends_at:
        raise ActivityClosed("the activity's rules no longer allow a restore (immutable or ended)")
    enrollment = repo.enrollment(workspace_id, snap.enrollment_id, lock=True)
    if enrollment is None:
        raise NotFound(f"enrollment {snap.enrollment_id} not found")
    saved = snap.data.get("enrollment", {})
    before = {"state": enrollment.state, "presale": enrollment.presale}
    if snap.change == "cancel":
        _restore_cancel(uow, workspace_id, snap, enrollment, now >= activity.starts_at)
        # A linked shop's activity: the product goes back there with the snapshot's terms.
        platform_enrollments.restore_cancel(
            uow,
            workspace_id,
            snap,
            activity,
            get_product(uow, workspace_id, enrollment.product_id),
            actor=actor,
        )
    elif snap.change == "stock_zero":
        if enrollment.state != State.STOCK_ZEROED:
            raise Conflict(
                f"enrollment {enrollment.id} is {enrollment.state}, not stock-zeroed",
                message=N_("The product is no longer at stock zero (now: %(state)s)."),
                params={"state": enrollment.state},
            )
        from promodesk.shop.service.alternatives import restore_stock

        saved_product = snap.data.get("product", {})
        restore_stock(
            uow,
            workspace_id,
            enrollment.product_id,
            int(saved_product.get("stock", 0)),
            actor=actor,
            capped=False,
            saved_skus=saved_product.get("skus"),
        )
    elif snap.change == "replace":
        replacement = _restore_replace(
            uow, workspace_id, snap, enrollment, now >= activity.starts_at
        )
        platform_enrollments.replace(
            uow,
            workspace_id,
            activity,
            (replacement, get_product(uow, workspace_id, replacement.product_id)),
            (enrollment, get_product(uow, workspace_id, enrollment.product_id)),
            actor=actor,
            key=f"restore:snapshot:{snap.id}",
        )
    elif snap.change == "presale":
        enrollment.presale = bool(saved.get("presale"))
        enrollment.shipping_days = saved.get("shipping_days")
    else:
        raise Conflict(
            f"a {snap.change} change cannot be restored from its snapshot",
            message=N_("This change (%(change)s) cannot be restored from its snapshot."),
            params={"change": snap.change},
        )
    snap.restored_at, snap.restored_by = now, actor
    uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.snapshot.restore",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before=before,
        after={"snapshot_id": snap.id, "change": snap.change},
    )
    fresh = repo.enrollment(workspace_id, enrollment.id)
    assert fresh is not None
    return fresh


def _restore_cancel(
    uow: UnitOfWork,
    workspace_id: int,
    snap: ShopSnapshot,
    enrollment: ShopEnrollment,
    started: bool,
) -> None:
    repo = ShopRepository(uow)
    if enrollment.state not in CANCELLED:
        raise Conflict(
            f"enrollment {enrollment.id} is {enrollment.state}; nothing to restore",
            message=N_("Nothing to restore: the product is %(state)s now."),
            params={"state": enrollment.state},
        )
    target = restore_target(enrollment.state, started)
    ENROLLMENTS.transition(enrollment.state, target)
    if repo.set_state([enrollment.id], [enrollment.state], target, clock.now()) != 1:
        raise Conflict(
            f"enrollment {enrollment.id} changed meanwhile; try again",
            message=N_("The product changed meanwhile; reload the page and try again."),
        )
    offer_ids = [o["id"] for o in snap.data.get("offers", []) if o.get("status") == "active"]
    repo.set_offers(offer_ids, "active", None)
    repo.lock_counters([(enrollment.activity_id, enrollment.shop_id)])
    repo.bump_counter(enrollment.activity_id, enrollment.shop_id, active=1, cancelled=-1)
    from promodesk.shop.repository.review import ReviewRepository

    ReviewRepository(uow).mark_restored(enrollment.id, snap.batch_id)


def _restore_replace(
    uow: UnitOfWork,
    workspace_id: int,
    snap: ShopSnapshot,
    enrollment: ShopEnrollment,
    started: bool,
) -> ShopEnrollment:
    """Undo a replace; returns the replacement (now ``replaced`` by the original)."""
    repo = ShopRepository(uow)
    if enrollment.state != State.REPLACED or enrollment.replaced_by_id is None:
        raise Conflict(f"enrollment {enrollment.id} is {enrollment.state}; nothing to restore")
    replacement = repo.enrollment(workspace_id, enrollment.replaced_by_id, lock=True)
    live_states = (State.PENDING_REVIEW, State.APPROVED, State.LIVE)
    rejected = replacement is not None and replacement.state == State.REJECTED
    if replacement is None or (replacement.state not in live_states and not rejected):
        state = replacement.state if replacement else "gone"
        raise Conflict(
            f"the replacement (enrollment {enrollment.replaced_by_id}) is {state}; only a "
            "replacement still in the activity (or rejected by the review) can be undone"
        )
    if get_product(uow, workspace_id, enrollment.product_id).status != "listed":
        raise Conflict(f"product {enrollment.product_id} is delisted; it cannot come back")
    saved = State(snap.data.get("enrollment", {}).get("state", "approved"))
    target = State.LIVE if saved is State.APPROVED and started else saved
    ENROLLMENTS.transition(enrollment.state, target)
    now = clock.now()
    if rejected:
        # The review rejected the replacement and freed its slot: the original takes it back.
        repo.lock_counters([(enrollment.activity_id, enrollment.shop_id)])
        repo.bump_counter(enrollment.activity_id, enrollment.shop_id, enrolled=1, active=1)
    else:
        ENROLLMENTS.transition(replacement.state, State.REPLACED)
        if (
            repo.set_state(
                [replacement.id],
                [replacement.state],
                State.REPLACED,
                now,
                replaced_by_id=enrollment.id,
            )
            != 1
        ):
            raise Conflict(f"enrollment {replacement.id} changed meanwhile; try again")
    if repo.set_state([enrollment.id], [State.REPLACED], target, now, replaced_by_id=None) != 1:
        raise Conflict(f"enrollment {enrollment.id} changed meanwhile; try again")
    repo.move_offers(replacement.id, enrollment.id)
    return replacement
