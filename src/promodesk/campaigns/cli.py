"""``promodesk tiktok campaign-status|campaign-budget``: change a campaign on TikTok.

Registered on the ``promodesk tiktok`` app (``accounts/cli.py``). The id is promodesk's id of
the mirrored campaign (the console's campaign pages and ``GET /api/v1/campaigns`` show it).
Refusals print one line and exit with 1; the change is audited with the actor ``cli``.
"""

from __future__ import annotations

from typing import Any

import typer

from promodesk.campaigns import changes_service
from promodesk.clikit import console, database, emit_json, friendly
from promodesk.kit.money import Money
from promodesk.tenancy import service as tenancy

WORKSPACE = typer.Option(..., "--workspace", "-w", help="workspace slug")


def _ws(slug: str) -> int:
    with database().read() as uow:
        return tenancy.get_workspace(uow, slug).id


def _show(changed: dict[str, Any], json_out: bool, what: str) -> None:
    if json_out:
        emit_json(changed)
        return
    console.print(f"Campaign {changed['id']} ({changed['campaign_id']}, {changed['name']}): {what}")


@friendly
def campaign_status(
    campaign: int = typer.Argument(..., min=1, help="promodesk's campaign id"),
    status: str = typer.Argument(..., help="ENABLE, DISABLE (pause) or DELETE (final)"),
    workspace: str = WORKSPACE,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Enable, pause (DISABLE) or delete a campaign on TikTok."""
    changed = changes_service.change_status(
        database(), _ws(workspace), campaign, status, actor="cli"
    )
    _show(changed, json_out, f"{changed['operation_status']} · {changed['secondary_status']}")


@friendly
def campaign_budget(
    campaign: int = typer.Argument(..., min=1, help="promodesk's campaign id"),
    amount: str = typer.Argument(..., help="the new budget in the ad account's currency: 120.50"),
    workspace: str = WORKSPACE,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Set a campaign's daily or lifetime budget on TikTok."""
    changed = changes_service.change_budget(
        database(), _ws(workspace), campaign, amount, actor="cli"
    )
    budget = Money(int(changed["budget_minor"]), changed["currency"]).format()
    _show(changed, json_out, f"budget {budget}")


def register(app: typer.Typer) -> None:
    app.command("campaign-status")(campaign_status)
    app.command("campaign-budget")(campaign_budget)
