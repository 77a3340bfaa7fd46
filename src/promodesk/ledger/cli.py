"""``promodesk ledger check``."""

from __future__ import annotations

import typer

from promodesk.clikit import JsonOpt, console, database, emit_json, err_console, friendly
from promodesk.ledger.check import check_ledger

app = typer.Typer(help="The money ledger.", no_args_is_help=True)


@app.command("check")
@friendly
def check(json_out: bool = JsonOpt) -> None:
    """Prove the invariants: entries balance, cached balances match lines, no floor crossed."""
    with database().transaction() as uow:
        report = check_ledger(uow)
    if json_out:
        emit_json(
            {
                "ok": report.ok,
                "accounts": report.accounts,
                "entries": report.entries,
                "lines": report.lines,
                "problems": report.problems(),
            }
        )
    elif report.ok:
        console.print(
            f"[green]ledger ok[/green]: {report.accounts} accounts, "
            f"{report.entries} entries, {report.lines} lines balance"
        )
    else:
        err_console.print("[red]ledger check failed[/red]")
        for problem in report.problems():
            err_console.print(f"  - {problem}")
    if not report.ok:
        raise typer.Exit(1)
