"""``promodesk tiktok reports-sync``: sync an ad account's report history.

Without ``--wait`` the sync is handed to the worker (a durable job) and the command prints where
the history stands. With ``--wait`` the command drives the sync itself, step by step (TikTok's
pages fetched with no transaction open, then written), under a progress bar; a worker running
the same job meanwhile is harmless (a step whose cursor moved is fetched again).
``--json`` prints the state as ``GET /api/v1/ad-accounts/{id}/report-sync`` does.
"""

from __future__ import annotations

from typing import Any

import typer

from promodesk import clikit
from promodesk.campaigns.schemas.reports import ReportSyncRead
from promodesk.campaigns.service.report_sync import fetch as sync_fetch
from promodesk.campaigns.service.report_sync import progress as sync_progress
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.campaigns.service.report_sync import write as sync_write
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.integrations.tiktok.errors import TikTokError
from promodesk.kit.progress import Snapshot, tracked_bar
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES


def _state(workspace_id: int, ad_account_id: int) -> dict[str, Any]:
    with database().read() as uow:
        where = sync_progress.where(uow, workspace_id, ad_account_id)
    return clikit.dump(ReportSyncRead(**where))


def _render(state: dict[str, Any]) -> None:
    op = state.get("operation") or {}
    console.print(
        f"Ad account {state['ad_account_id']} ({state['time_zone']}, {state['currency']}): "
        f"days {state['first_day'] or '-'} .. {state['last_day'] or '-'}, "
        f"final through {state['final_through'] or '-'}"
    )
    for name, n in sorted((state.get("rows") or {}).items()):
        console.print(f"  {name.replace('_', ' ')} rows: {n:,}")
    if op:
        result = op.get("result") or {}
        console.print(
            f"Last report sync: operation {op['id']}, {op['state']}, "
            f"{op['done']}/{op['total']} windows, {result.get('rows', 0):,} rows written, "
            f"{result.get('throttles', 0)} throttled calls"
        )
        for error in op.get("errors") or []:
            console.print(f"  [red]{error.get('error')}[/red]: {error.get('detail')}")


@friendly
def reports_sync(
    ad_account_id: int = typer.Argument(..., min=1, help="the ad account's id in promodesk"),
    workspace: str = WorkspaceOpt,
    wait: bool = typer.Option(False, "--wait", help="run the sync here with a progress bar"),
    pages: int = typer.Option(5, "--pages-per-step", min=1, max=200, help="pages per commit"),
    json_out: bool = JsonOpt,
) -> None:
    """Sync the report history of an ad account (daily history, recent hours, late days)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        state = sync_start.start(uow, workspace_id, ad_account_id, actor=ACTOR)
        op_id = int(state.last_operation_id or 0)
    if wait:
        _drive(workspace_id, op_id, pages, json_out)
    final = _state(workspace_id, ad_account_id)
    show(final, json_out, _render)
    op = final.get("operation") or {}
    if wait and op.get("state") != "succeeded":
        raise typer.Exit(1)


def _drive(workspace_id: int, op_id: int, pages: int, json_out: bool) -> None:
    db = database()
    title = "report sync"
    with tracked_bar(console, title, state="running", transient=json_out) as bar:
        attempts = 0
        while True:
            fetched = sync_fetch.prefetch(db, op_id, max_pages=pages)
            try:
                with db.transaction() as uow:
                    final = sync_write.step(uow, op_id, fetched, last_attempt=attempts >= 5)
                attempts = 0
            except TikTokError:
                attempts += 1
                final = False
            with db.read() as uow:
                op = operations.get(uow, workspace_id, op_id)
                done = op.state in FINAL_STATES
                bar.draw(
                    Snapshot(title, op.total, op.done, op.failed, op.state, done, total_known=True)
                )
            if final or done:
                return


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
    app.command("reports-sync")(reports_sync)
