"""``promodesk tiktok cancel-monitor``: before/after a cancellation;
``promodesk tiktok retrospective``: the cancellations of a month, week or range (per client or
advertiser), exported to CSV or XLSX with ``--export``; ``promodesk tiktok cancel-lessons``:
the lessons and action items of a cancellation (audited with the actor ``cli``).

Money is shown in the ad account's currency; days and hours of the monitor in the ad account's
zone (named); the retrospective's period in UTC days. Refusals print one line and exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.campaigns.schemas.monitor import MonitorRead, NotesRead, RetrospectiveRead
from promodesk.campaigns.service.monitor import before_after
from promodesk.campaigns.service.retrospective import export as retro_export
from promodesk.campaigns.service.retrospective import notes as retro_notes
from promodesk.campaigns.service.retrospective import report as retro_report
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money


def _m(minor: int | None, currency: str) -> str:
    return "-" if minor is None else Money(int(minor), currency).format()


def _pct(value: str | None) -> str:
    return "-" if value is None else f"{value} %"


@friendly
def cancel_monitor(
    cancellation: int = typer.Argument(..., min=1, help="the cancellation's id"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Spend before and after a cancellation: the objects, the ad account, the other
    campaigns and the advertiser, per day and around the stop."""
    with database().read() as uow:
        data = before_after.monitor(uow, clikit.workspace_id(uow, workspace), cancellation)
    show(clikit.dump(MonitorRead(**data)), json_out, _monitor_text)


def _monitor_text(data: dict[str, Any]) -> None:
    c = data["cancellation"]
    console.print(
        f"Cancellation {c['id']}: {c['action']}, reason {c['reason_code']}, made {c['created_at']}"
    )
    for a in data["accounts"]:
        cur = a["currency"]
        cmp = a["comparison"]
        console.print(
            f"\nAd account {a['name']} ({a['tiktok_advertiser_id']}), {cur}, times in "
            f"{a['time_zone']}: stopped {a['stop_local']}"
        )
        if cmp["days"] == 0:
            console.print("Too early to compare: no whole day has passed since the stop day.")
        else:
            console.print(
                f"before {cmp['before']['since']} – {cmp['before']['last']} vs after "
                f"{cmp['after']['since']} – {cmp['after']['last']} ({cmp['days']} d each side)"
            )
        t = Table("", "before", "after", "change")
        for label, part in (("cancelled objects", a["objects"]), ("ad account", a["account"])):
            t.add_row(
                label,
                _m(part["before"]["spend_minor"], cur),
                _m(part["after"]["spend_minor"], cur),
                _pct(part["change_percent"]),
            )
        if a["others"]:
            o = a["others"]
            t.add_row(
                "other campaigns",
                _m(o["before_minor"], cur),
                _m(o["after_minor"], cur),
                _pct(o["change_percent"]),
            )
        console.print(t)
        items = Table("item", "level", "object", "status", "verified", "spend after stop")
        for i in a["items"]:
            items.add_row(
                str(i["id"]),
                i["level"],
                f"{i['name']} ({i['object_id']})",
                i["status"],
                i["verify_status"],
                _m(i["spend_after_minor"], cur),
            )
        console.print(items)
        days = Table("day", "cancelled objects", "ad account", title="Spend per day")
        for d in a["daily"]:
            mark = " ◀ stop" if d["day"] == a["stop_day"] else ""
            days.add_row(
                d["day"] + mark,
                _m(d["objects"]["spend_minor"], cur),
                _m(d["account_spend_minor"], cur),
            )
        console.print(days)
    for adv in data["advertisers"]:
        for cur, part in adv["by_currency"].items():
            console.print(
                f"Advertiser {adv['name']} ({adv['client_name']}): "
                f"{_m(part['before']['spend_minor'], cur)} before, "
                f"{_m(part['after']['spend_minor'], cur)} after ({_pct(part['change_percent'])})"
            )


@friendly
def retrospective(
    workspace: str = WorkspaceOpt,
    month: str | None = typer.Option(None, "--month", help="YYYY-MM (default: this month)"),
    week: str | None = typer.Option(None, "--week", help="an ISO week, YYYY-Www"),
    since: str | None = typer.Option(None, "--since", help="first day, YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="last day, YYYY-MM-DD"),
    client: int | None = typer.Option(None, "--client", min=1, help="a client account id"),
    advertiser: int | None = typer.Option(None, "--advertiser", min=1, help="an advertiser id"),
    export: Path | None = typer.Option(
        None, "--export", help="write the table to this .csv or .xlsx file"
    ),
    json_out: bool = JsonOpt,
) -> None:
    """The retrospective of cancellations: reasons, money, what happened after, lessons."""
    period = "custom" if since or until else "week" if week else "month"
    if export is not None and export.suffix.lower() not in (".csv", ".xlsx"):
        raise ValidationFailed("--export writes a .csv or an .xlsx file", field="export")
    with database().read() as uow:
        data = retro_report.retrospective(
            uow,
            clikit.workspace_id(uow, workspace),
            period=period,
            month=month,
            week=week,
            since=since,
            until=until,
            client_id=client,
            advertiser_id=advertiser,
        )
    if export is not None:
        if export.suffix.lower() == ".csv":
            export.write_text(retro_export.to_csv(data), encoding="utf-8")
        else:
            export.write_bytes(retro_export.to_xlsx(data))
        if not json_out:
            console.print(f"Wrote {export}")
            return
    show(clikit.dump(RetrospectiveRead(**data)), json_out, _retro_text)


def _retro_text(data: dict[str, Any]) -> None:
    p = data["period"]
    count = data["cancellations"]
    console.print(f"Retrospective {p['since']} – {p['last']} (UTC days): {count} cancellations")
    if data["by_reason"]:
        console.print("By reason: " + ", ".join(f"{k} {v}" for k, v in data["by_reason"].items()))
    t = Table("currency", "spent to date", "freed", "reallocated", "spend after stop")
    for m in data["totals"]:
        cur = m["currency"]
        t.add_row(
            cur,
            _m(m["spent_minor"], cur),
            _m(m["freed_minor"], cur),
            _m(m["reallocated_minor"], cur),
            _m(m["spend_after_minor"], cur),
        )
    console.print(t)
    rows = Table("id", "day", "reason", "advertisers", "freed", "cost/result vs ref", "lessons")
    for r in data["rows"]:
        freed = ", ".join(_m(m["freed_minor"], m["currency"]) for m in r["money"])
        cpr = r["cost_per_result"]
        verdict = cpr.get("verdict") or "-"
        rows.add_row(
            str(r["id"]),
            r["day"],
            r["reason_code"],
            ", ".join(a["name"] for a in r["advertisers"]) or "-",
            freed or "-",
            verdict,
            (r["lessons"][:40] + "…") if len(r["lessons"]) > 40 else r["lessons"],
        )
    console.print(rows)


def _action_item(text: str) -> dict[str, Any]:
    """``text|owner|YYYY-MM-DD`` (owner and due optional)."""
    parts = [p.strip() for p in text.split("|")]
    return {
        "text": parts[0],
        "owner": parts[1] if len(parts) > 1 else "",
        "due": parts[2] if len(parts) > 2 else "",
    }


@friendly
def cancel_lessons(
    cancellation: int = typer.Argument(..., min=1, help="the cancellation's id"),
    workspace: str = WorkspaceOpt,
    lessons: str | None = typer.Option(None, "--lessons", help="what the team learned"),
    action_item: list[str] = typer.Option(
        [], "--action-item", help="add an action item: 'text|owner|YYYY-MM-DD' (repeatable)"
    ),
    done: list[int] = typer.Option(
        [], "--done", min=1, help="mark action item N (1 = first) done (repeatable)"
    ),
    clear_items: bool = typer.Option(False, "--clear-items", help="remove every action item"),
    json_out: bool = JsonOpt,
) -> None:
    """Show or edit the lessons and action items of a cancellation."""
    db = database()
    with db.transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        current = retro_notes.notes(uow, workspace_id, cancellation)
        items = [] if clear_items else list(current["action_items"])
        for n in done:
            if n > len(items):
                raise ValidationFailed(f"there is no action item {n}", field="done")
            items[n - 1] = {**items[n - 1], "done": True}
        items += [_action_item(a) for a in action_item]
        changed = lessons is not None or bool(action_item) or bool(done) or clear_items
        saved = (
            retro_notes.update_notes(
                uow, workspace_id, cancellation, lessons=lessons, action_items=items, actor=ACTOR
            )
            if changed
            else current
        )
    show(clikit.dump(NotesRead(**saved)), json_out, _notes_text)


def _notes_text(data: dict[str, Any]) -> None:
    console.print(f"Cancellation {data['id']}")
    console.print(f"Lessons: {data['lessons'] or '-'}")
    for n, i in enumerate(data["action_items"], 1):
        mark = "x" if i["done"] else " "
        extra = " · ".join(x for x in (i["owner"], f"due {i['due']}" if i["due"] else "") if x)
        line = f"{n}. [{mark}] {i['text']}" + (f" ({extra})" if extra else "")
        console.print(line, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
    app.command("cancel-monitor")(cancel_monitor)
    app.command("retrospective")(retrospective)
    app.command("cancel-lessons")(cancel_lessons)
