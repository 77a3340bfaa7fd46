"""``promodesk tiktok cancel|cancellations|cancellation|cancel-retry|cancel-undo|
cancel-recreate|cancel-reverify``: cancel campaigns, ad groups or ads with a reason, see the
log, retry the failed items, undo a pause, re-create a deleted campaign, verify again what a
revoked authorization kept from being verified.

``cancel`` takes TikTok's ids (the ids users see in Ads Manager and in the list), with
``--ad-account`` (promodesk's id) when an id is in several ad accounts. It prints the money
preview (per object and per currency) and asks before anything changes; ``--yes`` answers for
scripts. It then runs the status updates here, chunk by chunk (each chunk its own transaction,
as the worker does), under a progress bar; the verification follows in the worker after the
settle delay (``promodesk tiktok cancellation ID`` shows it). Refusals print one line and exit
with 1; changes are audited with the actor ``cli``.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.campaigns.domain.cancellations import reason as parse_reason
from promodesk.campaigns.schemas.cancellations import (
    CampaignCancelPreview,
    CancellationRead,
    ItemRead,
)
from promodesk.campaigns.service.cancellations import confirm as cancel_confirm
from promodesk.campaigns.service.cancellations import preview as cancel_preview
from promodesk.campaigns.service.cancellations import reads as cancel_reads
from promodesk.campaigns.service.cancellations import run as cancel_run
from promodesk.campaigns.service.cancellations import undo as cancel_undo
from promodesk.campaigns.service.cancellations import unverifiable as cancel_unverifiable
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, dump, friendly, show
from promodesk.kit.money import Money
from promodesk.kit.progress import Snapshot, tracked_bar
from promodesk.tenancy import service as tenancy

YES = typer.Option(False, "--yes", "-y", help="do not ask for a confirmation")


def _workspace_id(slug: str) -> int:
    with database().read() as uow:
        return clikit.workspace_id(uow, slug)


def _money(minor: int, currency: str) -> str:
    return Money(int(minor), currency).format()


def _preview_table(data: dict[str, Any]) -> None:
    act = data["action"]
    t = Table(
        "object",
        "budget",
        "spent to date",
        "spent today",
        "last 7 days",
        "share",
        "frees",
        "live children",
        title=f"{act} → TikTok {data['operation_status']}",
    )
    for i in data["items"]:
        cur = i["currency"]
        mode = {"BUDGET_MODE_DAY": "/day", "BUDGET_MODE_TOTAL": " lifetime"}.get(
            i["budget_mode"], " (no limit)" if i["budget_mode"] == "BUDGET_MODE_INFINITE" else ""
        )
        t.add_row(
            f"{i['name']} ({i['object_id']})" + (" — already paused" if i["skip"] else ""),
            _money(i["budget_minor"], cur) + mode,
            _money(i["spent_to_date_minor"], cur),
            _money(i["spent_today_minor"], cur),
            _money(i["last_7_days_minor"], cur),
            f"{i['share_percent']}% of {i['share_base'].replace('_', ' ')}"
            if i["share_percent"] is not None
            else "-",
            _money(i["freed_minor"], cur),
            str(i["live_children"]),
        )
    for tot in data["totals"]:
        cur = tot["currency"]
        t.add_row(
            f"[bold]total {cur} ({tot['count']})[/bold]",
            _money(tot["budget_minor"], cur),
            _money(tot["spent_to_date_minor"], cur),
            _money(tot["spent_today_minor"], cur),
            _money(tot["last_7_days_minor"], cur),
            "",
            f"[bold]{_money(tot['freed_minor'], cur)}[/bold]",
            str(tot["live_children"]),
        )
    console.print(t)
    for tot in data["totals"]:
        cur = tot["currency"]
        console.print(
            f"Total {cur}: {tot['count']} object(s), spent to date "
            f"{_money(tot['spent_to_date_minor'], cur)}, spent today "
            f"{_money(tot['spent_today_minor'], cur)}, frees "
            f"[bold]{_money(tot['freed_minor'], cur)}[/bold]"
        )
    if data["reversible"]:
        console.print("Pause is reversible: the objects can be switched on again.")
    else:
        console.print("[bold red]Delete is final[/bold red]: TikTok cannot bring them back.")


def _people(workspace_id: int, actors: list[str]) -> dict[str, str]:
    """Stored actors as the console shows them (``user:3`` is "Ada <ada@example.com>")."""
    with database().read() as uow:
        return tenancy.actor_names(uow, workspace_id, actors)


def _show_cancellation(workspace_id: int, data: dict[str, Any], json_out: bool) -> None:
    """One cancellation: ``--json`` as the API gives it (the stored actor), else the table with
    the person's name."""
    shown = dump(CancellationRead.model_validate(data))
    by = str(shown["created_by"])
    if not json_out:
        by = _people(workspace_id, [by]).get(by, by)
    show(shown, json_out, lambda c: _cancellation_table(c, by))


def _cancellation_table(c: dict[str, Any], by: str) -> None:
    freed = ", ".join(_money(f["freed_minor"], f["currency"]) for f in c["freed"]) or "-"
    console.print(
        f"Cancellation {c['id']}: {c['action']} {c['item_count']} {c['level']}(s), reason "
        f"{c['reason_code']}, {c['status']}; freed {freed}; by {by}"
    )
    if c["note"]:
        console.print(f"note: {c['note']}")
    t = Table("item", "object", "result", "verification", "spend after stop", "freed", "undo")
    for i in c["items"]:
        problems = "; ".join(i["verify_detail"].get("problems") or [])
        result = i["status"] + (f": {i['error']}" if i["error"] else "")
        undo = (
            f"re-created as {i['recreated_object_id']}"
            if i["recreated_object_id"]
            else ("switched on again" if i["undone_at"] else "")
        )
        t.add_row(
            str(i["id"]),
            f"{i['name']} ({i['object_id']})",
            result,
            i["verify_status"] + (f": {problems}" if problems else ""),
            _money(i["spend_after_minor"], i["currency"]),
            _money(i["freed_minor"], i["currency"]),
            undo,
        )
    console.print(t)


def _drive(workspace_id: int, cancellation_id: int, json_out: bool) -> dict[str, Any]:
    """Run the cancellation's status updates here until none is pending."""
    db = database()

    def step() -> tuple[bool, dict[str, Any]]:
        fetched = cancel_run.prefetch_step(db, cancellation_id)
        with db.transaction() as uow:
            more = cancel_run.run_step(uow, cancellation_id, fetched) is not None
        with db.read() as uow:
            return more, cancel_reads.get(uow, workspace_id, cancellation_id)

    more = True
    data: dict[str, Any] = {}
    if json_out:
        while more:
            more, data = step()
        return data
    with tracked_bar(console, f"cancellation {cancellation_id}", state="running") as bar:
        while more:
            more, data = step()
            op = data["operation"] or {}
            bar.draw(
                Snapshot(
                    f"cancellation {cancellation_id}",
                    int(op.get("total") or 0),
                    int(op.get("done") or 0),
                    int(op.get("failed") or 0),
                    data["status"],
                    not more,
                    True,
                )
            )
    return data


@friendly
def cancel(
    ids: list[str] = typer.Argument(..., help="TikTok ids of the objects"),
    level: str = typer.Option("campaign", "--level", help="campaign, adgroup or ad"),
    action: str = typer.Option(..., "--action", help="pause (reversible) or delete (final)"),
    reason: str = typer.Option(
        ...,
        "--reason",
        help="budget, strategy_change, poor_performance, creative_or_policy, out_of_stock or other",
    ),
    note: str = typer.Option("", "--note", help="why (required for --reason other)"),
    ad_account: int | None = typer.Option(
        None, "--ad-account", min=1, help="promodesk's ad account id, when ids are ambiguous"
    ),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
    yes: bool = YES,
) -> None:
    """Cancel campaigns, ad groups or ads: money preview, confirmation, progress."""
    workspace_id = _workspace_id(workspace)
    tiktok_ids = [p.strip() for i in ids for p in i.split(",") if p.strip()]
    service_reason = parse_reason(reason, note)  # a bad reason stops before the preview
    with database().read() as uow:
        row_ids = cancel_preview.resolve(
            uow, workspace_id, level, tiktok_ids=tiktok_ids, ad_account_id=ad_account
        )
        shown = dump(
            CampaignCancelPreview.model_validate(
                cancel_preview.preview(uow, workspace_id, level, row_ids, action)
            )
        )
    if not json_out:
        _preview_table(shown)
    if not yes:
        typer.confirm(
            f"{shown['action'].capitalize()} {len(shown['items'])} {shown['level']}(s) on "
            "TikTok now?",
            abort=True,
            err=True,
        )
    with database().transaction() as uow:
        c = cancel_confirm.confirm(
            uow,
            workspace_id,
            level,
            row_ids,
            action,
            service_reason[0].value,
            service_reason[1],
            actor=ACTOR,
        )
        cancellation_id = c.id
    data = _drive(workspace_id, cancellation_id, json_out)
    _show_cancellation(workspace_id, data, json_out)


@friendly
def list_cancellations(
    workspace: str = WorkspaceOpt,
    status: str | None = typer.Option(None, "--status", help="running, done, partial, failed"),
    reason: str | None = typer.Option(None, "--reason", help="a reason code"),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    json_out: bool = JsonOpt,
) -> None:
    """The cancellation log, newest first."""
    with database().read() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = cancel_reads.list_cancellations(
            uow,
            workspace_id,
            before_id=None,
            limit=limit,
            status=status,
            reason_code=reason,
        )
    data = [dump(CancellationRead.model_validate(r)) for r in rows]

    def render(_: Any) -> None:
        people = _people(workspace_id, [str(c["created_by"]) for c in data])
        t = Table("id", "when", "by", "action", "items", "reason", "status", "freed")
        for c in data:
            freed = ", ".join(_money(f["freed_minor"], f["currency"]) for f in c["freed"])
            t.add_row(
                str(c["id"]),
                c["created_at"][:16],
                people.get(c["created_by"], c["created_by"]),
                c["action"],
                f"{c['item_count']} {c['level']}",
                c["reason_code"],
                c["status"],
                freed or "-",
            )
        console.print(t)

    show(data, json_out, render)


@friendly
def show_cancellation(
    cancellation: int = typer.Argument(..., min=1),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """One cancellation: items, results, verification, freed money."""
    with database().read() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = cancel_reads.get(uow, workspace_id, cancellation)
    _show_cancellation(workspace_id, data, json_out)


@friendly
def retry(
    cancellation: int = typer.Argument(..., min=1),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Run the failed items of a cancellation again."""
    workspace_id = _workspace_id(workspace)
    with database().transaction() as uow:
        cancel_confirm.retry(uow, workspace_id, cancellation, actor=ACTOR)
    data = _drive(workspace_id, cancellation, json_out)
    _show_cancellation(workspace_id, data, json_out)


def _item_line(i: dict[str, Any]) -> None:
    console.print(
        f"Item {i['id']} ({i['level']} {i['object_id']}): "
        + (
            f"re-created as {i['recreated_object_id']}"
            if i["recreated_object_id"]
            else "switched on again"
        )
    )


@friendly
def undo(
    item: int = typer.Argument(..., min=1, help="the item id (promodesk tiktok cancellation)"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Switch a paused object on again; what its cancel freed goes back."""
    data = cancel_undo.undo(database(), _workspace_id(workspace), item, actor=ACTOR)
    show(dump(ItemRead.model_validate(data)), json_out, _item_line)


@friendly
def recreate(
    item: int = typer.Argument(..., min=1, help="the item id of a deleted campaign"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Re-create a deleted campaign, its ad groups and ads from the snapshot."""
    data = cancel_undo.recreate(database(), _workspace_id(workspace), item, actor=ACTOR)
    show(dump(ItemRead.model_validate(data)), json_out, _item_line)


@friendly
def reverify(workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """Verify again, now, the cancelled objects that could not be verified because their ad
    account's authorization was revoked, once the account is reconnected."""
    workspace_id = _workspace_id(workspace)
    with database().transaction() as uow:
        count = cancel_unverifiable.reverify_reconnected(uow, workspace_id)
    if json_out:
        show({"items": count}, json_out, lambda _: None)
        return
    console.print(
        f"{count} item(s) sent to verification again; "
        "`promodesk tiktok cancellation ID` shows the result."
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
    app.command("cancel")(cancel)
    app.command("cancellations")(list_cancellations)
    app.command("cancellation")(show_cancellation)
    app.command("cancel-reverify")(reverify)
    app.command("cancel-retry")(retry)
    app.command("cancel-undo")(undo)
    app.command("cancel-recreate")(recreate)
