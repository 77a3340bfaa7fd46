"""``promodesk promotions stop`` and ``promodesk promotions stops list|show|retry|restart|notes``:
stop everywhere, the stops made, their steps, and their retrospective's lessons and action
items. ``--json`` prints exactly what the API answers."""

from __future__ import annotations

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.kit.money import Money
from promodesk.promotions.domain.stop_list import stop_filters
from promodesk.promotions.schemas import StopPage, StopRead
from promodesk.promotions.service import notes, restart, stop, stop_list, stop_watch, stops
from promodesk.promotions.service import retry as retries

# The server's own CLI acts with the owner's rights (as the shop CLI does).
ROLE = "owner"


def register(app: typer.Typer) -> None:
    app.command("stop")(stop_command)
    stops_app = typer.Typer(
        help="Stops everywhere: list, show, retry the failed steps, restart, lessons."
    )
    stops_app.command("list")(stops_list)
    stops_app.command("show")(stops_show)
    stops_app.command("retry")(stops_retry)
    stops_app.command("restart")(stops_restart)
    stops_app.command("notes")(stops_notes)
    app.add_typer(stops_app, name="stops")


def _render_stop(data: StopRead) -> None:
    t = Table("step", "channel", "path", "status", "verified", "error", title=f"stop {data.id}")
    for st in data.steps:
        verified = "-" if st.verified is None else ("yes" if st.verified else "no")
        t.add_row(str(st.n), st.channel, st.path, st.status, verified, st.error)
    console.print(t)
    if data.operation:
        op = data.operation
        console.print(f"progress: {op['done']} done, {op['failed']} failed of {op['total']}")


@friendly
def stop_command(
    workspace: str = WorkspaceOpt,
    ref: list[str] | None = typer.Option(None, "--ref", help="a promotion: kind:id (repeat)"),
    product: list[int] | None = typer.Option(None, "--product", help="every promotion of it"),
    reason: str = typer.Option(..., "--reason", help="sold_out, wrong_claim, plan_change, other"),
    reason_text: str = typer.Option("", "--reason-text", help="why, in words (needed for other)"),
    ads_action: str = typer.Option("pause", "--ads-action", help="pause or delete TikTok ads"),
    yes: bool = typer.Option(False, "--yes", help="stop without asking after the preview"),
    json_out: bool = JsonOpt,
) -> None:
    """Stop everywhere: the preview, then (confirmed, or with --yes) one stop with a step per
    channel. A failed step leaves the others stopped: `promotions stops retry`."""
    kw = {
        "refs": ref or [],
        "products": product or [],
        "reason": reason,
        "reason_text": reason_text,
        "ads_action": ads_action,
    }
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        plan = stop.preview_stop(uow, ws, **kw)  # type: ignore[arg-type]
    if not json_out:
        for c in plan.channels:
            live = [i for i in c.items if not i.refusal]
            console.print(f"{c.channel.value}: {c.path}, {len(live)} to stop")
        for i in plan.refused:
            console.print(f"refused {i.ref} ({i.name}): {i.refusal}")
    if not yes and not typer.confirm("Stop these everywhere?"):
        raise typer.Exit(1)
    with database().transaction() as uow:
        done = stops.confirm_stop(
            uow,
            ws,
            fingerprint=plan.fingerprint,
            actor=ACTOR,
            role=ROLE,
            **kw,  # type: ignore[arg-type]
        )
        data = StopRead.model_validate(stop_watch.view(uow, done))
    show(clikit.dump(data), json_out, lambda _: _render_stop(data))


@friendly
def stops_show(
    stop_id: int = typer.Argument(..., help="the stop's id"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """A stop everywhere: each channel's step, its outcome and verification."""
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        data = StopRead.model_validate(stop_watch.view(uow, stop_watch.get_stop(uow, ws, stop_id)))
    show(clikit.dump(data), json_out, lambda _: _render_stop(data))


@friendly
def stops_retry(
    stop_id: int = typer.Argument(..., help="the stop's id"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Start the failed steps of a stop again; the stopped ones are not touched."""
    with database().transaction() as uow:
        ws = clikit.workspace_id(uow, workspace)
        done = retries.retry(uow, ws, stop_id, actor=ACTOR, role=ROLE)
        data = StopRead.model_validate(stop_watch.view(uow, done))
    show(clikit.dump(data), json_out, lambda _: _render_stop(data))


@friendly
def stops_restart(
    stop_id: int = typer.Argument(..., help="the stop's id"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Restart everywhere: undo what can be undone (paused ads, shop snapshots); a Promote
    stop and a TikTok delete are final."""
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
    data = StopRead.model_validate(restart.restart(database(), ws, stop_id, actor=ACTOR))
    show(clikit.dump(data), json_out, lambda _: _render_stop(data))


@friendly
def stops_list(
    workspace: str = WorkspaceOpt,
    status: list[str] | None = typer.Option(
        None, "--status", help="running, done, failed, restarted (repeat or comma)"
    ),
    channel: list[str] | None = typer.Option(
        None, "--channel", help="tiktok_ads, promote, shop (repeat or comma)"
    ),
    reason: list[str] | None = typer.Option(
        None, "--reason", help="sold_out, wrong_claim, plan_change, other (repeat or comma)"
    ),
    created_by: str | None = typer.Option(
        None, "--created-by", help="user:ID, rule:ID… or a member's email"
    ),
    since: str | None = typer.Option(None, "--since", help="first day made (UTC), YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="last day made (UTC), YYYY-MM-DD"),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="rows per page"),
    cursor: str | None = typer.Option(None, "--cursor", help="next_cursor of the last page"),
    json_out: bool = JsonOpt,
) -> None:
    """The stops everywhere, newest first: status, channels, money, verification."""
    chosen = stop_filters(
        status=status,
        channel=channel,
        reason=reason,
        created_by=created_by,
        created_since=since,
        created_until=until,
    )
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        page = StopPage.model_validate(stop_list.list_stops(uow, ws, chosen, cursor, limit=limit))

    def render(_: object) -> None:
        t = Table(
            "stop", "made", "by", "reason", "status", "channels", "money", "verified", "can",
            title="stops everywhere",
        )  # fmt: skip
        for r in page.items:
            channels = ", ".join(f"{c.channel} {c.status}" for c in r.channels)
            money = ", ".join(
                f"{m.what} {Money(m.minor, m.currency).format()}" for m in r.planned_money
            )
            can = " ".join(
                w for w, ok in (("retry", r.can_retry), ("restart", r.can_restart)) if ok
            )
            t.add_row(
                str(r.id),
                r.created_at[:16].replace("T", " "),
                r.created_by,
                r.reason + (f": {r.reason_text}" if r.reason_text else ""),
                r.status,
                channels,
                money or "-",
                f"{r.verified_steps}/{r.steps}",
                " ".join(can) or "-",
            )
        console.print(t)
        if not page.items:
            console.print("No stops match.")
        if page.next_cursor:
            console.print(f"next page: --cursor {page.next_cursor}")

    show(clikit.dump(page), json_out, render)


@friendly
def stops_notes(
    stop_id: int = typer.Argument(..., help="the stop's id"),
    workspace: str = WorkspaceOpt,
    lessons: str | None = typer.Option(None, "--lessons", help="what was learned (replaces)"),
    action_item: list[str] | None = typer.Option(
        None,
        "--action-item",
        help="TEXT or TEXT|OWNER|YYYY-MM-DD (repeat; replaces the action items)",
    ),
    json_out: bool = JsonOpt,
) -> None:
    """The stop's lessons and action items (audited); without options, shows them."""
    items = None
    if action_item is not None:
        items = []
        for word in action_item:
            text, owner, due = ([*word.split("|", 2), "", ""])[:3]
            items.append({"text": text, "owner": owner, "due": due or None, "done": False})
    with database().transaction() as uow:
        ws = clikit.workspace_id(uow, workspace)
        if lessons is None and items is None:
            data = notes.notes(uow, ws, stop_id)
        else:
            data = notes.update_notes(
                uow, ws, stop_id, lessons=lessons, action_items=items, actor=ACTOR
            )

    def render(_: object) -> None:
        console.print(f"stop {data['id']}: {data['lessons'] or '(no lessons yet)'}")
        for i in data["action_items"]:
            extra = "".join(f" · {v}" for v in (i["owner"], i["due"]) if v)
            console.print(f"- [{'x' if i['done'] else ' '}] {i['text']}{extra}")

    show(data, json_out, render)
