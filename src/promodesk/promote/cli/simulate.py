"""``promodesk promote simulate``: realistic delivery for demos, with a progress bar."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from promodesk import clikit
from promodesk.clikit import JsonOpt, WorkspaceOpt, console, database, emit_json, friendly
from promodesk.kit.errors import ValidationFailed
from promodesk.promote import simulate as sim


@friendly
def simulate(
    seconds: float | None = typer.Option(
        None, help="run this long (default: until no order is delivering)"
    ),
    interval: float = typer.Option(0.5, min=0.0, help="seconds between ticks"),
    share: float = typer.Option(0.05, help="share of each budget spent per tick"),
    batch: int = typer.Option(1000, min=1, max=10_000, help="events per delivery batch"),
    max_orders: int = typer.Option(1000, min=1, help="delivering orders fed per tick"),
    seed: int | None = typer.Option(None, help="random seed (repeatable runs)"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Feed delivery events to the workspace's delivering orders through the delivery
    service (each batch its own transaction), for N seconds or until all are done."""
    if not 0 < share <= 1:
        raise ValidationFailed("share is between 0 and 1", field="share")
    db = database()
    with db.transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
    targets = sim.delivering_targets(db, workspace_id, max_orders)
    if not targets and seconds is None:
        if json_out:
            emit_json({"ticks": 0, "events": 0, "charged_coins": 0, "completed_orders": []})
        else:
            console.print("no order is delivering: approve one first (promote orders approve)")
        return
    total = seconds if seconds is not None else float(sum(t.remaining for t in targets) or 1)
    columns = (
        TextColumn("[bold]delivering"),
        BarColumn(),
        TextColumn("{task.fields[events]:,} events · {task.fields[coins]:,} coins · "
                   "{task.fields[orders]} orders"),
        TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, disable=json_out, transient=False) as bar:
        task = bar.add_task("simulate", total=total, events=0, coins=0, orders=len(targets))

        def tick(p: sim.Progress) -> None:
            done = p.elapsed if seconds is not None else p.charged
            bar.update(task, completed=done, events=p.events, coins=p.charged, orders=p.delivering)

        result = sim.run(
            db, workspace_id, seconds=seconds, interval=interval, share=share, batch_size=batch,
            max_orders=max_orders, seed=seed, on_tick=tick,
        )  # fmt: skip
        bar.update(task, completed=total)
    data = {
        "ticks": result.ticks,
        "batches": result.batches,
        "events": result.events,
        "charged_coins": result.charged,
        "over_delivered_coins": result.over_delivered,
        "completed_orders": sorted(result.completed),
        "seconds": round(result.elapsed, 2),
    }
    if json_out:
        emit_json(data)
        return
    console.print(
        f"{data['events']:,} events in {data['batches']} batches: {data['charged_coins']:,} "
        f"coins charged, {len(result.completed)} order(s) completed "
        "(the worker refunds their unspent rest)"
    )
