"""``promodesk operations list|show|cancel|demo``: progress of long work, from the server.

``show ID --follow`` draws a Rich progress bar until the operation ends ("Counting…" while its
total may still grow, never going back) and exits 0 only if it succeeded; ``--json`` prints
the record (after following, its final state) for scripts.
"""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.clikit import JsonOpt, WorkspaceOpt, console, database, emit_json, friendly
from promodesk.kit.progress import COUNTING, Snapshot, follow
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES, OperationState

app = typer.Typer(help="Progress of long-running operations.", no_args_is_help=True)


def _load(op_id: int) -> dict[str, Any]:
    with database().transaction() as uow:
        return operations.as_dict(operations.get_unscoped(uow, op_id))


def _snapshot(op: dict[str, Any]) -> Snapshot:
    return Snapshot(
        title=op["title"] or op["kind"],
        total=op["total"],
        done=op["done"],
        failed=op["failed"],
        state=op["state"],
        final=op["state"] in FINAL_STATES,
        total_known=op["total_known"],
    )


@app.command("list")
@friendly
def list_operations(
    workspace: str = typer.Option(None, "--workspace", "-w", help="workspace slug (default all)"),
    state: str = typer.Option(None, help="pending, running, succeeded, failed, partial, ..."),
    limit: int = typer.Option(20, min=1, max=1000),
    json_out: bool = JsonOpt,
) -> None:
    """List operations, newest first."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace) if workspace else None
        rows = [
            operations.as_dict(o)
            for o in operations.list_ops(uow, workspace_id, state=state, limit=limit)
        ]
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "kind", "title", "state", "progress", "failed", "updated")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["title"][:50],
            r["state"],
            _figures(r),
            str(r["failed"]),
            r["updated_at"][:19],
        )
    console.print(table)


@app.command("show")
@friendly
def show(
    op_id: int = typer.Argument(..., metavar="ID"),
    follow_: bool = typer.Option(False, "--follow", "-f", help="draw a live bar until it ends"),
    json_out: bool = JsonOpt,
    interval: float = typer.Option(0.5, min=0.05, help="seconds between refreshes"),
) -> None:
    """Show one operation; with --follow, a live progress bar until it finishes."""
    op = _load(op_id)
    if follow_:
        if json_out:
            while op["state"] not in FINAL_STATES:
                time.sleep(interval)
                op = _load(op_id)
        else:
            follow(lambda: _snapshot(_load(op_id)), console=console, interval=interval)
            op = _load(op_id)
    if json_out:
        emit_json(op)
    else:
        _print(op)
    if follow_ and op["state"] != OperationState.SUCCEEDED:
        raise typer.Exit(1)


def _figures(op: dict[str, Any]) -> str:
    """Like the console: handled/total (bar %), or the count and "Counting…" while the total
    may still grow."""
    handled = op["done"] + op["failed"]
    if not op["total_known"]:
        return f"{handled} · {COUNTING}"
    return f"{handled}/{max(op['total'], handled)} ({op['bar_percent']}%)"


def _print(op: dict[str, Any]) -> None:
    total = max(op["total"], op["done"] + op["failed"])
    of = f"of {total} ({op['bar_percent']}%)" if op["total_known"] else f"({COUNTING})"
    console.print(
        f"[bold]operation {op['id']}[/bold] {op['kind']}: {op['title']}\n"
        f"  state {op['state']}, {op['done']} done, {op['failed']} failed {of}"
    )
    for err in op["errors"][:10]:
        console.print(f"  [red]-[/red] {err}")
    if len(op["errors"]) > 10:
        console.print(f"  … {len(op['errors']) - 10} more errors (see --json)")
    if op["result"]:
        console.print(f"  result {op['result']}")


@app.command("cancel")
@friendly
def cancel(op_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Ask a running operation to stop (its work checks between steps)."""
    with database().transaction() as uow:
        op = operations.get_unscoped(uow, op_id)
        operations.cancel(uow, op.workspace_id, op.id)
    console.print(f"operation {op_id} cancelled")


@app.command("demo")
@friendly
def demo(
    workspace: str = WorkspaceOpt,
    total: int = typer.Option(20, min=1, max=10_000),
    fail_every: int = typer.Option(0, min=0, help="every Nth item fails (0: none)"),
    delay_ms: int = typer.Option(250, min=0, max=60_000, help="pause between items"),
    follow_: bool = typer.Option(False, "--follow", "-f", help="draw a live bar until it ends"),
    json_out: bool = JsonOpt,
) -> None:
    """Start the demo operation (a worker counts items one by one; needs a running worker)."""
    from promodesk.operations.jobs import start_demo_operation

    with database().transaction() as uow:
        op = start_demo_operation(
            uow,
            clikit.workspace_id(uow, workspace),
            total,
            fail_every,
            delay_ms=delay_ms,
            created_by="cli",
        )
        op_id = op.id
    if follow_ and not json_out:
        follow(lambda: _snapshot(_load(op_id)), console=console)
        _print(_load(op_id))
    elif json_out:
        emit_json(_load(op_id))
    else:
        console.print(
            f"operation {op_id} started; follow it with: promodesk operations show {op_id} -f"
        )
