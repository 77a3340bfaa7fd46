"""``promodesk audit tail``: the audit log from the server."""

from __future__ import annotations

import time
from typing import Any

import typer

from promodesk import clikit
from promodesk.audit import service as audit
from promodesk.clikit import JsonOpt, console, database, emit_json, friendly
from promodesk.kit.db import UnitOfWork
from promodesk.models import AuditEvent
from promodesk.tenancy import service as tenancy

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command("tail")
@friendly
def tail(
    workspace: str = typer.Option(None, "--workspace", "-w", help="workspace slug"),
    limit: int = typer.Option(20, min=1, max=1000),
    follow: bool = typer.Option(False, "--follow", "-f", help="keep printing new events"),
    json_out: bool = JsonOpt,
) -> None:
    """Print the latest audit events (oldest first), optionally following new ones."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace) if workspace else None
        events = list(reversed(audit.list_events(uow, workspace_id, limit=limit)))
        rows = _rows(uow, events)
    last = rows[-1]["id"] if rows else 0
    _print(rows, json_out)
    while follow:
        time.sleep(1)
        with database().transaction() as uow:
            rows = _rows(uow, audit.list_events(uow, workspace_id, after_id=last, limit=500))
        if rows:
            last = rows[-1]["id"]
            _print(rows, json_out)


def _rows(uow: UnitOfWork, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """The events as printed: ``actor`` as stored (for scripts), ``actor_name`` as the console
    shows it (``user:3`` is "Ada Lovelace <ada@example.com>")."""
    actors: dict[int, set[str]] = {}
    for e in events:
        if e.workspace_id is not None:
            actors.setdefault(e.workspace_id, set()).add(e.actor)
    names = {
        (ws, actor): name
        for ws, wanted in actors.items()
        for actor, name in tenancy.actor_names(uow, ws, wanted).items()
    }
    return [_row(e, names.get((e.workspace_id or 0, e.actor), e.actor)) for e in events]


def _row(e: AuditEvent, actor_name: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.created_at.isoformat(),
        "workspace_id": e.workspace_id,
        "actor": e.actor,
        "actor_name": actor_name,
        "action": e.action,
        "object": f"{e.object_type}:{e.object_id}",
        "before": e.before,
        "after": e.after,
    }


def _print(rows: list[dict[str, Any]], json_out: bool) -> None:
    for r in rows:
        if json_out:
            emit_json(r)
        else:
            console.print(
                f"{str(r['at'])[:19]}  {r['actor_name']:<10} {r['action']:<24} "
                f"{r['object']}  {r['before'] or ''} → {r['after'] or ''}"
            )
