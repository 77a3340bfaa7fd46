"""``promodesk shop platform …``: a shop's link to its TikTok Shop from the shell: its state,
the authorization URL, linking with the callback's code (picking a platform shop by cipher),
and a sync (follow it with ``promodesk operations show ID --follow``). No token is printed."""

from __future__ import annotations

import typer

from promodesk import clikit
from promodesk.clikit import JsonOpt, WorkspaceOpt, console, database, dump, friendly, show, table
from promodesk.shop.errors import PlatformChoiceNeeded
from promodesk.shop.schemas.platform import PlatformLinkRead
from promodesk.shop.service import platform_writes
from promodesk.shop.service.platform_links import authorization, linking, reads
from promodesk.shop.service.platform_sync import steps

platform_app = typer.Typer(
    help="The shop's link to its TikTok Shop: connect, state, sync.", no_args_is_help=True
)

LINK_COLUMNS = (
    "shop_id", "provider", "platform_shop_id", "platform_shop_name", "status",
    "access_expires_at", "synced_at",
)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(platform_app, name="platform")


@platform_app.command("status")
@friendly
def status(workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """Every shop's platform link and its state."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(PlatformLinkRead.model_validate(reads.link_view(row)))
            for row in reads.links(uow, workspace_id)
        ]
    show(rows, json_out, table(rows, LINK_COLUMNS, "platform links"))


@platform_app.command("authorize-url")
@friendly
def authorize_url(
    shop: int = typer.Argument(..., help="promodesk shop id"),
    redirect_uri: str = typer.Option(..., help="where the platform sends the seller back"),
    workspace: str = WorkspaceOpt,
) -> None:
    """Print the platform's authorization page for the shop (open it in a browser)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        url = authorization.authorization_url(
            uow, workspace_id, shop, actor="cli", redirect_uri=redirect_uri
        )
    console.print(url, soft_wrap=True)


def _print_choice(exc: PlatformChoiceNeeded, pending: str) -> None:
    # One line per shop (a table would wrap the long ciphers on a narrow terminal).
    console.print("The seller approved several shops (cipher, shop id, name, region):")
    for s in exc.extra.get("shops", []):
        console.print(
            f"  {s['cipher']}  {s['shop_id']}  {s['name']}  {s['region']}",
            soft_wrap=True,
            markup=False,
        )
    console.print(
        "Link one with: promodesk shop platform pick SHOP --cipher CIPHER --pending PENDING",
        soft_wrap=True,
    )
    console.print(f"PENDING={pending}", soft_wrap=True, markup=False)


@platform_app.command("link")
@friendly
def link(
    shop: int = typer.Argument(..., help="promodesk shop id"),
    state: str = typer.Option(..., help="the callback's state"),
    code: str = typer.Option(..., help="the callback's code"),
    cipher: str | None = typer.Option(None, help="the platform shop to link, by its cipher"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Exchange the callback's code and link the shop."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
    authorized = authorization.authorize(workspace_id, state=state, code=code)
    if authorized.shop_id != shop:
        raise typer.BadParameter("the authorization was started for another shop")
    try:
        with database().transaction() as uow:
            row = linking.link(uow, authorized, shop_cipher=cipher, actor="cli")
            data = dump(PlatformLinkRead.model_validate(reads.link_view(row)))
    except PlatformChoiceNeeded as exc:
        _print_choice(exc, authorization.pending_token(authorized))
        raise typer.Exit(2) from None
    show(data, json_out, clikit.pairs("linked"))


@platform_app.command("pick")
@friendly
def pick(
    shop: int = typer.Argument(..., help="promodesk shop id"),
    cipher: str = typer.Option(..., help="the platform shop to link, by its cipher"),
    pending: str = typer.Option(..., help="the pending authorization printed by link"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Link the shop to one platform shop of a pending authorization."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        authorized = authorization.from_pending(workspace_id, pending)
        if authorized.shop_id != shop:
            raise typer.BadParameter("the authorization was started for another shop")
        row = linking.link(uow, authorized, shop_cipher=cipher, actor="cli")
        data = dump(PlatformLinkRead.model_validate(reads.link_view(row)))
    show(data, json_out, clikit.pairs("linked"))


@platform_app.command("sync")
@friendly
def sync(
    shop: int = typer.Argument(..., help="promodesk shop id"),
    full: bool = typer.Option(False, help="read everything, not only what changed"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Start a sync from the platform (the worker runs it)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        job_id, op_id = steps.start_sync(uow, workspace_id, shop, actor="cli", full=full)
    data = {"job_id": job_id, "operation_id": op_id}
    show(
        data,
        json_out,
        lambda _: console.print(
            f"sync started: promodesk operations show {op_id} --follow", soft_wrap=True
        ),
    )


@platform_app.command("writes")
@friendly
def writes(
    key: str = typer.Argument(..., help="the write's key, e.g. batch:12:activity:3"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """A platform write's chunks: status, attempts, the platform's request ids."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = platform_writes.progress(uow, workspace_id, key)
    rows = [
        {**i, "request_id": (i["result"].get("attempt_1") or {}).get("request_id")}
        for i in data["intents"]
    ]
    cols = ("chunk", "action", "products", "status", "attempts", "request_id")
    show(data, json_out, table(rows, cols, f"platform write {key}"))
