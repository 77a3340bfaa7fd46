"""The cancel engine: one chunk of a cancel, set-based, in the caller's unit of work.

Per chunk, in this order:
1. lock the guardrail counters of every (activity, shop) in the chunk (fixed order), then read
   the enrollments (so the states seen are the ones the lock protects);
2. per item: refuse what cannot be cancelled (state, immutable or ended activity) with a code;
   per (activity, shop): let through at most as many as the guardrails allow (all of them when
   forced by an admin: a risk-control event and the penalty are recorded instead);
3. snapshot (enrollment + active offers + figures) → compare-and-set the enrollments to their
   stage's target state → cancel their linked offers → cancellations → counters (guarded
   compare-and-set) → items done/failed (compare-and-set pending → final) → audit events.
All of it commits together, so an item is either fully cancelled with its evidence or untouched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict
from promodesk.models import ShopActivity, ShopBatch, ShopRiskEvent
from promodesk.shop.domain import guardrails
from promodesk.shop.domain.batches import ItemStatus
from promodesk.shop.domain.enrollments import CANCELLABLE, CANCELLED, ENROLLMENTS, cancel_path
from promodesk.shop.errors import GuardrailViolation
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import product_plan
from promodesk.shop.service.catalog import rules_of

Key = tuple[int, int]  # (activity_id, shop_id)


@dataclass
class ChunkResult:
    done: list[int] = field(default_factory=list)  # enrollment ids
    failed: list[dict[str, Any]] = field(default_factory=list)
    forced: list[dict[str, Any]] = field(default_factory=list)
    offers_cancelled: int = 0


def error(
    code: str, activity_id: int, product_id: int, enrollment_id: int, detail: str
) -> dict[str, Any]:
    """A per-item error: a code with the activity id and product id, as the seed asks."""
    return {
        "code": code,
        "activity_id": activity_id,
        "product_id": product_id,
        "enrollment_id": enrollment_id,
        "detail": detail,
    }


def _snapshot_data(row: Any, offers: list[Any], activity: ShopActivity) -> dict[str, Any]:
    return {
        "enrollment": {
            "id": row.id,
            "activity_id": row.activity_id,
            "shop_id": row.shop_id,
            "product_id": row.product_id,
            "state": row.state,
            "previous_state": row.previous_state,
            "activity_price_minor": row.activity_price_minor,
            "currency": row.currency,
            "activity_stock": row.activity_stock,
            "per_buyer_limit": row.per_buyer_limit,
            "presale": bool(row.presale),
            "shipping_days": row.shipping_days,
        },
        "offers": [
            {
                "id": o.id,
                "kind": o.kind,
                "title": o.title,
                "value_minor": o.value_minor,
                "percent_off": o.percent_off,
                "status": "active",
            }
            for o in offers
        ],
        "figures": {"views": row.views, "orders": row.orders},
        "product": {
            "title": row.title,
            "price_minor": row.price_minor,
            "stock": row.stock,
            "status": row.product_status,
        },
        "activity": {"name": activity.name, "rules": rules_of(activity).__dict__},
    }


def process_items(
    uow: UnitOfWork,
    ws: int,
    batch: ShopBatch,
    items: list[Any],
    at: datetime,
    *,
    actor: str,
    admin: bool,
) -> ChunkResult:
    """Cancel the enrollments of ``items`` (rows with id, enrollment_id, activity_id,
    product_id). Raises ``GuardrailViolation`` for an all-or-nothing batch that would break a
    rule (nothing written); otherwise finishes every item as done or failed."""
    repo, brepo = ShopRepository(uow), BatchRepository(uow)
    result = ChunkResult()
    if not items:
        return result
    details = {r.id: r for r in brepo.chunk_details([i.enrollment_id for i in items])}
    keys = {(r.activity_id, r.shop_id) for r in details.values()}
    counters = repo.lock_counters(keys)
    details = {r.id: r for r in brepo.chunk_details(list(details))}  # fresh, under the locks
    activities = repo.activities_by_ids(ws, [k[0] for k in keys])
    force = bool(batch.force) and admin

    eligible: dict[Key, list[Any]] = defaultdict(list)
    failed_items: list[tuple[int, dict[str, Any]]] = []
    for item in items:
        row = details.get(item.enrollment_id)
        if row is None:
            failed_items.append(
                (
                    item.id,
                    error(
                        "ENROLLMENT_NOT_FOUND",
                        item.activity_id,
                        item.product_id,
                        item.enrollment_id,
                        "the enrollment no longer exists",
                    ),
                )
            )
            continue
        activity = activities[row.activity_id]
        code = None
        if row.state not in CANCELLABLE:
            code = (
                ("ALREADY_CANCELLED" if row.state in CANCELLED else "NOT_CANCELLABLE"),
                f"the enrollment is {row.state}",
            )
        elif activity.immutable and not batch.all_or_nothing:
            code = "ACTIVITY_IMMUTABLE", "the activity is immutable"
        elif at >= activity.ends_at:
            code = "ACTIVITY_ENDED", "the activity has ended"
        if code:
            failed_items.append(
                (item.id, error(code[0], row.activity_id, row.product_id, row.id, code[1]))
            )
            continue
        eligible[(row.activity_id, row.shop_id)].append((item, row))

    accepted: list[tuple[Any, Any]] = []
    violations: list[dict[str, Any]] = []
    for key, group in sorted(eligible.items()):
        counter = counters.get(key)
        # scheduled cancellations and the ends a waiting delist brings count as if done
        scheduled = brepo.scheduled_count(ws, key[0], key[1]) + product_plan.pending_ends(
            uow, ws, key[0], key[1], exclude={row.id for _item, row in group}
        )
        counts = (
            guardrails.Counts(counter.enrolled, counter.active, counter.cancelled, scheduled)
            if counter
            else guardrails.Counts(0, 0, 0, scheduled)
        )
        rules = rules_of(activities[key[0]])
        verdict = guardrails.check(rules, counts, len(group))
        if verdict.ok or (force and not rules.immutable):
            accepted.extend(group)
            if not verdict.ok:
                result.forced.append(
                    {"activity_id": key[0], "shop_id": key[1], "verdict": verdict.as_dict()}
                )
            continue
        if batch.all_or_nothing:
            violations.append(
                {"activity_id": key[0], "shop_id": key[1], "verdict": verdict.as_dict()}
            )
            continue
        allowed = guardrails.allowed_count(rules, counts)
        accepted.extend(group[:allowed])
        over = guardrails.check(rules, counts, allowed + 1).violations
        over_code = "GUARDRAIL_" + (over[0].rule.value.upper() if over else "REFUSED")
        for item, row in group[allowed:]:
            failed_items.append(
                (
                    item.id,
                    error(
                        over_code,
                        row.activity_id,
                        row.product_id,
                        row.id,
                        over[0].detail if over else "refused",
                    ),
                )
            )
    if violations:
        activity = activities[violations[0]["activity_id"]]
        raise GuardrailViolation(
            "the cancel would break an activity rule; nothing was changed",
            violations=violations,
            alternatives=[
                a.value
                for a in guardrails.alternatives(activity.presale_allowed, activity.immutable)
            ],
            can_force=not activity.immutable,
        )
    _apply(uow, ws, batch, accepted, activities, at, actor, result)
    for forced in result.forced:
        _risk_event(uow, ws, batch, forced, activities[forced["activity_id"]], at, actor)
    by_code: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item_id, err in failed_items:
        by_code[(err["code"], err["detail"])].append(item_id)
        result.failed.append(err)
    for (err_code, detail), ids in by_code.items():
        if brepo.finish_items(ids, ItemStatus.FAILED, at, err_code, detail[:500]) != len(ids):
            raise Conflict("batch items were finished by another worker; chunk rolled back")
    brepo.bump_batch(batch.id, len(result.done), len(result.failed))
    return result


def _apply(
    uow: UnitOfWork,
    ws: int,
    batch: ShopBatch,
    accepted: list[tuple[Any, Any]],
    activities: dict[int, ShopActivity],
    at: datetime,
    actor: str,
    result: ChunkResult,
) -> None:
    if not accepted:
        return
    repo, brepo = ShopRepository(uow), BatchRepository(uow)
    ids = [row.id for _, row in accepted]
    offers: dict[int, list[Any]] = defaultdict(list)
    for offer in brepo.active_offers(ids):
        offers[offer.enrollment_id].append(offer)
    snapshots, cancellations, events = [], [], []
    by_target: dict[tuple[str, str], list[int]] = defaultdict(list)
    per_key: dict[Key, int] = defaultdict(int)
    for _, row in accepted:
        activity = activities[row.activity_id]
        path, target = cancel_path(row.state, at >= activity.starts_at)
        by_target[(row.state, target.value)].append(row.id)
        per_key[(row.activity_id, row.shop_id)] += 1
        snapshots.append(
            {
                "workspace_id": ws,
                "enrollment_id": row.id,
                "activity_id": row.activity_id,
                "shop_id": row.shop_id,
                "product_id": row.product_id,
                "change": "cancel",
                "batch_id": batch.id,
                "data": _snapshot_data(row, offers[row.id], activity),
                "created_at": at,
            }
        )
        cancellations.append(
            {
                "workspace_id": ws,
                "enrollment_id": row.id,
                "activity_id": row.activity_id,
                "shop_id": row.shop_id,
                "product_id": row.product_id,
                "from_state": row.state,
                "path": path.value,
                "reason_code": batch.reason_code,
                "reason_text": batch.reason_text,
                "forced": bool(batch.force),
                "operator": actor,
                "batch_id": batch.id,
                "offers_cancelled": len(offers[row.id]),
                "restored": False,
                "created_at": at,
            }
        )
        events.append(
            {
                "workspace_id": ws,
                "actor": actor,
                "action": f"shop.enrollment.{path.value}",
                "object_type": "shop_enrollment",
                "object_id": str(row.id),
                "before": {"state": row.state},
                "after": {
                    "state": target.value,
                    "reason": batch.reason_code,
                    "batch_id": batch.id,
                    "offers_cancelled": len(offers[row.id]),
                },
                "note": batch.reason_text[:200],
                "created_at": at,
            }
        )
    brepo.insert_snapshots(snapshots)
    for (source, target_state), target_ids in by_target.items():
        ENROLLMENTS.transition(source, target_state)
        if repo.set_state(target_ids, [source], target_state, at) != len(target_ids):
            raise Conflict("an enrollment changed during the cancel; chunk rolled back")
    result.offers_cancelled += brepo.cancel_offers(ids, at)
    brepo.insert_cancellations(cancellations)
    forced_keys = {(f["activity_id"], f["shop_id"]) for f in result.forced}
    for (activity_id, shop_id), n in per_key.items():
        rules = rules_of(activities[activity_id])
        forced = (activity_id, shop_id) in forced_keys
        guard = None if forced else (rules.min_products, rules.max_cancel_percent)
        if not repo.bump_counter(activity_id, shop_id, active=-n, cancelled=n, guard=guard):
            raise Conflict("the guardrail counters changed meanwhile; chunk rolled back")
    done_items = [item.id for item, _ in accepted]
    if brepo.finish_items(done_items, ItemStatus.DONE, at) != len(done_items):
        raise Conflict("batch items were finished by another worker; chunk rolled back")
    audit.record_many(uow, events)
    result.done.extend(ids)


def _risk_event(
    uow: UnitOfWork,
    ws: int,
    batch: ShopBatch,
    forced: dict[str, Any],
    activity: ShopActivity,
    at: datetime,
    actor: str,
) -> None:
    repo = ShopRepository(uow)
    until = guardrails.penalty_until(at, activity.penalty_days)
    shop = repo.shop(ws, forced["shop_id"], lock=True)
    if (
        shop is not None
        and until is not None
        and (shop.restricted_until is None or shop.restricted_until < until)
    ):
        shop.restricted_until = until
    repo.add(
        ShopRiskEvent(
            workspace_id=ws,
            shop_id=forced["shop_id"],
            activity_id=forced["activity_id"],
            rules=forced["verdict"]["violations"],
            operator=actor,
            batch_id=batch.id,
            restricted_until=until,
        )
    )
    audit.record(
        uow,
        workspace_id=ws,
        actor=actor,
        action="shop.risk.forced",
        object_type="shop",
        object_id=forced["shop_id"],
        after={
            "activity_id": forced["activity_id"],
            "verdict": forced["verdict"],
            "restricted_until": until.isoformat() if until else None,
        },
    )
