"""The review (复盘) per activity and shop, and its CSV export.

Contents: cancellations by reason; the cancel ratio against the activity's threshold and the
average of this workspace's shops in the activity (promodesk sees no platform-wide
figures; the API field keeps its name ``platform_average_percent``); forced violations; verification
failures; products that ran short against their safety stock (the seed: keep 10-15 % of
expected sales; ``safety_stock_percent`` setting); and recommendations drawn from those facts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.shop.domain import guardrails
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.review import ReviewRepository
from promodesk.shop.service.catalog import get_activity
from promodesk.shop.service.shops import get_shop
from promodesk.shop.settings import shop_settings


def review(uow: UnitOfWork, workspace_id: int, activity_id: int, shop_id: int) -> dict[str, Any]:
    activity = get_activity(uow, workspace_id, activity_id)
    shop = get_shop(uow, workspace_id, shop_id)
    rrepo = ReviewRepository(uow)
    counter = ShopRepository(uow).counter(activity_id, shop_id)
    enrolled = counter.enrolled if counter else 0
    cancelled = counter.cancelled if counter else 0
    p_cancelled, p_enrolled = rrepo.platform_ratio(workspace_id, activity_id)
    passed, failed = rrepo.verification_counts(workspace_id, activity_id, shop_id)
    percent = shop_settings().safety_stock_percent
    shortage = rrepo.shortage_products(workspace_id, activity_id, shop_id)
    short = []
    for p in rrepo.shop_products(workspace_id, activity_id, shop_id):
        needed = -(-p.expected_sales * percent // 100)  # ceil: whole units
        if (
            p.id in shortage
            or (needed and p.safety_stock < needed)
            or (needed and p.stock < needed)
        ):
            short.append(
                {
                    "product_id": p.id,
                    "title": p.title,
                    "stock": p.stock,
                    "safety_stock": p.safety_stock,
                    "expected_sales": p.expected_sales,
                    "recommended_safety_stock": needed,
                    "cancelled_for_stock_shortage": p.id in shortage,
                }
            )
    data: dict[str, Any] = {
        "activity": {"id": activity.id, "name": activity.name},
        "shop": {"id": shop.id, "name": shop.name},
        "cancellations_by_reason": rrepo.by_reason(workspace_id, activity_id, shop_id),
        "enrolled": enrolled,
        "remaining": counter.active if counter else 0,
        "cancelled": cancelled,
        "cancel_ratio_percent": guardrails.ratio_percent(cancelled, enrolled),
        "threshold_percent": activity.max_cancel_percent,
        "platform_average_percent": guardrails.ratio_percent(p_cancelled, p_enrolled),
        "forced_violations": rrepo.forced_count(workspace_id, activity_id, shop_id),
        "verifications": {"passed": passed, "failed": failed},
        "safety_stock_percent": percent,
        "ran_short": short,
    }
    data["recommendations"] = recommendations(data)
    return data


def recommendations(data: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    reasons = data["cancellations_by_reason"]
    if reasons.get("stock_shortage") or data["ran_short"]:
        found.append(
            {
                "code": "safety_stock",
                "text": f"Keep {data['safety_stock_percent']} % "
                "of expected sales as safety stock for hot products (seed: 10-15 %).",
            }
        )
    if reasons.get("wrong_information"):
        found.append(
            {
                "code": "screen_products",
                "text": "Check prices and product details "
                "before enrolling; use a small test before promoting a product widely.",
            }
        )
    if data["cancel_ratio_percent"] >= 0.8 * data["threshold_percent"] and data["cancelled"]:
        found.append(
            {
                "code": "cancel_ratio",
                "text": "The cancel ratio is close to the "
                "activity's limit: prefer replacing a product or stock-to-zero.",
            }
        )
    if data["forced_violations"]:
        found.append(
            {
                "code": "avoid_forcing",
                "text": "Forced cancellations triggered risk "
                "control; plan enrollments so the rules need not be forced.",
            }
        )
    if data["verifications"]["failed"]:
        found.append(
            {
                "code": "verification",
                "text": "Some cancellations did not take effect; "
                "check linked coupons and discounts after every change.",
            }
        )
    if not found:
        found.append({"code": "keep_going", "text": "No problem found in this activity."})
    return found


BOM = "\ufeff"  # spreadsheet programs read UTF-8 only when the file says so


def review_csv(
    uow: UnitOfWork,
    workspace_id: int,
    activity_id: int,
    shop_id: int,
    label: Callable[[str], str] = str,
) -> str:
    """The review as CSV: UTF-8 with a byte-order mark (Excel opens it, Chinese included),
    headers and row labels through ``label`` (the console passes the member's language),
    products named by title and id. The average is over this workspace's shops in the
    activity: promodesk has no platform-wide figures."""
    data = review(uow, workspace_id, activity_id, shop_id)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([label("Section"), label("Item"), label("Figure")])
    summary = label("Summary")
    for key, text in (
        ("enrolled", "Enrolled"),
        ("remaining", "Remaining"),
        ("cancelled", "Cancelled"),
        ("cancel_ratio_percent", "Cancel ratio (%)"),
        ("threshold_percent", "Cancel limit (%)"),
        ("platform_average_percent", "Average of this workspace's shops (%)"),
        ("forced_violations", "Forced past a rule"),
    ):
        w.writerow([summary, label(text), data[key]])
    checks = label("Verifications")
    w.writerow([checks, label("Passed"), data["verifications"]["passed"]])
    w.writerow([checks, label("Failed"), data["verifications"]["failed"]])
    for reason, n in sorted(data["cancellations_by_reason"].items()):
        w.writerow([label("Cancellations by reason"), reason, n])
    titles = {p["product_id"]: p["title"] for p in data["ran_short"]}
    for p in data["ran_short"]:
        w.writerow(
            [
                label("Ran short"),
                f"{p['title']} (#{p['product_id']})",
                f"{label('stock')} {p['stock']}, {label('safety stock')} {p['safety_stock']}, "
                f"{label('recommended')} {p['recommended_safety_stock']}",
            ]
        )
    cancellations = ReviewRepository(uow).cancellations(workspace_id, activity_id, shop_id)
    titles.update(ReviewRepository(uow).titles(workspace_id, [c.product_id for c in cancellations]))
    for c in cancellations:
        w.writerow(
            [
                label("Cancellation"),
                f"{titles.get(c.product_id, '')} (#{c.product_id})".strip(),
                f"{c.created_at.isoformat()} {c.path} {c.reason_code} "
                f"forced={c.forced} restored={c.restored} {c.reason_text}".strip(),
            ]
        )
    for r in data["recommendations"]:
        w.writerow([label("Recommendation"), r["code"], r["text"]])
    return BOM + out.getvalue()
