"""``promodesk promote recharge|withdraw|withdrawals|invoices``: the coin wallet's money side."""

from __future__ import annotations

from pathlib import Path

import typer

from promodesk import clikit
from promodesk.clikit import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    currency_code,
    database,
    dump,
    friendly,
    settings,
    show,
    table,
)
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money
from promodesk.promote.payments import TestProvider
from promodesk.promote.schemas.money import InvoiceRead, RechargeRead, WithdrawalRead
from promodesk.promote.service import invoices as invoices_service
from promodesk.promote.service import recharge as recharge_service
from promodesk.promote.service import withdrawals as withdrawals_service
from promodesk.promote.settings import MoneyConfig

recharge = typer.Typer(help="Buy coins (the built-in test provider by default).")
withdrawals = typer.Typer(help="Withdrawals of the unused balance.", no_args_is_help=True)
invoices = typer.Typer(help="Invoices of confirmed recharges.", no_args_is_help=True)


def money_config() -> MoneyConfig:
    """The money side's settings, read from the environment for this command."""
    return MoneyConfig.from_settings(settings())


RECHARGE_COLUMNS = ("id", "creator_id", "coins", "method", "amount_display", "status")
WITHDRAWAL_COLUMNS = (
    "id", "creator_id", "coins", "cash_display", "route", "payout_method", "status",
    "expected_payout_date",
)  # fmt: skip


def _recharge_line(d: dict[str, object]) -> None:
    typer.echo(
        f"recharge {d['id']}: {d['coins']} coins for {d['amount_display']} "
        f"via {d['method']}: {d['status']}"
    )


@recharge.command("create")
@friendly
def create(
    creator_id: int,
    coins: int = typer.Option(..., help="coins to buy"),
    method: str = typer.Option(..., help="payment method code, e.g. card, apple_pay, dana"),
    currency: str | None = typer.Option(None, help="pay in this currency (default: region's)"),
    mode: str = typer.Option(
        "succeed", help="test provider outcome: succeed, fail or pending (confirm later)"
    ),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Recharge a creator's wallet; coins are credited only once the payment is confirmed."""
    if mode not in ("succeed", "fail", "pending"):
        raise ValidationFailed("mode is succeed, fail or pending", field="mode")
    if currency is not None:
        currency = currency_code(currency)
    cfg = money_config()
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        r = recharge_service.create_recharge(
            uow, cfg, workspace_id, creator_id=creator_id, coins=coins, method=method,
            currency=currency, mode=mode, actor=ACTOR,
        )  # fmt: skip
        data = dump(RechargeRead.of(r))
    show(data, json_out, _recharge_line)


@recharge.command("confirm")
@friendly
def confirm(
    recharge_id: int,
    fail: bool = typer.Option(False, "--fail", help="deliver a failed payment instead"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Test provider: deliver the signed webhook for a pending recharge (same path as the
    provider's own call); a replay changes nothing."""
    cfg = money_config()
    if not isinstance(cfg.provider, TestProvider):
        raise ValidationFailed("only the built-in test provider can confirm from the CLI")
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        r = recharge_service.get_recharge(uow, workspace_id, recharge_id)
        payload, signature = cfg.provider.webhook(
            provider_ref=r.provider_ref or "",
            reference=str(r.id),
            amount=Money(r.amount, r.currency),
            succeeded=not fail,
        )
        outcome = recharge_service.handle_webhook(uow, cfg, payload, signature)
        data = dump(RechargeRead.of(outcome.recharge)) | {"changed": outcome.changed}
    show(data, json_out, _recharge_line)


@recharge.command("list")
@friendly
def list_recharges(
    creator: int | None = typer.Option(None, help="creator id"),
    status: str | None = typer.Option(None, help="pending, confirmed or failed"),
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List recharges, newest first."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(RechargeRead.of(r))
            for r in recharge_service.list_recharges(
                uow, workspace_id, creator_id=creator, status=status, limit=limit
            )
        ]
    show(rows, json_out, table(rows, RECHARGE_COLUMNS))


@friendly
def withdraw(
    creator_id: int,
    coins: int | None = typer.Option(None, help="default: the whole balance"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Request a withdrawal of the unused balance (no open order; after the settlement
    delay). Shows the route: the original payment method, or the store for iOS / GB."""
    cfg = money_config()
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        w, message = withdrawals_service.request_withdrawal(
            uow, cfg, workspace_id, creator_id=creator_id, coins=coins, actor=ACTOR
        )
        data = dump(WithdrawalRead.of(w, message))
    show(
        data,
        json_out,
        lambda d: typer.echo(
            f"withdrawal {d['id']}: {d['coins']} coins ({d['cash_display']}), "
            f"expected {d['expected_payout_date']}. "
            f"{d['message']}"
        ),
    )


@withdrawals.command("list")
@friendly
def list_withdrawals(
    creator: int | None = typer.Option(None, help="creator id"),
    status: str | None = typer.Option(None, help="requested, processing, paid or failed"),
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List withdrawals, newest first."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(WithdrawalRead.of(w))
            for w in withdrawals_service.list_withdrawals(
                uow, workspace_id, creator_id=creator, status=status, limit=limit
            )
        ]
    show(rows, json_out, table(rows, WITHDRAWAL_COLUMNS))


@withdrawals.command("advance")
@friendly
def advance(
    withdrawal_id: int,
    status: str = typer.Argument(..., help="processing, paid or failed"),
    reason: str = typer.Option("", help="why it failed"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Move a payout along: processing, then paid or failed (failed returns the coins)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        w = withdrawals_service.advance_withdrawal(
            uow, workspace_id, withdrawal_id, status, reason=reason, actor=ACTOR
        )
        data = dump(WithdrawalRead.of(w))
    show(data, json_out, lambda d: typer.echo(f"withdrawal {d['id']}: {d['status']}"))


@invoices.command("list")
@friendly
def list_invoices(
    creator: int | None = typer.Option(None, help="creator id"),
    year: int | None = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List invoices, newest first."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(InvoiceRead.of(i))
            for i in invoices_service.list_invoices(
                uow, workspace_id, creator_id=creator, year=year, limit=limit
            )
        ]
    cols = ("id", "number", "creator_id", "coins", "amount_display", "issued_at")
    show(rows, json_out, table(rows, cols))


@invoices.command("download")
@friendly
def download(
    invoice_id: int,
    out: Path = typer.Option(
        None, "--out", "-o", help="file or directory (default: ./<number>.pdf)"
    ),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Write the invoice PDF to a file."""
    with database().transaction() as uow:
        name, pdf = invoices_service.invoice_pdf(
            uow, clikit.workspace_id(uow, workspace), invoice_id
        )
    target = out if out is not None else Path(name)
    if target.is_dir():
        target = target / name
    try:
        target.write_bytes(pdf)
    except OSError as exc:
        raise ValidationFailed(f"cannot write {target}: {exc.strerror}", field="out") from None
    data = {"invoice_id": invoice_id, "path": str(target), "bytes": len(pdf)}
    show(data, json_out, lambda d: typer.echo(f"wrote {d['path']} ({d['bytes']:,} bytes)"))
