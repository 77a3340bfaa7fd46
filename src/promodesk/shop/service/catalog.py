"""Activities, enrollments and their offers (shops and products: ``service.shops``).

Rules: a shop under a risk-control restriction may not enroll; enrolling needs the
registration window open, a listed product and a slot not taken; every change is audited in
the same unit of work and keeps the guardrail counters (enrolled, active) in step.
An activity's approved enrollments go live when it starts: a durable job (one per activity,
due at ``starts_at``) is written with the activity; approving after the start goes live at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, NotFound, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.models import (
    ShopActivity,
    ShopEnrollment,
)
from promodesk.shop.domain import guardrails
from promodesk.shop.domain.enrollments import ENROLLMENTS, State
from promodesk.shop.domain.replace import check_activity_price
from promodesk.shop.domain.window import check_minute
from promodesk.shop.errors import ActivityClosed, ShopRestricted
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service.shops import _text, get_product, get_shop

# activities -----------------------------------------------------------------------------------

START_JOB = "shop.activity.start"

RULE_FIELDS = (
    "min_products_per_shop",
    "max_cancel_percent",
    "low_traffic_start_minute",
    "low_traffic_end_minute",
    "delist_delay_minutes",
    "verification_delay_minutes",
    "penalty_days",
    "immutable",
    "presale_allowed",
    "max_shipping_days",
    "review_replacements",
    "review_price_changes",
)


def _check_rules(values: dict[str, Any]) -> None:
    for name in (
        "min_products_per_shop",
        "delist_delay_minutes",
        "verification_delay_minutes",
        "penalty_days",
        "max_shipping_days",
    ):
        if name in values and not 0 <= int(values[name]) <= 10**6:
            raise ValidationFailed(f"{name} is between 0 and 1000000", field=name)
    if "max_cancel_percent" in values and not 0 <= values["max_cancel_percent"] <= 100:
        raise ValidationFailed("max_cancel_percent is 0..100", field="max_cancel_percent")
    for name in ("low_traffic_start_minute", "low_traffic_end_minute"):
        if name in values:
            check_minute(int(values[name]), name)


def create_activity(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    name: str,
    registration_starts_at: datetime,
    registration_ends_at: datetime,
    starts_at: datetime,
    ends_at: datetime,
    actor: str = "system",
    **rules: Any,
) -> ShopActivity:
    unknown = set(rules) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown rule {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    _check_rules(rules)
    times = [
        clock.ensure_utc(t)
        for t in (registration_starts_at, registration_ends_at, starts_at, ends_at)
    ]
    if not (times[0] <= times[1] and times[2] < times[3] and times[0] <= times[2]):
        raise ValidationFailed(
            "need registration start ≤ registration end, registration start ≤ start < end",
            field="starts_at",
        )
    activity = ShopRepository(uow).add(
        ShopActivity(
            workspace_id=workspace_id,
            name=_text(name, "name"),
            registration_starts_at=times[0],
            registration_ends_at=times[1],
            starts_at=times[2],
            ends_at=times[3],
            **{k: rules.get(k, ShopActivity.__table__.c[k].default.arg) for k in RULE_FIELDS},
        )
    )
    # The start time cannot change after creation (no update path), so one job per activity
    # suffices; should it become editable, the job re-reads starts_at and waits for it.
    jobs.enqueue(
        uow,
        START_JOB,
        {"workspace_id": workspace_id, "activity_id": activity.id},
        run_at=activity.starts_at,
        dedupe_key=f"{START_JOB}:{activity.id}",
        workspace_id=workspace_id,
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.activity.create",
        object_type="shop_activity",
        object_id=activity.id,
        after={"name": activity.name, **{k: getattr(activity, k) for k in RULE_FIELDS}},
    )
    return activity


def get_activity(uow: UnitOfWork, workspace_id: int, activity_id: int) -> ShopActivity:
    activity = ShopRepository(uow).activity(workspace_id, activity_id)
    if activity is None:
        raise NotFound(f"activity {activity_id} not found")
    return activity


def list_activities(
    uow: UnitOfWork, workspace_id: int, after_id: int = 0, limit: int = 50
) -> list[ShopActivity]:
    return ShopRepository(uow).activities(workspace_id, after_id, limit)


def update_rules(
    uow: UnitOfWork, workspace_id: int, activity_id: int, *, actor: str = "system", **rules: Any
) -> ShopActivity:
    activity = get_activity(uow, workspace_id, activity_id)
    unknown = set(rules) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown rule {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    _check_rules(rules)
    before = {k: getattr(activity, k) for k in rules}
    for key, value in rules.items():
        setattr(activity, key, value)
    uow.flush()
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.activity.rules",
        object_type="shop_activity",
        object_id=activity.id,
        before=before,
        after=rules,
    )
    return activity


def rules_of(activity: ShopActivity) -> guardrails.Rules:
    return guardrails.Rules(
        activity.min_products_per_shop, activity.max_cancel_percent, activity.immutable
    )


def started(activity: ShopActivity, at: datetime | None = None) -> bool:
    return (at or clock.now()) >= activity.starts_at


def ended(activity: ShopActivity, at: datetime | None = None) -> bool:
    return (at or clock.now()) >= activity.ends_at


# enrollments --------------------------------------------------------------------------------


def enroll(
    uow: UnitOfWork,
    workspace_id: int,
    activity_id: int,
    product_id: int,
    *,
    activity_price_minor: int,
    activity_stock: int,
    per_buyer_limit: int = 0,
    actor: str = "system",
    ignore_registration_window: bool = False,
) -> ShopEnrollment:
    repo = ShopRepository(uow)
    activity = get_activity(uow, workspace_id, activity_id)
    now = clock.now()
    open_ = activity.registration_starts_at <= now < activity.registration_ends_at
    if not open_ and not ignore_registration_window:
        raise ActivityClosed(f"registration of activity {activity.id} is not open")
    product = get_product(uow, workspace_id, product_id)
    shop = get_shop(uow, workspace_id, product.shop_id)
    if shop.restricted_until is not None and shop.restricted_until > now:
        raise ShopRestricted(
            f"shop {shop.id} is restricted by risk control until "
            f"{shop.restricted_until.isoformat()}",
            restricted_until=shop.restricted_until.isoformat(),
        )
    if product.status != "listed":
        raise Conflict(f"product {product.id} is delisted", field="product_id")
    if activity_price_minor < 0 or activity_stock < 0 or per_buyer_limit < 0:
        raise ValidationFailed("price, stock and limit cannot be negative")
    check_activity_price(activity_price_minor, product.price_minor)
    if repo.enrollment_for(activity_id, product_id) is not None:
        raise Conflict(f"product {product_id} is already enrolled in activity {activity_id}")
    enrollment = repo.add(
        ShopEnrollment(
            workspace_id=workspace_id,
            activity_id=activity_id,
            shop_id=shop.id,
            product_id=product.id,
            activity_price_minor=activity_price_minor,
            currency=product.currency,
            activity_stock=activity_stock,
            per_buyer_limit=per_buyer_limit,
            state=State.PENDING_REVIEW,
            views=0,
            orders=0,
            presale=False,
        )
    )
    repo.ensure_counter(workspace_id, activity_id, shop.id)
    repo.bump_counter(activity_id, shop.id, enrolled=1, active=1)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.enrollment.create",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        after={"activity_id": activity_id, "product_id": product_id, "state": enrollment.state},
    )
    return enrollment


def get_enrollment(uow: UnitOfWork, workspace_id: int, enrollment_id: int) -> ShopEnrollment:
    enrollment = ShopRepository(uow).enrollment(workspace_id, enrollment_id)
    if enrollment is None:
        raise NotFound(f"enrollment {enrollment_id} not found")
    return enrollment


def list_enrollments(
    uow: UnitOfWork, workspace_id: int, *, after_id: int = 0, limit: int = 50, **filters: Any
) -> list[ShopEnrollment]:
    return ShopRepository(uow).enrollments(workspace_id, after_id=after_id, limit=limit, **filters)


def review(
    uow: UnitOfWork, workspace_id: int, enrollment_id: int, *, approve: bool, actor: str = "system"
) -> ShopEnrollment:
    """The platform's review: 待审核 → 已审核 (or rejected, which frees the slot); approved
    once the activity has started, the enrollment goes on to 已开始 live at once."""
    repo = ShopRepository(uow)
    enrollment = get_enrollment(uow, workspace_id, enrollment_id)
    target = ENROLLMENTS.transition(enrollment.state, State.APPROVED if approve else State.REJECTED)
    if target is State.APPROVED and started(
        get_activity(uow, workspace_id, enrollment.activity_id)
    ):
        target = ENROLLMENTS.transition(target, State.LIVE)
    if repo.set_state([enrollment.id], [enrollment.state], target, clock.now()) != 1:
        raise Conflict(f"enrollment {enrollment_id} changed meanwhile; try again")
    if target is State.REJECTED:
        repo.bump_counter(enrollment.activity_id, enrollment.shop_id, enrolled=-1, active=-1)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.enrollment.approved" if approve else "shop.enrollment.rejected",
        object_type="shop_enrollment",
        object_id=enrollment.id,
        before={"state": enrollment.state},
        after={"state": target.value},
    )
    uow.session.refresh(enrollment)
    return enrollment


def start_activity(
    uow: UnitOfWork, workspace_id: int, activity_id: int, actor: str = "system"
) -> int:
    """已审核 → 已开始 for every approved enrollment once the activity has started. Running it
    again moves nothing and records nothing."""
    activity = get_activity(uow, workspace_id, activity_id)
    if not started(activity):
        raise ActivityClosed(f"activity {activity_id} starts at {activity.starts_at.isoformat()}")
    moved = ShopRepository(uow).start_activity(workspace_id, activity_id, clock.now())
    if moved == 0:
        return 0
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.activity.start",
        object_type="shop_activity",
        object_id=activity_id,
        after={"live": moved},
    )
    return moved


def start_when_due(uow: UnitOfWork, workspace_id: int, activity_id: int) -> datetime | None:
    """The start job: start the activity if it has started; else the time to try again (the
    clock or the start time moved). A missing activity is nothing to do."""
    activity = ShopRepository(uow).activity(workspace_id, activity_id)
    if activity is None:
        return None
    if not started(activity):
        return activity.starts_at
    start_activity(uow, workspace_id, activity_id)
    return None


def open_activity(uow: UnitOfWork, workspace_id: int, activity_id: int) -> None:
    """Refuse a change to an immutable or ended activity (``ActivityClosed``)."""
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
