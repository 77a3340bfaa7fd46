"""``promodesk tiktok campaign-status|campaign-budget``: change a campaign on TikTok (the
lists are ``cli/lists.py``).

Registered on the ``promodesk tiktok`` app (``accounts/cli.py``). The id is promodesk's id of
the mirrored campaign (the console's campaign pages and ``GET /api/v1/campaigns`` show it).
Refusals print one line and exit with 1; the change is audited with the actor ``cli``.
A DELETE, and a budget raise above the confirmation factor (``PROMODESK_ACCOUNTS_BUDGET_
CONFIRM_FACTOR``), ask first (before → after, per day or lifetime); ``--yes`` answers for
scripts. Without a terminal to answer, the question ends the command with nothing changed.
"""

from __future__ import annotations

from typing import Any

import typer

from promodesk import clikit
from promodesk.campaigns.service import changes
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.kit.money import Money

YES = typer.Option(False, "--yes", "-y", help="do not ask for a confirmation")


def _workspace_id(slug: str) -> int:
    with database().read() as uow:
        return clikit.workspace_id(uow, slug)


def _show(changed: dict[str, Any], json_out: bool, what: str) -> None:
    def line(c: dict[str, Any]) -> None:
        console.print(f"Campaign {c['id']} ({c['campaign_id']}, {c['name']}): {what}")

    show(changed, json_out, line)


@friendly
def campaign_status(
    campaign: int = typer.Argument(..., min=1, help="promodesk's campaign id"),
    status: str = typer.Argument(..., help="ENABLE, DISABLE (pause) or DELETE (final)"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
    yes: bool = YES,
) -> None:
    """Enable, pause (DISABLE) or delete a campaign on TikTok; a DELETE asks first."""
    workspace_id = _workspace_id(workspace)
    if status.strip().upper() == "DELETE" and not yes:
        typer.confirm(
            f"Delete campaign {campaign} on TikTok? It stops delivering at once and this "
            "cannot be undone",
            abort=True,
            err=True,
        )
    changed = changes.change_status(database(), workspace_id, campaign, status, actor=ACTOR)
    _show(changed, json_out, f"{changed['operation_status']} · {changed['secondary_status']}")


@friendly
def campaign_budget(
    campaign: int = typer.Argument(..., min=1, help="promodesk's campaign id"),
    amount: str = typer.Argument(..., help="the new budget in the ad account's currency: 120.50"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
    yes: bool = YES,
) -> None:
    """Set a campaign's daily or lifetime budget on TikTok; a large raise asks first."""
    workspace_id = _workspace_id(workspace)
    with database().read() as uow:
        preview = changes.budget_preview(uow, workspace_id, campaign, amount)
    if preview.needs_confirmation and not yes:
        before = "none" if preview.before_minor is None else _money(preview.before_minor, preview)
        per = "per day" if preview.daily else "for the campaign's lifetime"
        typer.confirm(
            f"Budget of campaign {campaign}: {before} → {_money(preview.after_minor, preview)} "
            f"{per}, more than {preview.factor} times the current one. Set it?",
            abort=True,
            err=True,
        )
    changed = changes.change_budget(
        database(), workspace_id, campaign, amount, confirm=True, actor=ACTOR
    )
    budget = Money(int(changed["budget_minor"]), changed["currency"]).format()
    _show(changed, json_out, f"budget {budget}")


def _money(minor: int, preview: changes.BudgetPreview) -> str:
    return Money(minor, preview.currency).format()


def register(app: typer.Typer) -> None:
    app.command("campaign-status")(campaign_status)
    app.command("campaign-budget")(campaign_budget)
