"""Preview (dry run) of a cancel: what would happen, nothing changes. The decisions are the
cancel plan's (``domain.plan``), the same the run makes.

Per item: the stage-aware path, the linked offers that would be cancelled, or why it cannot be
cancelled (the plan's code: ``ALREADY_CANCELLED``, ``ALREADY_SCHEDULED`` when it waits in a
window batch, …). Cancellations scheduled in a window count in the guardrails as if done, and so
do the ends a waiting delist will bring to products stock-zeroed through another activity
(``product_plan.pending_ends``). Per (activity, shop): remaining count and cancel ratio after,
the guardrail verdict, the traffic share of the selected products (views and orders recorded in
the activity), the safer alternatives, and the timing choice: run now, or in the next
low-traffic window of the shop's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopActivity, ShopEnrollment
from promodesk.shop.domain import plan
from promodesk.shop.domain.plan import Refusal
from promodesk.shop.domain.window import next_window, zone
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service.batches import Selection, resolve
from promodesk.shop.service.cancel import activity_facts, guardrail_counts, item_facts

MAX_ITEMS_SHOWN = 500


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def preview(uow: UnitOfWork, workspace_id: int, selection: Selection) -> dict[str, Any]:
    """The plan of an all-or-nothing cancel (``cancel now``) of the selection, as the run would
    make it (``domain.plan``), with what the console and the CLI show beside it."""
    repo = ShopRepository(uow)
    now = clock.now()
    ids = resolve(uow, workspace_id, selection)
    enrollments = repo.enrollments_by_ids(workspace_id, ids)
    activities = repo.activities_by_ids(workspace_id, {e.activity_id for e in enrollments})
    offers: dict[int, list[int]] = defaultdict(list)
    for offer in repo.offers(ids, status="active"):
        offers[offer.enrollment_id].append(offer.id)
    waiting = BatchRepository(uow).scheduled_items(workspace_id, ids)
    facts = [
        item_facts(e.id, e, waiting=waiting[e.id][0] if e.id in waiting else None)
        for e in enrollments
    ]
    the_plan = plan.plan(
        facts,
        {a.id: activity_facts(a) for a in activities.values()},
        guardrail_counts(uow, workspace_id, facts),
        now=now,
        all_or_nothing=True,
    )
    items: list[dict[str, Any]] = []
    for e, decision in zip(enrollments, the_plan.decisions, strict=True):
        item: dict[str, Any] = {
            "enrollment_id": e.id,
            "activity_id": e.activity_id,
            "shop_id": e.shop_id,
            "product_id": e.product_id,
            "state": e.state,
            "views": e.views,
            "orders": e.orders,
        }
        if decision.refusal is Refusal.ALREADY_SCHEDULED:
            item |= {"ok": False, "code": decision.refusal.value, "batch_id": waiting[e.id][0]}
            item |= {"path": None, "offers": []}
        elif decision.refusal is not None:
            item |= {"ok": False, "code": decision.refusal.value, "path": None, "offers": []}
        else:
            assert decision.path is not None
            assert decision.target is not None
            item |= {
                "ok": True,
                "path": decision.path.value,
                "target_state": decision.target.value,
                "offers": offers[e.id],
            }
        items.append(item)
    by_id = {e.id: e for e in enrollments}
    group_views = [
        _group(uow, workspace_id, group, activities[group.activity_id], by_id, now)
        for group in the_plan.groups
    ]
    cancellable = sum(1 for i in items if i["ok"])
    return {
        "selected": len(items),
        "cancellable": cancellable,
        "offers_cancelled": sum(len(i["offers"]) for i in items if i["ok"]),
        "ok": all(g.verdict.ok for g in the_plan.groups) and cancellable > 0,
        "groups": group_views,
        "items": items[:MAX_ITEMS_SHOWN],
        "items_truncated": len(items) > MAX_ITEMS_SHOWN,
    }


def _group(
    uow: UnitOfWork,
    workspace_id: int,
    group: plan.Group,
    activity: ShopActivity,
    enrollments: dict[int, ShopEnrollment],
    now: datetime,
) -> dict[str, Any]:
    """One (activity, shop) of the preview: its verdict, the traffic share of the selected
    products, the alternatives and the timing choice."""
    repo = ShopRepository(uow)
    shop = repo.shop(workspace_id, group.shop_id)
    assert shop is not None
    views, orders = repo.traffic(workspace_id, group.activity_id)
    selected = [enrollments[i.enrollment_id] for i in group.items]
    sel_views = sum(e.views for e in selected)
    sel_orders = sum(e.orders for e in selected)
    window = next_window(
        now, shop.timezone, activity.low_traffic_start_minute, activity.low_traffic_end_minute
    )
    in_window = window.contains(now)
    return {
        "activity_id": group.activity_id,
        "activity": activity.name,
        "shop_id": group.shop_id,
        "selected": len(group.items),
        "rules": {
            "min_products": activity.min_products_per_shop,
            "max_cancel_percent": activity.max_cancel_percent,
            "immutable": activity.immutable,
        },
        "verdict": group.verdict.as_dict(),
        "allowed_without_force": group.allowed,
        "traffic": {
            "views": sel_views,
            "orders": sel_orders,
            "views_share_percent": _share(sel_views, views),
            "orders_share_percent": _share(sel_orders, orders),
        },
        "alternatives": [a.value for a in plan.safer(activity_facts(activity))],
        "timing": {
            "timezone": shop.timezone,
            "in_window_now": in_window,
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "window_start_local": window.start.astimezone(zone(shop.timezone)).isoformat(),
            "options": ["now"] if in_window else ["now", "window"],
            "recommended": "now" if in_window else "window",
        },
    }
