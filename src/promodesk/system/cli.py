"""``promodesk jobs list|retry|cancel|schedules``; ``promodesk backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.audit import service as audit
from promodesk.clikit import JsonOpt, console, database, emit_json, friendly
from promodesk.kit import backup as backups
from promodesk.kit.jobs import service as jobs_service
from promodesk.kit.jobs.repository import JobRepository

jobs = typer.Typer(help="Durable jobs.", no_args_is_help=True)


@jobs.command("list")
@friendly
def list_jobs(
    status: str = typer.Option(None, help="queued, running, done, dead or cancelled"),
    name: str = typer.Option(None, help="job name"),
    workspace: str = typer.Option(None, "--workspace", "-w", help="workspace slug"),
    limit: int = typer.Option(50, min=1, max=1000),
    json_out: bool = JsonOpt,
) -> None:
    """List jobs, newest first (dead jobs: --status dead)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace) if workspace else None
        rows: list[dict[str, Any]] = [
            {
                "id": j.id,
                "name": j.name,
                "status": j.status,
                "attempts": j.attempts,
                "max_attempts": j.max_attempts,
                "run_at": j.run_at.isoformat(),
                "workspace_id": j.workspace_id,
                "last_error": (j.last_error or "").split("\n")[0],
            }
            for j in JobRepository(uow).search(
                status=status, name=name, workspace_id=workspace_id, limit=limit
            )
        ]
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "name", "status", "attempts", "run at", "last error")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["status"],
            f"{r['attempts']}/{r['max_attempts']}",
            r["run_at"][:19],
            r["last_error"][:80],
        )
    console.print(table)


@jobs.command("retry")
@friendly
def retry(job_id: int) -> None:
    """Re-run a dead (or cancelled) job now."""
    with database().transaction() as uow:
        job = jobs_service.retry(uow, job_id)
        audit.record(
            uow,
            workspace_id=job.workspace_id,
            actor="cli",
            action="job.retried",
            object_type="job",
            object_id=job.id,
            after={"status": job.status},
        )
    console.print(f"job {job_id} queued again")


@jobs.command("cancel")
@friendly
def cancel(job_id: int) -> None:
    """Cancel a queued job."""
    with database().transaction() as uow:
        job = jobs_service.cancel(uow, job_id)
        audit.record(
            uow,
            workspace_id=job.workspace_id,
            actor="cli",
            action="job.cancelled",
            object_type="job",
            object_id=job.id,
            after={"status": job.status},
        )
    console.print(f"job {job_id} cancelled")


@jobs.command("schedules")
@friendly
def schedules(json_out: bool = JsonOpt) -> None:
    """List recurring schedules (kept in the database, shared by every worker)."""
    with database().transaction() as uow:
        rows: list[dict[str, Any]] = [
            {
                "name": sc.name,
                "job": sc.job_name,
                "every": sc.cron or f"{sc.interval_seconds:g}s",
                "next_run_at": sc.next_run_at.isoformat(),
                "last_run_at": sc.last_run_at.isoformat() if sc.last_run_at else None,
                "enabled": sc.enabled,
            }
            for sc in JobRepository(uow).schedules()
        ]
    if json_out:
        emit_json(rows)
        return
    table = Table("name", "job", "every", "next run", "last run", "enabled")
    for r in rows:
        table.add_row(
            r["name"],
            r["job"],
            r["every"],
            r["next_run_at"][:19],
            (r["last_run_at"] or "")[:19],
            "yes" if r["enabled"] else "no",
        )
    console.print(table)


@friendly
def backup_command(
    file: Path = typer.Argument(..., help="the backup file to write (never overwritten)"),
) -> None:
    """Write a consistent backup of the database (SQLite online backup, or pg_dump)."""
    done = backups.backup(clikit.settings().database_url, file)
    size = f"{done.size:,} bytes"
    console.print(f"[green]backup written[/green]: {done.path} ({done.backend}, {size})")


@friendly
def restore_command(
    file: Path = typer.Argument(..., help="a file written by promodesk backup"),
) -> None:
    """Restore a backup into the configured database, which must be new and empty."""
    done = backups.restore(clikit.settings().database_url, file)
    console.print(
        f"[green]restored[/green] {done.path} ({done.backend}); next: promodesk migrate, "
        "then promodesk ledger check"
    )
