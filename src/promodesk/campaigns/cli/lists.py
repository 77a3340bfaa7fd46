"""``promodesk tiktok campaigns|adgroups|ads [list]``: the lists with metric columns.

Each takes the list's search, status word, sort (metric columns included) and range
(``campaigns.domain.lists``) and pages like the API: ``--json`` prints exactly the API's page
(``items``, ``next_cursor``, ``prev_cursor``, ``range``, ``totals``; TikTok ids as strings);
pass a ``next_cursor`` back with ``--cursor`` (and the same ``--sort`` and ``--range``) for the
next page. ``--export FILE.csv|FILE.xlsx`` writes the whole list (every page, the totals) as the
API's ``format=`` does. ``promodesk tiktok campaigns`` alone lists too.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.schemas.campaigns import CampaignPage, ObjectPage
from promodesk.campaigns.service import exports, lists
from promodesk.clikit import JsonOpt, console, database, friendly, show
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money

NOUN = {Level.CAMPAIGN: "campaigns", Level.ADGROUP: "ad groups", Level.AD: "ads"}


def _list(level: Level, opts: dict[str, Any]) -> None:
    workspace = opts.pop("workspace")
    json_out = opts.pop("json_out")
    target: Path | None = opts.pop("export")
    cursor, limit = opts.pop("cursor"), opts.pop("limit")
    kw = {k: v for k, v in opts.items() if v is not None}
    with database().read() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        if target is not None:
            fmt = target.suffix.lstrip(".").lower()
            if fmt not in ("csv", "xlsx"):
                raise ValidationFailed("--export names a .csv or .xlsx file", field="export")
            body, _media, _name = exports.export(uow, workspace_id, level, fmt, **kw)
        else:
            page = lists.object_page(uow, workspace_id, level, cursor=cursor, limit=limit, **kw)
    if target is not None:
        target.write_bytes(body)
        console.print(f"{NOUN[level].capitalize()} written to {target} ({len(body)} bytes)")
        return
    model = CampaignPage(**page) if level is Level.CAMPAIGN else ObjectPage(**page)
    show(clikit.dump(model), json_out, lambda p: _table(level, p))


def _money(minor: int | str | None, currency: str) -> str:
    if minor is None:
        return "-"
    return Money(int(minor), currency).format()


def _table(level: Level, page: dict[str, Any]) -> None:
    table = Table(
        "id",
        NOUN[level][:-1],
        "status",
        "ad account",
        "client / advertiser",
        "spend",
        "impr.",
        "clicks",
        "CTR %",
        "conv.",
    )
    for c in page["items"]:
        alloc = c["allocation"]
        status = c["status"].replace("_", " ")
        if c["status_reason"]:
            status += f" — {c['status_reason']}"
        tid = c["campaign_id"] if level is Level.CAMPAIGN else c["tiktok_id"]
        m = c["metrics"]
        table.add_row(
            str(c["id"]),
            f"{c['name']} ({tid})",
            status,
            f"{c['ad_account_name']} ({c['ad_account_advertiser_id']})",
            f"{alloc['client_account_name']} / {alloc['advertiser_name']}" if alloc else "-",
            _money(m["spend_minor"], c["currency"]),
            str(m["impressions"]),
            str(m["clicks"]),
            m["ctr"] or "-",
            str(m["conversions"]),
        )
    for t in (page.get("totals") or {}).get("by_currency", []):
        m = t["metrics"]
        table.add_row(
            "",
            f"Total {t['currency']} ({t['count']})",
            "",
            "",
            "",
            _money(m["spend_minor"], t["currency"]),
            str(m["impressions"]),
            str(m["clicks"]),
            m["ctr"] or "-",
            str(m["conversions"]),
            style="bold",
        )
    console.print(table)
    days = ", ".join(f"{d['since']}..{d['until']} {d['time_zone']}" for d in page["range"]["days"])
    console.print(f"range {page['range']['range']}: {days}")
    if page["next_cursor"]:
        console.print(f"next page: --cursor {page['next_cursor']}")


WS = typer.Option(None, "--workspace", "-w", help="workspace slug")
ACCOUNT = typer.Option(None, "--ad-account", min=1, help="an ad account id")
ADVERTISER = typer.Option(None, "--advertiser", min=1, help="an advertiser id (allocation)")
CAMPAIGN = typer.Option(None, "--campaign", min=1, help="promodesk's id of the campaign")
SEARCH = typer.Option(None, "--search", help="part of the name, or an exact id")
STATUS = typer.Option(None, "--status", help="active, paused, deleted or not delivering")
SORT = typer.Option(
    None,
    "--sort",
    help="name, id, budget, status, last_change, spend, impressions, clicks, ctr, cpc, cpm, "
    "conversions, cost_per_result; -spend for descending",
)
RANGE = typer.Option(
    None, "--range", help="today, yesterday, last_7_days (default), last_30_days or custom"
)
SINCE = typer.Option(None, "--since", help="first day YYYY-MM-DD (custom range)")
UNTIL = typer.Option(None, "--until", help="last day YYYY-MM-DD, included (custom range)")
LIMIT = typer.Option(50, "--limit", min=1, max=500, help="rows per page")
CURSOR = typer.Option(None, "--cursor", help="next_cursor of the last page")
EXPORT = typer.Option(None, "--export", help="write the whole list to FILE.csv or FILE.xlsx")


def _app(level: Level) -> typer.Typer:
    app = typer.Typer(help=f"The {NOUN[level]} list (``list``, or no subcommand).")

    @friendly
    def run(
        workspace: str | None = WS,
        ad_account: int | None = ACCOUNT,
        advertiser: int | None = ADVERTISER,
        campaign: int | None = CAMPAIGN,
        search: str | None = SEARCH,
        status: str | None = STATUS,
        sort: str | None = SORT,
        range_: str | None = RANGE,
        since: str | None = SINCE,
        until: str | None = UNTIL,
        limit: int = LIMIT,
        cursor: str | None = CURSOR,
        export: Path | None = EXPORT,
        json_out: bool = JsonOpt,
    ) -> None:
        if workspace is None:
            raise ValidationFailed("--workspace is required", field="workspace")
        if campaign is not None and level is Level.CAMPAIGN:
            raise ValidationFailed("--campaign filters ad groups and ads", field="campaign")
        opts: dict[str, Any] = {
            "workspace": workspace,
            "json_out": json_out,
            "export": export,
            "cursor": cursor,
            "limit": limit,
            "ad_account_id": ad_account,
            "advertiser_id": advertiser,
            "search": search,
            "status": status,
            "sort": sort,
            "range": range_,
            "since": since,
            "until": until,
        }
        if level is not Level.CAMPAIGN:
            opts["campaign_row_id"] = campaign
        _list(level, opts)

    run.__doc__ = f"List {NOUN[level]}: search, status, sort, metrics over a range, export."

    @app.callback(invoke_without_command=True)
    def default(ctx: typer.Context, **kwargs: Any) -> None:
        if ctx.invoked_subcommand is None:
            run(**kwargs)

    sig = inspect.signature(run, eval_str=True)
    ctx_param = inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
    )
    default.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[ctx_param, *sig.parameters.values()]
    )
    default.__doc__ = run.__doc__
    app.command("list")(run)
    return app


def register(app: typer.Typer) -> None:
    app.add_typer(_app(Level.CAMPAIGN), name="campaigns")
    app.add_typer(_app(Level.ADGROUP), name="adgroups")
    app.add_typer(_app(Level.AD), name="ads")
