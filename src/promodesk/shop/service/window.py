"""Cancel in the next low-traffic window: one batch per (shop, activity), run by a durable
job at the window's start in the shop's time zone, cancellable until it runs.

Rules: an enrollment already waiting in a scheduled batch is refused (409, naming the batch);
guardrails are checked when the job runs (all or nothing), not when it is scheduled; a
refusal at run time fails every item, changes nothing else and alerts the shop's team.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict
from promodesk.kit.jobs import service as jobs
from promodesk.models import ShopBatch
from promodesk.operations import service as operations
from promodesk.shop.domain.batches import BATCHES, BatchStatus
from promodesk.shop.domain.enrollments import parse_reason
from promodesk.shop.domain.window import next_window
from promodesk.shop.errors import NothingToDo
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service.batches import (
    Selection,
    check_force,
    get_batch,
    new_batch,
    refuse_scheduled,
    resolve,
    start_operation,
)


def schedule_in_window(
    uow: UnitOfWork,
    workspace_id: int,
    selection: Selection,
    *,
    reason: str,
    reason_text: str = "",
    force: bool = False,
    actor: str,
    role: str,
) -> list[ShopBatch]:
    """Run the cancel in the next low-traffic window of each (shop, activity)."""
    code, text = parse_reason(reason, reason_text)
    check_force(force, role)
    repo = ShopRepository(uow)
    ids = resolve(uow, workspace_id, selection)
    if not ids:
        raise NothingToDo("no cancellable enrollment in the selection")
    refuse_scheduled(uow, workspace_id, ids)
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for e in repo.enrollments_by_ids(workspace_id, ids):
        groups[(e.shop_id, e.activity_id)].append(e.id)
    activities = repo.activities_by_ids(workspace_id, [k[1] for k in groups])
    now = clock.now()
    batches = []
    for (shop_id, activity_id), group in sorted(groups.items()):
        shop = repo.shop(workspace_id, shop_id)
        activity = activities[activity_id]
        assert shop is not None
        window = next_window(
            now, shop.timezone, activity.low_traffic_start_minute, activity.low_traffic_end_minute
        )
        run_at = max(window.start, now)
        batch = new_batch(
            uow,
            workspace_id,
            group,
            mode="window",
            reason=code.value,
            text=text,
            force=force,
            actor=actor,
            all_or_nothing=True,
            status=BatchStatus.SCHEDULED,
            shop_id=shop_id,
            run_at=run_at,
        )
        start_operation(
            uow, workspace_id, batch, f"Cancel {len(group)} in the low-traffic window", actor
        )
        batches.append(batch)
    return batches


def cancel_scheduled(uow: UnitOfWork, workspace_id: int, batch_id: int, *, actor: str) -> ShopBatch:
    """Call off a window cancel that has not run yet (409 once it started)."""
    brepo = BatchRepository(uow)
    batch = get_batch(uow, workspace_id, batch_id, lock=True)
    if not BATCHES.can(batch.status, BatchStatus.CANCELLED) or not brepo.set_batch(
        batch.id, [batch.status], status=BatchStatus.CANCELLED, finished_at=clock.now()
    ):
        raise Conflict(
            f"batch {batch_id} is {batch.status}; only a scheduled one can be called off",
            message=N_(
                "Batch %(batch)s is %(batch_status)s; only a scheduled batch can be called off."
            ),
            params={"batch": batch_id, "batch_status": batch.status},
        )
    if batch.job_id is not None:
        # Conflict: the job is being picked up right now; it will see the batch cancelled.
        with contextlib.suppress(Conflict):
            jobs.cancel(uow, batch.job_id, workspace_id)
    if batch.operation_id is not None:
        operations.finish(uow, batch.operation_id, state="cancelled")
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.batch.cancel_scheduled",
        object_type="shop_batch",
        object_id=batch.id,
    )
    return get_batch(uow, workspace_id, batch_id)
