"""Stock to zero for several enrollments at once: the console's multi-select on "My
activities", ``POST /api/v1/shop/enrollments/stock-zero`` and ``promodesk shop stock-zero 1 2 3``.

Rules:
- Each enrollment is its own step (a savepoint) through ``service.alternatives.stock_to_zero``
  (snapshot, product stock 0, the delist job after the activity's delay, audit). One that
  cannot be stock-zeroed fails with a code, its activity id and product id; the others
  succeed. It is never all or nothing.
- Codes: ``ENROLLMENT_NOT_FOUND``; ``ALREADY_STOCK_ZEROED``; ``NOT_STOCK_ZEROABLE`` (pending
  review, or the product left the activity); ``ACTIVITY_IMMUTABLE``; ``ACTIVITY_ENDED``;
  ``CHANGED_MEANWHILE`` (someone else changed it between the check and the change).
- The stock is the product's, shared by all its enrollments: the products of the call are
  planned together across every enrollment in every activity (``product_plan``). Each item
  lists them (``enrollments``, with effect and verdict). When another activity's guardrails
  would break, the whole call is refused (``BreaksOtherActivity``, 409, nothing changed)
  unless an admin forces it; forcing is audited and the answer names what was ``overridden``.
- ``check`` alone is the dry run the console shows before its confirmation.
- At most ``MAX_IDS`` enrollments per call; duplicates count once, the order is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import PromodeskError, ValidationFailed
from promodesk.models import ShopActivity, ShopEnrollment
from promodesk.shop.domain import product_plan
from promodesk.shop.domain.enrollments import ENROLLMENTS, State
from promodesk.shop.domain.plan import Refusal, activity_refusal
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import product_plan as plan_service
from promodesk.shop.service.alternatives import stock_to_zero
from promodesk.shop.service.cancel import activity_facts
from promodesk.shop.service.catalog import get_activity
from promodesk.shop.service.platform_actions.access import link_for

MAX_IDS = 1000


def _ids(enrollment_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(enrollment_ids))
    if not ids:
        raise ValidationFailed("name at least one enrollment", field="enrollment_ids")
    if len(ids) > MAX_IDS:
        raise ValidationFailed(f"at most {MAX_IDS} enrollments at once", field="enrollment_ids")
    return ids


def _refusal(e: ShopEnrollment, activity: ShopActivity, at: datetime) -> tuple[str, str] | None:
    """The enrollment's own refusal; the activity's (immutable, ended) is the cancel plan's."""
    if e.state == State.STOCK_ZEROED:
        return Refusal.ALREADY_STOCK_ZEROED.value, "the product's stock is zero already"
    if not ENROLLMENTS.can(e.state, State.STOCK_ZEROED):
        return Refusal.NOT_STOCK_ZEROABLE.value, f"the enrollment is {e.state}"
    refused = activity_refusal(activity_facts(activity), at)
    return (refused[0].value, refused[1]) if refused else None


def _item(enrollment_id: int, e: ShopEnrollment | None, **values: Any) -> dict[str, Any]:
    return {
        "enrollment_id": enrollment_id,
        "activity_id": e.activity_id if e else None,
        "shop_id": e.shop_id if e else None,
        "product_id": e.product_id if e else None,
        "state": e.state if e else None,
        "ok": True,
        "code": None,
        "detail": None,
        "delist_at": None,
        "breaks_other_activity": False,
        "enrollments": [],
        **values,
    }


def _plan(
    uow: UnitOfWork, workspace_id: int, items: list[dict[str, Any]], *, lock: bool = False
) -> product_plan.Plan:
    """One plan for every product of the items that can be stock-zeroed."""
    chosen = [i for i in items if i["ok"]]
    return plan_service.plan_for(
        uow,
        workspace_id,
        product_plan.Action.STOCK_ZERO,
        {i["product_id"] for i in chosen},
        {i["enrollment_id"] for i in chosen},
        lock=lock,
    )


def check(uow: UnitOfWork, workspace_id: int, enrollment_ids: list[int]) -> list[dict[str, Any]]:
    """Per enrollment: would stock to zero succeed now, when would the delist run, and what
    it does to every enrollment of the product (``enrollments``, ``breaks_other_activity``)."""
    items = _check(uow, workspace_id, enrollment_ids)
    plan = _plan(uow, workspace_id, items)
    for item in items:
        if item["ok"]:
            mine = [p for p in plan.items if p.product_id == item["product_id"]]
            item["enrollments"] = [p.as_dict() for p in mine]
            item["breaks_other_activity"] = any(p.blocking for p in mine)
    return items


def _check(uow: UnitOfWork, workspace_id: int, enrollment_ids: list[int]) -> list[dict[str, Any]]:
    ids = _ids(enrollment_ids)
    repo = ShopRepository(uow)
    found = {e.id: e for e in repo.enrollments_by_ids(workspace_id, ids)}
    activities = repo.activities_by_ids(workspace_id, {e.activity_id for e in found.values()})
    now = clock.now()
    items = []
    for i in ids:
        e = found.get(i)
        if e is None:
            items.append(
                _item(
                    i,
                    None,
                    ok=False,
                    code=Refusal.ENROLLMENT_NOT_FOUND.value,
                    detail="no such enrollment",
                )
            )
            continue
        activity = activities[e.activity_id]
        refused = _refusal(e, activity, now)
        if refused:
            items.append(_item(i, e, ok=False, code=refused[0], detail=refused[1]))
        else:
            delay = timedelta(minutes=activity.delist_delay_minutes)
            items.append(_item(i, e, delist_at=now + delay))
    return items


def stock_to_zero_many(
    uow: UnitOfWork,
    workspace_id: int,
    enrollment_ids: list[int],
    *,
    actor: str,
    force: bool = False,
    role: str | None = None,
) -> dict[str, Any]:
    """Stock to zero for each enrollment that allows it; per-item results. Refused as a
    whole when another activity's guardrails would break, unless an admin forces it."""
    items = check(uow, workspace_id, enrollment_ids)
    for shop_id in sorted({i["shop_id"] for i in items if i["ok"]}):
        # A linked shop whose platform waits for re-authorization: refused as a whole (409),
        # before anything changes (the platform would not follow).
        link_for(uow, workspace_id, shop_id)
    plan = _plan(uow, workspace_id, items, lock=True)
    overridden = plan_service.enforce(uow, workspace_id, plan, force=force, role=role, actor=actor)
    chosen = {i["enrollment_id"] for i in items if i["ok"]}
    for item in items:
        if not item["ok"]:
            continue
        try:
            with uow.savepoint():
                e = stock_to_zero(
                    uow,
                    workspace_id,
                    item["enrollment_id"],
                    actor=actor,
                    selected=chosen,
                    planned=True,
                )
        except PromodeskError as exc:
            # Lost a race with another change after the check: this item only fails.
            item.update(
                ok=False, code=Refusal.CHANGED_MEANWHILE.value, detail=exc.detail, delist_at=None
            )
            continue
        delay = get_activity(uow, workspace_id, e.activity_id).delist_delay_minutes
        item.update(
            state=e.state, delist_at=clock.ensure_utc(e.updated_at) + timedelta(minutes=delay)
        )
    done = sum(1 for i in items if i["ok"])
    return {"done": done, "failed": len(items) - done, "overridden": overridden, "items": items}
