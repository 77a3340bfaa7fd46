"""Loads the facts of a product-level action (every enrollment of the products, their
activities' rules, the shops' counters and scheduled cancellations) and asks the pure plan
(``product_plan.plan``); enforces its verdicts.

Rules:
- A plan with a refusal is refused with ``BreaksOtherActivity`` (409, the refusals in words;
  nothing changed) unless ``force`` is given by an admin (owner or admin role) and every
  refusal may be forced (an immutable activity never may).
- A forced action writes one audit entry ``shop.product.<action>.forced`` naming every
  overridden enrollment, activity and verdict.
- Between a stock to zero and its delist, the enrollments stock-zeroed with it in other
  activities (not the ones its delist job was asked for) are ends waiting to happen: the
  guardrails count them like scheduled cancellations (``pending_ends``), in the preview, the
  cancel engine and this plan alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Forbidden
from promodesk.shop.domain import guardrails, product_plan
from promodesk.shop.domain.enrollments import State
from promodesk.shop.errors import BreaksOtherActivity
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service.catalog import rules_of
from promodesk.tenancy.domain import Role, at_least

MAX_ENROLLMENTS = 10_000
DELIST_JOB = "shop.delist"
_WAITING = ("queued", "running")


def pending_ends(
    uow: UnitOfWork, workspace_id: int, activity_id: int, shop_id: int, exclude: Iterable[int] = ()
) -> int:
    """Stock-zeroed enrollments of one (activity, shop) that a waiting delist will end as a
    cancellation (their product was stock-zeroed through another enrollment); ``exclude``
    (the ones being cancelled or planned now) are not counted twice."""
    repo = ShopRepository(uow)
    zeroed = set(repo.stock_zeroed_ids(workspace_id, activity_id, shop_id)) - set(exclude)
    if not zeroed:
        return 0
    own: set[int] = set()
    for payload in repo.job_payloads(workspace_id, DELIST_JOB, _WAITING):
        selected = payload.get("selected")
        if isinstance(selected, list):
            own.update(int(i) for i in selected)
        own.add(int(payload.get("enrollment_id", 0)))
    return len(zeroed - own)


def delist_at(uow: UnitOfWork, workspace_id: int, product_id: int) -> datetime | None:
    """When the product's earliest waiting delist job runs (it ends every enrollment of the
    product), or None."""
    repo = ShopRepository(uow)
    mine = set(repo.enrollment_ids(workspace_id, product_ids=[product_id]))
    runs = [
        clock.ensure_utc(at)
        for payload, at in repo.job_runs(workspace_id, DELIST_JOB, _WAITING)
        if int(payload.get("enrollment_id", 0)) in mine
    ]
    return min(runs) if runs else None


def counts(
    uow: UnitOfWork,
    workspace_id: int,
    activity_id: int,
    shop_id: int,
    exclude: Iterable[int] = (),
    counter: Any = None,
) -> guardrails.Counts:
    """The guardrail counts of one (activity, shop): the counters (``counter``: a row the
    caller locked), plus the cancellations scheduled in a window and the ends a waiting
    delist will bring, counted as if done."""
    if counter is None:
        counter = ShopRepository(uow).counter(activity_id, shop_id)
    waiting = BatchRepository(uow).scheduled_count(
        workspace_id, activity_id, shop_id
    ) + pending_ends(uow, workspace_id, activity_id, shop_id, exclude)
    if counter is None:
        return guardrails.Counts(0, 0, 0, waiting)
    return guardrails.Counts(counter.enrolled, counter.active, counter.cancelled, waiting)


def facts(
    uow: UnitOfWork,
    workspace_id: int,
    product_ids: Iterable[int],
    selected: Iterable[int] = (),
    *,
    lock: bool = False,
) -> list[product_plan.ProductFacts]:
    """Every enrollment of the products (any state, any activity) with its activity's facts.
    ``lock``: lock the guardrail counters of every (activity, shop) involved first (an action
    about to change them), in the one fixed order."""
    ids = sorted(set(product_ids))
    chosen = set(selected)
    repo = ShopRepository(uow)
    rows = repo.enrollments_of_products(workspace_id, ids, MAX_ENROLLMENTS) if ids else []
    mine = {e.id for e in rows}
    locked = repo.lock_counters({(e.activity_id, e.shop_id) for e in rows}) if lock else {}
    activities = repo.activities_by_ids(workspace_id, {e.activity_id for e in rows})
    now = clock.now()
    by_key: dict[tuple[int, int], product_plan.ActivityFacts] = {}
    for key in sorted({(e.activity_id, e.shop_id) for e in rows}):
        activity = activities[key[0]]
        by_key[key] = product_plan.ActivityFacts(
            id=activity.id,
            name=activity.name,
            rules=rules_of(activity),
            counts=counts(uow, workspace_id, *key, exclude=mine, counter=locked.get(key)),
            started=now >= clock.ensure_utc(activity.starts_at),
            ended=now >= clock.ensure_utc(activity.ends_at),
            platform_status=activity.platform_status,
        )
    return [
        product_plan.ProductFacts(
            id=p,
            enrollments=tuple(
                product_plan.EnrollmentFacts(
                    id=e.id,
                    shop_id=e.shop_id,
                    state=State(e.state),
                    previous_state=State(e.previous_state) if e.previous_state else None,
                    activity=by_key[(e.activity_id, e.shop_id)],
                    selected=e.id in chosen,
                )
                for e in rows
                if e.product_id == p
            ),
        )
        for p in ids
    ]


def plan_for(
    uow: UnitOfWork,
    workspace_id: int,
    action: product_plan.Action,
    product_ids: Iterable[int],
    selected: Iterable[int] = (),
    *,
    lock: bool = False,
) -> product_plan.Plan:
    return product_plan.plan(action, facts(uow, workspace_id, product_ids, selected, lock=lock))


def enforce(
    uow: UnitOfWork,
    workspace_id: int,
    plan: product_plan.Plan,
    *,
    force: bool,
    role: str | None,
    actor: str,
) -> list[dict[str, Any]]:
    """Refuse a plan that breaks another activity unless an admin forces it (audited).
    Returns the overridden items (empty when nothing was forced)."""
    if plan.ok:
        return []
    verb = plan.action.value.replace("_", " ")
    if not force:
        raise BreaksOtherActivity(
            f"The {verb} would break another activity's rules, so nothing was changed. "
            f"{plan.refusal_text()} An admin may force it.",
            refusals=[i.as_dict() for i in plan.refusals],
        )
    if role is None or not at_least(role, Role.ADMIN):
        raise Forbidden(f"only an admin may force a {verb} that breaks another activity's rules")
    if not plan.forceable:
        raise BreaksOtherActivity(
            f"The {verb} cannot be forced: an activity it touches is immutable. "
            f"{plan.refusal_text()}",
            refusals=[i.as_dict() for i in plan.refusals],
        )
    overridden = [i.as_dict() for i in plan.refusals]
    for product_id in sorted({i.product_id for i in plan.refusals}):
        audit.record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action=f"shop.product.{plan.action.value}.forced",
            object_type="shop_product",
            object_id=product_id,
            after={
                "overridden": [
                    {
                        "enrollment_id": o["enrollment_id"],
                        "activity_id": o["activity_id"],
                        "activity": o["activity"],
                        "verdict": o["verdict"],
                        "detail": o["detail"],
                    }
                    for o in overridden
                    if o["product_id"] == product_id
                ]
            },
        )
    return overridden
