"""``promodesk shop batches|batch|retry|call-off``, and ``drive``: run a batch here, chunk by
chunk (each chunk its own transaction, as the worker does) under a Rich progress bar.

A worker may run the same batch at the same time: ``run_step`` locks the batch, and an item is
finished exactly once (compare-and-set), so the two share the work and the bar shows the total.
"""

from __future__ import annotations

from typing import Any

import typer

from promodesk import clikit
from promodesk.clikit import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    console,
    database,
    dump,
    emit_json,
    friendly,
    show,
    table,
)
from promodesk.kit.db import UnitOfWork
from promodesk.kit.progress import Snapshot, tracked_bar
from promodesk.models import ShopBatch
from promodesk.shop.cli import render
from promodesk.shop.cli.selection import ROLE
from promodesk.shop.domain.batches import FINISHED
from promodesk.shop.schemas.cancel import BatchItemRead, BatchRead
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import window as window_service

BATCH_COLUMNS = (
    "id", "mode", "status", "reason_code", "total", "done", "failed", "run_at", "created_by",
)  # fmt: skip


def batch_data(uow: UnitOfWork, workspace_id: int, batch_id: int) -> dict[str, Any]:
    return dump(BatchRead.model_validate(batch_service.get_batch(uow, workspace_id, batch_id)))


def failed_items(
    uow: UnitOfWork, workspace_id: int, batch_id: int, limit: int = 200
) -> list[dict[str, Any]]:
    rows = batch_service.batch_items(uow, workspace_id, batch_id, status="failed", limit=limit)
    return [dump(BatchItemRead.model_validate(r)) for r in rows]


def drive(workspace_id: int, batch_id: int, json_out: bool) -> None:
    """Run the batch's chunks here until it is final, under a bar (none with ``--json``)."""

    def step() -> Any:
        with database().transaction() as uow:
            more = batch_service.run_step(uow, workspace_id, batch_id)
        with database().transaction() as uow:
            return more, batch_service.get_batch(uow, workspace_id, batch_id)

    if json_out:
        while step()[0]:
            pass
        return
    with tracked_bar(console, f"batch {batch_id}", state="running") as bar:
        more = True
        while more:
            more, b = step()
            bar.draw(batch_snapshot(f"batch {batch_id}", b))


def batch_snapshot(title: str, batch: ShopBatch) -> Snapshot:
    """A batch for the bar: its total is fixed when it is created, so it is known at once."""
    final = batch.status in FINISHED
    return Snapshot(title, batch.total, batch.done, batch.failed, batch.status, final,
                    total_known=final or batch.total > 0)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("batches")(list_batches)
    app.command("batch")(show_batch)
    app.command("retry")(retry)
    app.command("call-off")(call_off)


@friendly
def list_batches(
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Cancel batches (now, window, batch) with their counts."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(BatchRead.model_validate(b))
            for b in batch_service.list_batches(uow, workspace_id, limit=limit)
        ]
    show(rows, json_out, table(rows, BATCH_COLUMNS, "batches"))


@friendly
def show_batch(
    batch_id: int,
    status: str | None = typer.Option(
        None, help="only items in this status: pending, done, failed"
    ),
    limit: int = typer.Option(100, min=1, max=1000),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """One batch and its items (each failure with its code, activity id and product id)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = batch_data(uow, workspace_id, batch_id)
        items = batch_service.batch_items(uow, workspace_id, batch_id, status=status, limit=limit)
        data["items"] = [dump(BatchItemRead.model_validate(i)) for i in items]
    if json_out:
        emit_json(data)
        return
    render.batch_result(data, [])
    cols = ("enrollment_id", "activity_id", "product_id", "status", "error_code", "error_detail")
    table(data["items"], cols, "items")(None)


@friendly
def retry(
    batch_id: int,
    wait: bool = typer.Option(True, "--wait/--no-wait", help="drive it here with a progress bar"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Run the failed items of a batch again; the done ones are not touched."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        batch_service.retry_failed(uow, workspace_id, batch_id, actor=ACTOR, role=ROLE)
    if wait:
        drive(workspace_id, batch_id, json_out)
    with database().transaction() as uow:
        data = batch_data(uow, workspace_id, batch_id)
        failed = failed_items(uow, workspace_id, batch_id)
    if json_out:
        emit_json({**data, "failed_items": failed})
    else:
        render.batch_result(data, failed)
    if wait and data["status"] != "done":
        raise typer.Exit(1)


@friendly
def call_off(
    batch_id: int,
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Call off a cancel scheduled for the low-traffic window, before it runs."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        window_service.cancel_scheduled(uow, workspace_id, batch_id, actor=ACTOR)
        data = batch_data(uow, workspace_id, batch_id)
    show(data, json_out, lambda d: console.print(f"batch {d['id']} is {d['status']}"))
