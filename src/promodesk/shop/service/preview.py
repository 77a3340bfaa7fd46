"""Preview (dry run) of a cancel: what would happen, nothing changes.

Per item: the stage-aware path, the linked offers that would be cancelled, or why it cannot be
cancelled (``ALREADY_SCHEDULED`` when it waits in a window batch). Cancellations scheduled in a
window count in the guardrails as if done, and so do the ends a waiting delist will bring to
products stock-zeroed through another activity (``product_plan.pending_ends``). Per (activity,
shop): remaining count and cancel ratio after, the guardrail verdict, the traffic share of the
selected products (views and orders recorded in the activity), the safer alternatives, and the
timing choice: run now, or in the next low-traffic window of the shop's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.shop.domain import guardrails
from promodesk.shop.domain.enrollments import CANCELLABLE, cancel_path
from promodesk.shop.domain.window import next_window, zone
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import product_plan
from promodesk.shop.service.batches import Selection, resolve
from promodesk.shop.service.catalog import rules_of

MAX_ITEMS_SHOWN = 500


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def preview(uow: UnitOfWork, ws: int, selection: Selection) -> dict[str, Any]:
    repo = ShopRepository(uow)
    now = clock.now()
    ids = resolve(uow, ws, selection)
    enrollments = repo.enrollments_by_ids(ws, ids)
    activities = repo.activities_by_ids(ws, {e.activity_id for e in enrollments})
    offers: dict[int, list[int]] = defaultdict(list)
    for offer in repo.offers(ids, status="active"):
        offers[offer.enrollment_id].append(offer.id)
    brepo = BatchRepository(uow)
    waiting = brepo.scheduled_items(ws, ids)
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    items: list[dict[str, Any]] = []
    for e in enrollments:
        activity = activities[e.activity_id]
        item: dict[str, Any] = {
            "enrollment_id": e.id,
            "activity_id": e.activity_id,
            "shop_id": e.shop_id,
            "product_id": e.product_id,
            "state": e.state,
            "views": e.views,
            "orders": e.orders,
        }
        if e.state not in CANCELLABLE:
            item |= {"ok": False, "code": "NOT_CANCELLABLE", "path": None, "offers": []}
        elif now >= activity.ends_at:
            item |= {"ok": False, "code": "ACTIVITY_ENDED", "path": None, "offers": []}
        elif e.id in waiting:
            item |= {
                "ok": False,
                "code": "ALREADY_SCHEDULED",
                "batch_id": waiting[e.id][0],
                "path": None,
                "offers": [],
            }
        else:
            path, target = cancel_path(e.state, now >= activity.starts_at)
            item |= {
                "ok": True,
                "path": path.value,
                "target_state": target.value,
                "offers": offers[e.id],
            }
            groups[(e.activity_id, e.shop_id)].append(e)
        items.append(item)
    shops = {s_id: repo.shop(ws, s_id) for s_id in {k[1] for k in groups}}
    group_views = []
    all_ok = True
    for (activity_id, shop_id), group in sorted(groups.items()):
        activity, shop = activities[activity_id], shops[shop_id]
        assert shop is not None
        counter = repo.counter(activity_id, shop_id)
        # scheduled cancellations and the ends a waiting delist brings count as if done
        scheduled = brepo.scheduled_count(ws, activity_id, shop_id) + product_plan.pending_ends(
            uow, ws, activity_id, shop_id, exclude={e.id for e in group}
        )
        counts = (
            guardrails.Counts(counter.enrolled, counter.active, counter.cancelled, scheduled)
            if counter
            else guardrails.Counts(0, 0, 0, scheduled)
        )
        verdict = guardrails.check(rules_of(activity), counts, len(group))
        all_ok = all_ok and verdict.ok
        views, orders = repo.traffic(ws, activity_id)
        sel_views = sum(e.views for e in group)
        sel_orders = sum(e.orders for e in group)
        window = next_window(
            now, shop.timezone, activity.low_traffic_start_minute, activity.low_traffic_end_minute
        )
        in_window = window.contains(now)
        group_views.append(
            {
                "activity_id": activity_id,
                "activity": activity.name,
                "shop_id": shop_id,
                "selected": len(group),
                "rules": {
                    "min_products": activity.min_products_per_shop,
                    "max_cancel_percent": activity.max_cancel_percent,
                    "immutable": activity.immutable,
                },
                "verdict": verdict.as_dict(),
                "allowed_without_force": guardrails.allowed_count(rules_of(activity), counts),
                "traffic": {
                    "views": sel_views,
                    "orders": sel_orders,
                    "views_share_percent": _share(sel_views, views),
                    "orders_share_percent": _share(sel_orders, orders),
                },
                "alternatives": [
                    a.value
                    for a in guardrails.alternatives(activity.presale_allowed, activity.immutable)
                ],
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
        )
    cancellable = sum(1 for i in items if i["ok"])
    return {
        "selected": len(items),
        "cancellable": cancellable,
        "offers_cancelled": sum(len(i["offers"]) for i in items if i["ok"]),
        "ok": all_ok and cancellable > 0,
        "groups": group_views,
        "items": items[:MAX_ITEMS_SHOWN],
        "items_truncated": len(items) > MAX_ITEMS_SHOWN,
    }
