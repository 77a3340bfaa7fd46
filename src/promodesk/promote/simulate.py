"""A delivery simulator for demos: plausible feed events for delivering orders, sent through
the delivery service exactly as the host platform's batches would be.

Each tick spends a share of every delivering order's budget in a few events whose
results follow the order's goal (e.g. a few views per coin, a website visit per ~30 coins).
Every batch is its own transaction, so the console sees orders fill up live and orders whose
budget is spent complete (and get settled by the worker) like real ones.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from promodesk.kit.db import Database
from promodesk.promote.domain.delivery_parse import Event
from promodesk.promote.domain.goals import RESULT_FIELDS
from promodesk.promote.domain.orders import OrderStatus
from promodesk.promote.service import delivery as delivery_service
from promodesk.promote.service import orders as orders_service

ACTOR = "simulator"

# Results per coin spent, (low, high), by goal: the goal's own counter is the main one; videos
# also gather some views and follows whatever their goal.
RATES: dict[str, dict[str, tuple[float, float]]] = {
    "video_views": {"views": (4.0, 9.0), "follows": (0.005, 0.02)},
    "website_visits": {"views": (1.0, 3.0), "website_visits": (0.02, 0.06)},
    "followers": {"views": (1.0, 3.0), "follows": (0.03, 0.08)},
    "product_clicks": {"views": (1.5, 3.5), "product_clicks": (0.03, 0.09)},
    "live_viewers": {"live_viewers": (0.4, 1.2), "follows": (0.005, 0.015)},
}


@dataclass(frozen=True, slots=True)
class Target:
    order_id: int
    goal: str
    budget: int
    remaining: int  # budget not yet charged (the service caps spend at the escrow anyway)


@dataclass
class Progress:
    ticks: int = 0
    batches: int = 0
    events: int = 0
    charged: int = 0
    over_delivered: int = 0
    delivering: int = 0
    completed: list[int] = field(default_factory=list)
    elapsed: float = 0.0


def _count(rng: random.Random, expected: float) -> int:
    """An integer whose mean is ``expected`` (stochastic rounding keeps small rates alive)."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def plan_events(
    targets: list[Target],
    rng: random.Random,
    *,
    share: float = 0.05,
    events_per_order: int = 4,
    prefix: str | None = None,
) -> list[Event]:
    """One tick of events: about ``share`` of each order's budget (at most what remains), split
    in ``events_per_order`` events; results drawn from the goal's rates."""
    prefix = prefix or f"sim-{uuid.uuid4().hex[:12]}"
    events: list[Event] = []
    for t in targets:
        if t.remaining <= 0:
            continue
        tick_spend = min(t.remaining, max(1, round(t.budget * share * rng.uniform(0.6, 1.4))))
        per_event = max(1, tick_spend // events_per_order)
        rates = RATES.get(t.goal, RATES["video_views"])
        for n in range(events_per_order):
            spend = per_event if n < events_per_order - 1 else tick_spend - per_event * n
            if spend <= 0:
                continue
            counts = [
                _count(rng, spend * rng.uniform(*rates[name])) if name in rates else 0
                for name in RESULT_FIELDS
            ]
            events.append((f"{prefix}-{t.order_id}-{n}", t.order_id, spend, *counts))  # type: ignore[arg-type]
    return events


def delivering_targets(db: Database, workspace_id: int, limit: int = 1000) -> list[Target]:
    """The workspace's delivering orders (at most ``limit``), newest first."""
    out: list[Target] = []
    before: int | None = None
    with db.transaction() as uow:
        while len(out) < limit:
            page = orders_service.list_orders(
                uow,
                workspace_id,
                statuses=[OrderStatus.DELIVERING.value],
                before_id=before,
                limit=min(500, limit - len(out)),
            )
            out += [
                Target(o.id, o.goal, o.budget_coins, o.budget_coins - o.spent_coins) for o in page
            ]
            if len(page) < 500:
                break
            before = page[-1].id
    return out


def deliver(
    db: Database, workspace_id: int, events: list[Event], batch_size: int, progress: Progress
) -> None:
    """Send events in batches, each batch in its own transaction."""
    for start in range(0, len(events), batch_size):
        chunk = events[start : start + batch_size]
        with db.transaction() as uow:
            result = delivery_service.ingest_batch(uow, workspace_id, chunk, actor=ACTOR)
        progress.batches += 1
        progress.events += len(chunk)
        progress.charged += result.charged_coins
        progress.over_delivered += result.over_delivered_coins
        progress.completed += result.completed_orders


def run(
    db: Database,
    workspace_id: int,
    *,
    seconds: float | None = None,
    interval: float = 0.5,
    share: float = 0.05,
    batch_size: int = 1000,
    max_orders: int = 1000,
    seed: int | None = None,
    on_tick: Callable[[Progress], None] | None = None,
) -> Progress:
    """Deliver for ``seconds`` (None: until no order is delivering), one tick per ``interval``."""
    rng = random.Random(seed)
    progress = Progress()
    started = time.monotonic()
    deadline = None if seconds is None else started + seconds
    while True:
        targets = delivering_targets(db, workspace_id, max_orders)
        progress.delivering = len(targets)
        if not targets and deadline is None:
            break
        deliver(db, workspace_id, plan_events(targets, rng, share=share), batch_size, progress)
        progress.ticks += 1
        progress.elapsed = time.monotonic() - started
        if on_tick:
            on_tick(progress)
        if deadline is not None and time.monotonic() >= deadline:
            break
        pause = interval if deadline is None else min(interval, deadline - time.monotonic())
        if pause > 0:
            time.sleep(pause)
    progress.elapsed = time.monotonic() - started
    return progress
