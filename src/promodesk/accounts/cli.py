"""``promodesk tiktok accounts|import|sync``: TikTok ad accounts from the command line
(the campaign commands, ``campaigns``, ``campaign-status``, ``campaign-budget`` and the rest,
come from the ``campaigns/cli/`` package; the root ``cli.py`` adds them).

``sync`` runs the sync in this process (one commit per step of pages, several ad accounts at
once with ``--workers``) and draws a Rich progress bar; ``--enqueue`` instead hands the runs
to the worker and follows their operations.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.accounts.domain import SYNC_LIFECYCLE, SyncStatus
from promodesk.accounts.service import accounts, imports
from promodesk.accounts.service import sync as sync_service
from promodesk.accounts.tiktok import client as tiktok
from promodesk.clikit import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    console,
    database,
    friendly,
    show,
)
from promodesk.integrations.tiktok.errors import TikTokError
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.progress import Snapshot, tracked_bar
from promodesk.models import Operation
from promodesk.operations import service as operations

app = typer.Typer(
    help="TikTok ad accounts: import, list, sync; change campaigns.", no_args_is_help=True
)


def _workspace_id(slug: str) -> int:
    with database().transaction() as uow:
        return clikit.workspace_id(uow, slug)


@app.command("accounts")
@friendly
def list_accounts(workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """List imported ad accounts with their allocations."""
    with database().transaction() as uow:
        rows = accounts.list_ad_accounts(uow, clikit.workspace_id(uow, workspace), limit=1000)
    show(rows, json_out, _accounts_table)


def _accounts_table(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "name", "advertisers", "status", "grant", "last sync")
    table.add_column("ad account id", no_wrap=True)
    for r in rows:
        advertisers = ", ".join(
            f"{a['client_account_name']} / {a['advertiser_name']}" for a in r["allocations"]
        )
        table.add_row(
            str(r["id"]),
            r["name"],
            advertisers or "-",
            r["status"],
            str(r["authorization_status"]),
            str(r["last_synced_at"] or "-"),
            r["advertiser_id"],
        )
    console.print(table)


@app.command("import")
@friendly
def import_token(
    workspace: str = WorkspaceOpt,
    token: str = typer.Option(
        ..., envvar="PROMODESK_TIKTOK_IMPORT_TOKEN", help="a long-term advertiser access token"
    ),
    advertiser_id: list[str] = typer.Option(
        None, "--advertiser-id", help="default: every ad account of the token"
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Import the ad accounts of an access token obtained elsewhere (scripts, migrations)."""
    workspace_id = _workspace_id(workspace)
    ids = list(advertiser_id or [])
    if not ids:
        try:
            ids = [a.advertiser_id for a in tiktok.oauth().advertisers(token)]
        except TikTokError as exc:
            raise ValidationFailed(f"TikTok refused the token: {exc.message}") from None
    with database().transaction() as uow:
        result = imports.import_token(uow, workspace_id, token, ids, actor=ACTOR)
        added = [a.advertiser_id for a in result.added]
        updated = [a.advertiser_id for a in result.updated]
    show(
        {"added": added, "updated": updated},
        json_out,
        lambda r: console.print(
            f"Successfully added TikTok accounts: {len(r['added'])} new, "
            f"{len(r['updated'])} updated"
        ),
    )


@app.command("sync")
@friendly
def sync(
    workspace: str = WorkspaceOpt,
    ad_account: list[int] = typer.Argument(None, help="ad account ids (default: all)"),
    scope: str = typer.Option("account", help="account, campaigns or audiences"),
    workers: int = typer.Option(4, min=1, max=64, help="ad accounts synced at once"),
    pages_per_step: int = typer.Option(20, min=1, max=1000, help="pages per commit"),
    enqueue: bool = typer.Option(False, help="hand the sync to the worker and follow it"),
    json_out: bool = JsonOpt,
) -> None:
    """Sync ad accounts (advertiser info, campaigns, ad groups, ads, audiences)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        every = accounts.list_ad_accounts(uow, workspace_id, limit=10000)
        ids = list(ad_account or [a["id"] for a in every])
        runs = [sync_service.start(uow, workspace_id, i, scope, actor=ACTOR) for i in ids]
        run_ids = [(r.id, r.operation_id or 0) for r in runs]
    if enqueue:
        _follow(workspace_id, run_ids, json_out)
        return
    lock = threading.Lock()
    title = f"sync {len(run_ids)} ad account(s)"
    with tracked_bar(console, title, state="running", transient=json_out) as bar:

        def refresh(final: bool = False) -> None:
            with lock, database().transaction() as uow:
                ops = [operations.get(uow, workspace_id, op) for _, op in run_ids if op]
                bar.draw(_snapshot(title, ops, "done" if final else "running", final))

        def work(run_id: int) -> None:
            while True:
                with database().transaction() as uow:
                    if sync_service.step(uow, run_id, max_pages=pages_per_step):
                        break
                refresh()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(work, run_id) for run_id, _ in run_ids]:
                future.result()
        refresh(final=True)
    _report(workspace_id, run_ids, json_out)


def _snapshot(title: str, ops: list[Operation], state: str, final: bool) -> Snapshot:
    """The ad accounts' operations as one bar: "Counting…" until every total is known."""
    c = operations.combined(ops)
    return Snapshot(title, c["total"], c["done"], c["failed"], state, final or c["final"],
                    total_known=c["total_known"])  # fmt: skip


def _follow(workspace_id: int, run_ids: list[tuple[int, int]], json_out: bool) -> None:
    with tracked_bar(console, "sync (worker)", state="queued", transient=json_out) as bar:
        while True:
            with database().transaction() as uow:
                runs = [sync_service.get_run(uow, workspace_id, r) for r, _ in run_ids]
                ops = [operations.get(uow, workspace_id, op) for _, op in run_ids if op]
                done = all(r.status in SYNC_LIFECYCLE.final for r in runs)
                state = ",".join(sorted({r.status for r in runs}))
                bar.draw(_snapshot("sync (worker)", ops, state, done))
            if done:
                break
            time.sleep(0.5)
    _report(workspace_id, run_ids, json_out)


def _report(workspace_id: int, run_ids: list[tuple[int, int]], json_out: bool) -> None:
    with database().transaction() as uow:
        runs = [sync_service.get_run(uow, workspace_id, r) for r, _ in run_ids]
        out: list[dict[str, Any]] = [
            {
                "run_id": r.id,
                "ad_account_id": r.ad_account_id,
                "status": r.status,
                "pages": r.pages,
                "throttles": r.throttles,
                "retries": r.retries,
                "counts": r.counts,
                "errors": r.errors,
            }
            for r in runs
        ]
    show(out, json_out, _runs_table)
    if not json_out and any(r["status"] == SyncStatus.FAILED for r in out):
        raise typer.Exit(1)


def _runs_table(out: list[dict[str, Any]]) -> None:
    table = Table("run", "ad account", "status", "pages", "throttles", "retries", "entities")
    for r in out:
        seen = {k: v.get("seen", 0) for k, v in r["counts"].items()}
        table.add_row(
            str(r["run_id"]),
            str(r["ad_account_id"]),
            r["status"],
            str(r["pages"]),
            str(r["throttles"]),
            str(r["retries"]),
            " ".join(f"{k}={v}" for k, v in seen.items()),
        )
    console.print(table)
