"""Run a batch job: one chunk at a time, each chunk its own transaction, then finish it
(counts, operation, alerts, platform removals, verification job).

Rules:
- A batch item is finished exactly once (compare-and-set pending → done/failed in the chunk's
  transaction); a worker killed mid-chunk rolls the chunk back and the next run redoes it.
- When a batch finishes, a verification job is enqueued after the activities' delay; its done
  items in activities of a linked shop's platform are removed there too, as recorded writes
  verified by reading back (``platform_actions.enrollments``).
"""

from __future__ import annotations

from datetime import timedelta

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.jobs import service as jobs
from promodesk.models import ShopBatch
from promodesk.operations import service as operations
from promodesk.shop.domain.batches import BATCHES, FINISHED, BatchStatus, ItemStatus, outcome
from promodesk.shop.errors import GuardrailViolation
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.service import alerts
from promodesk.shop.service.cancel import process_items
from promodesk.shop.service.platform_actions.enrollments import record_batch_removals
from promodesk.shop.settings import shop_settings

BATCH_JOB = "shop.batch"
VERIFY_JOB = "shop.verify"


def run_step(uow: UnitOfWork, workspace_id: int, batch_id: int) -> bool:
    """One chunk of a batch job; True while items remain. Safe to run again after a crash."""
    brepo = BatchRepository(uow)
    batch = brepo.batch(workspace_id, batch_id, lock=True)
    if batch is None or batch.status in FINISHED:
        return False
    if batch.status == BatchStatus.SCHEDULED:
        if batch.run_at > clock.now():
            return False
        BATCHES.transition(batch.status, BatchStatus.RUNNING)
        brepo.set_batch(batch.id, [batch.status], status=BatchStatus.RUNNING)
        uow.session.refresh(batch)
    items = brepo.pending_chunk(batch.id, shop_settings().batch_chunk_size)
    if not items:
        finish(uow, workspace_id, batch.id)
        return False
    admin = True  # the creator's role was checked when the batch was made
    try:
        with uow.savepoint():
            result = process_items(
                uow, workspace_id, batch, items, clock.now(), actor=batch.created_by, admin=admin
            )
    except GuardrailViolation as refused:
        _refuse_all(uow, workspace_id, batch, refused)
        return False
    if batch.operation_id is not None:
        operations.progress(
            uow,
            batch.operation_id,
            done=len(result.done),
            failed=len(result.failed),
            errors=result.failed[:20],
        )
    # The activities this chunk finished leave the platform now, while the rest runs.
    record_batch_removals(uow, workspace_id, batch.id, {int(i.activity_id) for i in items})
    return True


def _refuse_all(
    uow: UnitOfWork, workspace_id: int, batch: ShopBatch, refused: GuardrailViolation
) -> None:
    """An all-or-nothing batch (a window run) met a guardrail: every item fails, the team is
    told, nothing else changes."""
    brepo = BatchRepository(uow)
    violation = refused.extra.get("violations", [{}])[0].get("verdict", {})
    rule = (violation.get("violations") or [{}])[0].get("rule", "refused")
    now = clock.now()
    failed = 0
    while items := brepo.pending_chunk(batch.id, 5000):
        failed += brepo.finish_items(
            [i.id for i in items],
            ItemStatus.FAILED,
            now,
            f"GUARDRAIL_{str(rule).upper()}",
            refused.detail[:500],
        )
    brepo.bump_batch(batch.id, 0, failed)
    if batch.operation_id is not None:
        operations.progress(
            uow,
            batch.operation_id,
            failed=failed,
            errors=[{"code": f"GUARDRAIL_{str(rule).upper()}", "detail": refused.detail}],
        )
    finish(uow, workspace_id, batch.id)
    if batch.shop_id is not None:
        alerts.batch_refused(uow, workspace_id, batch.shop_id, batch.id, refused.to_body())


def finish(uow: UnitOfWork, workspace_id: int, batch_id: int) -> None:
    brepo = BatchRepository(uow)
    counts = brepo.item_counts(batch_id)
    done, failed = counts.get(ItemStatus.DONE, 0), counts.get(ItemStatus.FAILED, 0)
    status = outcome(done, failed)
    now = clock.now()
    brepo.set_batch(
        batch_id,
        BATCHES.sources_for(status),
        status=status,
        finished_at=now,
        done=done,
        failed=failed,
    )
    batch = brepo.batch(workspace_id, batch_id)
    if batch.operation_id is not None:
        operations.finish(uow, batch.operation_id)
    if done:
        alerts.cancel_done(uow, workspace_id, batch_id, batch.reason_code, batch.created_by, failed)
        # A linked shop's cancels reach its platform: recorded removals, verified there.
        record_batch_removals(uow, workspace_id, batch_id)
        delay = brepo.batch_activity_delay(batch_id)
        jobs.enqueue(
            uow,
            VERIFY_JOB,
            {"workspace_id": workspace_id, "batch_id": batch_id},
            run_at=now + timedelta(minutes=delay),
            workspace_id=workspace_id,
            dedupe_key=f"{VERIFY_JOB}:{batch_id}:{done}",
        )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=batch.created_by,
        action="shop.batch.finish",
        object_type="shop_batch",
        object_id=batch_id,
        after={"status": status.value, "done": done, "failed": failed},
    )
