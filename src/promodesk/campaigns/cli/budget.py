"""Budget: live budgets, balances and freed budget per client, advertiser and ad account;
reallocations and Business Center transfers.

``promodesk tiktok budget`` shows the Budget view (``--json`` for scripts); ``reallocate``
moves freed budget from a pool (``adv:ADVERTISER_ID:CUR`` or ``acct:AD_ACCOUNT_ID:CUR``, as
``budget`` lists them) to campaigns (``--to CAMPAIGN_ID=AMOUNT``, promodesk's campaign ids),
after showing before → after and asking (``--yes`` answers for scripts); ``reallocation``
shows one and ``--retry`` sends what TikTok did not answer again; ``bc-transfer`` moves cash
between two agency-paid ad accounts through the Business Center. Changes are audited with the
actor ``cli``; refusals print one line and exit with 1.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.campaigns.schemas.budget import (
    BudgetRead,
    ReallocationPreview,
    ReallocationRead,
    TransferRead,
)
from promodesk.campaigns.service import freed, transfers
from promodesk.campaigns.service.budget import view as budget
from promodesk.campaigns.service.reallocation import plan as realloc_plan
from promodesk.campaigns.service.reallocation import settle as realloc_settle
from promodesk.campaigns.service.reallocation import start as realloc_start
from promodesk.campaigns.service.reallocation import views as realloc_views
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money

YES = typer.Option(False, "--yes", "-y", help="do not ask for a confirmation")


def _workspace_id(slug: str) -> int:
    with database().read() as uow:
        return clikit.workspace_id(uow, slug)


def _m(minor: int | None, currency: str) -> str:
    return "-" if minor is None else Money(int(minor), currency).format()


@friendly
def show_budget(
    workspace: str = WorkspaceOpt,
    client: int | None = typer.Option(None, "--client", min=1, help="a client account id"),
    advertiser: int | None = typer.Option(None, "--advertiser", min=1, help="an advertiser id"),
    ad_account: int | None = typer.Option(None, "--ad-account", min=1, help="an ad account id"),
    balances: bool = typer.Option(True, "--balances/--no-balances", help="ask TikTok"),
    json_out: bool = JsonOpt,
) -> None:
    """Budgets, today's pacing, balances and freed budget per client, advertiser, ad account."""
    view = budget.budget_view(
        database(),
        _workspace_id(workspace),
        budget.Filters(client, advertiser, ad_account),
        with_balances=balances,
    )
    show(clikit.dump(BudgetRead(**view)), json_out, _budget_tables)


def _account_row(t: Table, who: str, a: dict[str, Any]) -> None:
    cur = a["currency"]
    bal = a["balance"]
    pacing = "-" if a["pacing_percent"] is None else f"{a['pacing_percent']}%"
    t.add_row(
        who,
        f"{a['name']} ({a['id']})",
        f"{a['active_campaigns']}",
        _m(a["daily_budget_minor"], cur),
        _m(a["lifetime_budget_minor"], cur),
        _m(a["spent_today_minor"], cur),
        f"{pacing} at {a['day_elapsed_percent']}% of the day ({a['timezone']})",
        _m(bal.get("cash_minor"), cur) if bal["available"] else f"unavailable: {bal['reason']}",
    )


def _budget_tables(view: dict[str, Any]) -> None:
    t = Table(
        "client / advertiser",
        "ad account",
        "active",
        "daily",
        "lifetime",
        "spent today",
        "pacing",
        "balance",
        title="Budget",
    )
    for client in view["clients"]:
        for adv in client["advertisers"]:
            for a in adv["ad_accounts"]:
                _account_row(t, f"{client['name']} / {adv['name']}", a)
    for a in view["not_allocated"]:
        _account_row(t, "not allocated", a)
    console.print(t)
    p = Table("pool", "holds", "freed", "reallocated", title="Freed budget")
    for pool in view["pools"]:
        cur = pool["currency"]
        p.add_row(
            pool["key"],
            _m(pool["balance_minor"], cur),
            _m(pool["freed_minor"], cur),
            _m(pool["reallocated_minor"], cur),
        )
    console.print(p)


def _targets(pairs: list[str]) -> list[realloc_plan.Target]:
    out: list[realloc_plan.Target] = []
    for pair in pairs:
        campaign, sep, amount = pair.partition("=")
        if not sep or not campaign.strip().isdigit() or not amount.strip():
            raise ValidationFailed(
                f"--to {pair!r}: write CAMPAIGN_ID=AMOUNT, e.g. --to 12=50.00", field="to"
            )
        out.append(realloc_plan.Target(int(campaign), amount.strip()))
    return out


def _plan_table(plan: dict[str, Any]) -> None:
    cur = plan["currency"]
    t = Table("campaign", "mode", "before", "+", "after", "problem", title=f"Pool {plan['pool']}")
    for line in plan["lines"]:
        t.add_row(
            f"{line['name']} ({line['campaign_id']})",
            "daily" if line["daily"] else "lifetime",
            _m(line["before_minor"], cur),
            _m(line["amount_minor"], cur),
            _m(line["after_minor"], cur),
            line["detail"],
        )
    console.print(t)
    console.print(
        f"Pool: {_m(plan['pool_before_minor'], cur)} → {_m(plan['pool_after_minor'], cur)} "
        f"({_m(plan['total_minor'], cur)} reallocated)"
    )
    for p in plan["problems"]:
        if p["campaign_id"] is None:
            console.print(f"[red]{p['detail']}[/red]")


def _show_reallocation(out: dict[str, Any]) -> None:
    cur = out["currency"]
    console.print(
        f"Reallocation {out['id']}: {out['status']} · used {_m(out['used_minor'], cur)}, "
        f"back in the pool {_m(out['returned_minor'], cur)}"
    )
    for i in out.get("items") or []:
        check = "verified" if i["verified"] else i["error"]
        console.print(
            f"  {i['name']} ({i['campaign_id']}): {i['status']} "
            f"{_m(i['before_minor'], cur)} → {_m(i['after_minor'], cur)} {check}"
        )


@friendly
def reallocate(
    workspace: str = WorkspaceOpt,
    pool: str = typer.Option(..., "--pool", help="adv:ADVERTISER_ID:CUR or acct:AD_ACCOUNT_ID:CUR"),
    to: list[str] = typer.Option(..., "--to", help="CAMPAIGN_ID=AMOUNT, repeat for several"),
    note: str = typer.Option("", "--note", help="why"),
    json_out: bool = JsonOpt,
    yes: bool = YES,
) -> None:
    """Move freed budget to campaigns: shows before → after, asks, then updates TikTok."""
    workspace_id = _workspace_id(workspace)
    the_pool = freed.parse_pool(pool)
    targets = _targets(to)
    with database().read() as uow:
        plan = realloc_plan.plan_view(
            realloc_plan.preview(uow, workspace_id, the_pool, targets), the_pool
        )
    if not yes:
        if not json_out:
            _plan_table(ReallocationPreview(**plan).model_dump())
        if plan["ok"]:
            typer.confirm("Reallocate?", abort=True, err=True)
    out = realloc_start.reallocate(
        database(), workspace_id, the_pool, targets, actor=ACTOR, note=note
    )
    show(clikit.dump(ReallocationRead(**out)), json_out, _show_reallocation)
    if out["status"] != "done":
        raise typer.Exit(1)


@friendly
def show_reallocation(
    reallocation_id: int = typer.Argument(..., min=1, help="the reallocation's id"),
    workspace: str = WorkspaceOpt,
    retry: bool = typer.Option(False, "--retry", help="send what TikTok did not answer again"),
    json_out: bool = JsonOpt,
) -> None:
    """One reallocation with its campaigns, their read-back and what went back to the pool."""
    workspace_id = _workspace_id(workspace)
    if retry:
        out = realloc_settle.retry(database(), workspace_id, reallocation_id, actor=ACTOR)
    else:
        with database().read() as uow:
            out = realloc_views.view(uow, workspace_id, reallocation_id)
    show(clikit.dump(ReallocationRead(**out)), json_out, _show_reallocation)


@friendly
def bc_transfer(
    workspace: str = WorkspaceOpt,
    source: int = typer.Option(..., "--from", min=1, help="the ad account the cash leaves"),
    target: int = typer.Option(..., "--to", min=1, help="the ad account the cash goes to"),
    amount: str = typer.Option(..., "--amount", help="in the accounts' currency: 250.00"),
    note: str = typer.Option("", "--note", help="why"),
    json_out: bool = JsonOpt,
    yes: bool = YES,
) -> None:
    """Move cash between two agency-paid ad accounts through the Business Center."""
    workspace_id = _workspace_id(workspace)
    if not yes:
        typer.confirm(
            f"Move {amount} from ad account {source} to ad account {target} through the "
            "Business Center?",
            abort=True,
            err=True,
        )
    out = transfers.transfer(
        database(),
        workspace_id,
        from_ad_account_id=source,
        to_ad_account_id=target,
        amount=amount,
        actor=ACTOR,
        note=note,
    )

    def line(t: dict[str, Any]) -> None:
        console.print(
            f"Transfer {t['id']}: {t['status']} · {_m(t['amount_minor'], t['currency'])} "
            f"{t['error']}".rstrip()
        )

    show(clikit.dump(TransferRead(**out)), json_out, line)
    if out["status"] != "done":
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
    app.command("budget")(show_budget)
    app.command("reallocate")(reallocate)
    app.command("reallocation")(show_reallocation)
    app.command("bc-transfer")(bc_transfer)
