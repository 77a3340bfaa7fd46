"""``promodesk promote creators|contents|coupons``: creators and their wallets, videos and LIVE
rooms, coupons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import typer

from promodesk import clikit
from promodesk.clikit import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    country_code,
    database,
    dump,
    friendly,
    pairs,
    show,
    table,
)
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import PromoteContent, PromoteCoupon, PromoteCreator
from promodesk.promote.cli.inputs import parse_date, parse_instant
from promodesk.promote.cli.money import money_config
from promodesk.promote.domain.payout import withdrawable_at
from promodesk.promote.schemas.orders import ContentRead, CouponRead, CreatorRead
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service.wallet import creator_has_open_orders, wallet_view

creators = typer.Typer(help="Creators and their wallets.", no_args_is_help=True)
contents = typer.Typer(help="Videos and LIVE rooms.", no_args_is_help=True)
coupons = typer.Typer(help="Coupons (coin value, validity window).", no_args_is_help=True)

CREATOR_COLUMNS = ("id", "handle", "display_name", "account_type", "device_os", "region")


def creator_data(c: PromoteCreator) -> dict[str, Any]:
    return dump(CreatorRead.model_validate(c, from_attributes=True))


def content_data(c: PromoteContent) -> dict[str, Any]:
    return dump(ContentRead.model_validate(c, from_attributes=True))


def coupon_data(c: PromoteCoupon) -> dict[str, Any]:
    read = CouponRead.model_validate(c, from_attributes=True)
    read.status = coupons_service.shown_status(c)
    return dump(read)


# creators -------------------------------------------------------------------------------------


@creators.command("create")
@friendly
def create_creator(
    handle: str,
    birth_date: str = typer.Option(..., "--birth-date", help="YYYY-MM-DD"),
    account_type: str = typer.Option("personal", help="business, creator or personal"),
    device_os: str = typer.Option("android", "--os", help="android or ios"),
    app_version: str = typer.Option("21.0", help="the app version, e.g. 20.4"),
    region: str = typer.Option(..., help="ISO 3166-1 country code, e.g. GB or ID (not a name)"),
    name: str = typer.Option("", help="display name"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Create a creator profile."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        creator = creators_service.create_creator(
            uow,
            workspace_id,
            handle=handle,
            birth_date=parse_date(birth_date, "birth_date"),
            account_type=account_type,
            device_os=device_os,
            app_version=app_version,
            region=country_code(region, "region"),
            display_name=name,
            actor=ACTOR,
        )
        data = creator_data(creator)
    show(data, json_out, lambda d: typer.echo(f"created creator @{d['handle']} ({d['id']})"))


@creators.command("list")
@friendly
def list_creators(
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List creators (oldest first)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            creator_data(c) for c in creators_service.list_creators(uow, workspace_id, limit=limit)
        ]
    show(rows, json_out, table(rows, CREATOR_COLUMNS))


def wallet_data(uow: UnitOfWork, workspace_id: int, creator_id: int) -> dict[str, Any]:
    """Balance, held and withdrawable (0 while an order is open or the settlement delay runs)."""
    view = wallet_view(uow, workspace_id, creator_id)
    ready = withdrawable_at(view.last_order_ended_at, money_config().settlement_delay)
    blocked = creator_has_open_orders(uow, workspace_id, creator_id) or (
        ready is not None and clock.now() < ready
    )
    return {
        "balance": view.balance,
        "held": view.held,
        "withdrawable": 0 if blocked else view.balance,
        "withdrawable_at": ready.isoformat() if ready and blocked else None,
        "open_orders": view.open_orders,
        "last_order_ended_at": view.last_order_ended_at,
    }


@creators.command("show")
@friendly
def show_creator(
    creator_id: int,
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """A creator with the wallet: balance, coins held in running orders, withdrawable."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = creator_data(creators_service.get_creator(uow, workspace_id, creator_id))
        data["wallet"] = wallet_data(uow, workspace_id, creator_id)
    if json_out:
        show(data, True, print)
        return
    flat = {**data, **{f"wallet {k}": v for k, v in data["wallet"].items()}}
    pairs(f"creator @{data['handle']}")(flat)


# contents -------------------------------------------------------------------------------------


@contents.command("add")
@friendly
def add_content(
    creator_id: int,
    kind: str = typer.Option("video", help="video or live"),
    title: str = typer.Option(""),
    anchor: bool = typer.Option(False, "--anchor", help="the video has an e-commerce anchor"),
    commercial_music: bool = typer.Option(
        True, "--commercial-music/--no-commercial-music", help="videos need commercial music"
    ),
    on_air: bool = typer.Option(False, "--on-air", help="a LIVE broadcasting now"),
    starts_at: str | None = typer.Option(None, help="a scheduled LIVE's start (ISO time)"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Add a video or a LIVE room to a creator."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        content = creators_service.create_content(
            uow,
            workspace_id,
            creator_id,
            kind=kind,
            title=title,
            has_ecommerce_anchor=anchor,
            commercial_music=commercial_music if kind == "video" else False,
            on_air=on_air,
            scheduled_start=parse_instant(starts_at, "starts_at"),
            actor=ACTOR,
        )
        data = content_data(content)
    show(data, json_out, lambda d: typer.echo(f"added {d['kind']} {d['id']} to creator"))


@contents.command("list")
@friendly
def list_contents(
    creator: int | None = typer.Option(None, help="only this creator's"),
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List videos and LIVE rooms."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            content_data(c)
            for c in creators_service.list_contents(uow, workspace_id, creator, limit=limit)
        ]
    cols = ("id", "creator_id", "kind", "title", "has_ecommerce_anchor", "commercial_music")
    show(rows, json_out, table(rows, (*cols, "on_air")))


# coupons --------------------------------------------------------------------------------------


@coupons.command("issue")
@friendly
def issue_coupon(
    creator_id: int,
    value: int = typer.Option(..., help="value in coins"),
    days: int = typer.Option(30, min=1, help="valid for this many days from now"),
    until: str | None = typer.Option(None, help="valid until (ISO time; overrides --days)"),
    note: str = typer.Option(""),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Issue a coupon to a creator (usable on an order whose budget is greater than it)."""
    valid_until = parse_instant(until, "until") or clock.now() + timedelta(days=days)
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        coupon = coupons_service.issue_coupon(
            uow, workspace_id, creator_id, value_coins=value, valid_until=valid_until, note=note,
            actor=ACTOR,
        )  # fmt: skip
        data = coupon_data(coupon)
    show(data, json_out, lambda d: typer.echo(f"issued coupon {d['id']}: {d['value_coins']} coins"))


@coupons.command("list")
@friendly
def list_coupons(
    creator: int | None = typer.Option(None, help="only this creator's"),
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List coupons with their shown status (available, reserved, consumed, expired)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            coupon_data(c)
            for c in coupons_service.list_coupons(uow, workspace_id, creator, limit=limit)
        ]
    cols = ("id", "creator_id", "value_coins", "status", "valid_until", "order_id", "note")
    show(rows, json_out, table(rows, cols))
