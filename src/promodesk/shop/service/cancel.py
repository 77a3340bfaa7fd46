"""The cancel engine: one chunk of a cancel, set-based, in the caller's unit of work.

Per chunk, in this order:
1. lock the guardrail counters of every (activity, shop) in the chunk (fixed order), then read
   the enrollments (so the states seen are the ones the lock protects);
2. ask the cancel plan (``domain.plan``, the one the preview shows): per item the path or the
   refusal code, per (activity, shop) the guardrail verdict (a batch lets through as many as the
   guardrails allow; an all-or-nothing cancel is refused as a whole; an admin's force lets all
   through, and a risk-control event and the penalty are recorded instead);
3. snapshot (enrollment + active offers + figures) → compare-and-set the enrollments to their
   stage's target state → cancel their linked offers → cancellations → counters (guarded
   compare-and-set) → items done/failed (compare-and-set pending → final) → audit events.
All of it commits together, so an item is either fully cancelled with its evidence or untouched.
The chunk's own reads and writes run on the driver cursor of the same transaction
(``repository.batches.chunk``); the guardrail counts and the plan are the preview's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict
from promodesk.models import ShopActivity, ShopBatch, ShopRiskEvent
from promodesk.shop.domain import guardrails, plan
from promodesk.shop.domain.batches import ItemStatus
from promodesk.shop.domain.enrollments import ENROLLMENTS, State
from promodesk.shop.errors import GuardrailViolation
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.batches.chunk import ChunkStore, Detail, Offer
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import product_plan
from promodesk.shop.service.catalog import rules_of

Key = tuple[int, int]  # (activity_id, shop_id)
# A state by its stored name, for thousands of rows a chunk (``State(name)`` walks the enum's
# lookup per call; an unknown name still raises there).
_STATES = {s.value: s for s in State}
SNAPSHOT_CHANGE = "cancel"  # what a cancel's snapshots are of (restored by the same undo)
_OFFER_ID, _OFFER_ENROLLMENT, _OFFER_KIND, _OFFER_TITLE, _OFFER_VALUE, _OFFER_PERCENT = (
    Offer._fields.index(f)
    for f in ("id", "enrollment_id", "kind", "title", "value_minor", "percent_off")
)


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


def _snapshot_data(row: Detail, offers: list[tuple[Any, ...]]) -> dict[str, Any]:
    """What a cancel's snapshot keeps (``offers``: rows in ``Offer``'s order), but its last
    part: ``"activity": {"name": …, "rules": …}``, the same for every row of an activity."""
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
                "id": o[_OFFER_ID],
                "kind": o[_OFFER_KIND],
                "title": o[_OFFER_TITLE],
                "value_minor": o[_OFFER_VALUE],
                "percent_off": o[_OFFER_PERCENT],
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
    }


def activity_facts(activity: ShopActivity) -> plan.ActivityFacts:
    return plan.ActivityFacts(
        id=activity.id,
        rules=rules_of(activity),
        presale_allowed=bool(activity.presale_allowed),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
    )


def item_facts(
    enrollment_id: int, row: Any, item: Any = None, waiting: int | None = None
) -> plan.ItemFacts:
    """A selected enrollment as the plan sees it (``row``: the enrollment, None when gone;
    ``item``: the batch item, which names the activity and product of a gone one)."""
    if row is None:
        return plan.ItemFacts(
            enrollment_id,
            activity_id=item.activity_id if item is not None else 0,
            product_id=item.product_id if item is not None else 0,
        )
    return plan.ItemFacts(
        enrollment_id,
        activity_id=row.activity_id,
        product_id=row.product_id,
        shop_id=row.shop_id,
        state=_STATES.get(row.state) or State(row.state),
        waiting_batch=waiting,
    )


def guardrail_counts(
    uow: UnitOfWork,
    workspace_id: int,
    facts: Sequence[plan.ItemFacts],
    counters: Mapping[Key, Any] | None = None,
) -> dict[Key, guardrails.Counts]:
    """The guardrail counts of every (activity, shop) of the selection (``counters``: the rows
    the caller locked); the selected enrollments are not counted twice as ends to come."""
    selected: dict[Key, set[int]] = defaultdict(set)
    for f in facts:
        if f.state is not None:
            selected[(f.activity_id, f.shop_id)].add(f.enrollment_id)
    return {
        key: product_plan.counts(
            uow, workspace_id, *key, exclude=ids, counter=(counters or {}).get(key)
        )
        for key, ids in sorted(selected.items())
    }


def process_items(
    uow: UnitOfWork,
    workspace_id: int,
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
    result = ChunkResult()
    if not items:
        return result
    store = ChunkStore(uow)
    try:
        return _process(uow, store, workspace_id, batch, items, at, actor, admin, result)
    finally:
        store.close()


def _process(
    uow: UnitOfWork,
    store: ChunkStore,
    workspace_id: int,
    batch: ShopBatch,
    items: list[Any],
    at: datetime,
    actor: str,
    admin: bool,
    result: ChunkResult,
) -> ChunkResult:
    repo, brepo = ShopRepository(uow), BatchRepository(uow)
    uow.flush()  # the driver's reads see the session's pending changes (no autoflush there)
    enrollment_ids = [i.enrollment_id for i in items]
    counters = repo.lock_counters(store.keys(enrollment_ids))
    details = {r.id: r for r in store.details(enrollment_ids)}  # read under the locks
    keys = {(r.activity_id, r.shop_id) for r in details.values()}
    activities = repo.activities_by_ids(workspace_id, [k[0] for k in keys])
    facts = [
        item_facts(item.enrollment_id, details.get(item.enrollment_id), item) for item in items
    ]
    the_plan = plan.plan(
        facts,
        {a.id: activity_facts(a) for a in activities.values()},
        guardrail_counts(uow, workspace_id, facts, counters),
        now=at,
        all_or_nothing=bool(batch.all_or_nothing),
        force=bool(batch.force) and admin,
    )
    if the_plan.refused:
        activity = activities[the_plan.refused[0].activity_id]
        raise GuardrailViolation(
            "the cancel would break an activity rule; nothing was changed",
            violations=[
                {"activity_id": g.activity_id, "shop_id": g.shop_id, "verdict": g.verdict.as_dict()}
                for g in the_plan.refused
            ],
            alternatives=[a.value for a in plan.safer(activity_facts(activity))],
            can_force=not activity.immutable,
        )
    result.forced.extend(
        {"activity_id": g.activity_id, "shop_id": g.shop_id, "verdict": g.verdict.as_dict()}
        for g in the_plan.groups
        if g.forced
    )
    item_of = {item.enrollment_id: item for item in items}
    accepted = [
        (item_of[d.item.enrollment_id], details[d.item.enrollment_id], d) for d in the_plan.accepted
    ]
    failed_items: list[tuple[int, dict[str, Any]]] = []
    for d in the_plan.refusals:
        assert d.refusal is not None
        f = d.item
        err = error(d.refusal.value, f.activity_id, f.product_id, f.enrollment_id, d.detail)
        failed_items.append((item_of[f.enrollment_id].id, err))
    _apply(uow, store, workspace_id, batch, accepted, activities, at, actor, result)
    for forced in result.forced:
        _risk_event(uow, workspace_id, batch, forced, activities[forced["activity_id"]], at, actor)
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
    store: ChunkStore,
    workspace_id: int,
    batch: ShopBatch,
    accepted: list[tuple[Any, Detail, plan.Decision]],
    activities: dict[int, ShopActivity],
    at: datetime,
    actor: str,
    result: ChunkResult,
) -> None:
    if not accepted:
        return
    ids = [row.id for _, row, _decision in accepted]
    offers: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for offer in store.active_offers(ids):
        offers[offer[_OFFER_ENROLLMENT]].append(offer)
    # Values the whole chunk shares are encoded once; each snapshot's JSON once. Rows go to
    # the driver as generators: built, written and dropped one at a time.
    stamp, encode = store.encode_time(at), store.encode_json_ending
    described = {
        a.id: store.encode_json({"name": a.name, "rules": rules_of(a).__dict__})
        for a in activities.values()
    }
    reason, text, forced_batch = batch.reason_code, batch.reason_text, bool(batch.force)
    moves: list[tuple[Detail, str, str]] = []  # (row, path, target)
    by_target: dict[tuple[str, str], list[int]] = defaultdict(list)
    per_key: dict[Key, int] = defaultdict(int)
    for _, row, decision in accepted:
        assert decision.path is not None
        assert decision.target is not None
        moves.append((row, decision.path.value, decision.target.value))
        by_target[(row.state, decision.target.value)].append(row.id)
        per_key[(row.activity_id, row.shop_id)] += 1
    store.insert_snapshots(
        (workspace_id, row.id, row.activity_id, row.shop_id, row.product_id, SNAPSHOT_CHANGE,
         batch.id,
         encode(_snapshot_data(row, offers[row.id]), "activity", described[row.activity_id]),
         stamp)
        for row, _path, _target in moves
    )  # fmt: skip
    for (source, target_state), target_ids in by_target.items():
        ENROLLMENTS.transition(source, target_state)
        if store.set_state(target_ids, source, target_state, stamp) != len(target_ids):
            raise Conflict("an enrollment changed during the cancel; chunk rolled back")
    result.offers_cancelled += store.cancel_offers(ids, stamp)
    store.insert_cancellations(
        (workspace_id, row.id, row.activity_id, row.shop_id, row.product_id, row.state, path,
         reason, text, forced_batch, actor, batch.id, len(offers[row.id]), False, stamp)
        for row, path, _target in moves
    )  # fmt: skip
    forced_keys = {(f["activity_id"], f["shop_id"]) for f in result.forced}
    bumps, guards = [], []
    for (activity_id, shop_id), n in per_key.items():
        rules = rules_of(activities[activity_id])
        forced = (activity_id, shop_id) in forced_keys
        bumps.append((activity_id, shop_id, n))
        guards.append(None if forced else (rules.min_products, rules.max_cancel_percent))
    if store.bump_counters(bumps, guards) != len(bumps):
        raise Conflict("the guardrail counters changed meanwhile; chunk rolled back")
    done_items = [item.id for item, _row, _decision in accepted]
    if store.finish_done(done_items, stamp) != len(done_items):
        raise Conflict("batch items were finished by another worker; chunk rolled back")
    note = text[:200]
    audit.record_many(
        uow,
        (
            {
                "workspace_id": workspace_id,
                "actor": actor,
                "action": f"shop.enrollment.{path}",
                "object_type": "shop_enrollment",
                "object_id": row.id,
                "before": {"state": row.state},
                "after": {
                    "state": target,
                    "reason": reason,
                    "batch_id": batch.id,
                    "offers_cancelled": len(offers[row.id]),
                },
                "note": note,
                "created_at": at,
            }
            for row, path, target in moves
        ),
    )
    result.done.extend(ids)


def _risk_event(
    uow: UnitOfWork,
    workspace_id: int,
    batch: ShopBatch,
    forced: dict[str, Any],
    activity: ShopActivity,
    at: datetime,
    actor: str,
) -> None:
    repo = ShopRepository(uow)
    until = guardrails.penalty_until(at, activity.penalty_days)
    shop = repo.shop(workspace_id, forced["shop_id"], lock=True)
    if (
        shop is not None
        and until is not None
        and (shop.restricted_until is None or shop.restricted_until < until)
    ):
        shop.restricted_until = until
    repo.add(
        ShopRiskEvent(
            workspace_id=workspace_id,
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
        workspace_id=workspace_id,
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
