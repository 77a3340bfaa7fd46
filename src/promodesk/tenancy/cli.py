"""``promodesk workspaces|users|keys``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from promodesk.clikit import console, database, emit_json, friendly
from promodesk.tenancy import service
from promodesk.tenancy.repository import TenancyRepository

workspaces = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
users = typer.Typer(help="Users and their roles.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)


@workspaces.command("create")
@friendly
def create_workspace(
    slug: str,
    name: str = typer.Option("", help="display name"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Create a workspace."""
    with database().transaction() as uow:
        ws = service.create_workspace(uow, slug, name)
        data = {"id": ws.id, "slug": ws.slug, "name": ws.name}
    emit_json(data) if json_out else console.print(
        f"created workspace [bold]{slug}[/] ({data['id']})"
    )


@workspaces.command("list")
@friendly
def list_workspaces(json_out: bool = typer.Option(False, "--json")) -> None:
    """List workspaces."""
    with database().transaction() as uow:
        rows: list[dict[str, Any]] = [
            {"id": w.id, "slug": w.slug, "name": w.name}
            for w in TenancyRepository(uow).workspaces()
        ]
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "slug", "name")
    for r in rows:
        table.add_row(str(r["id"]), r["slug"], r["name"])
    console.print(table)


@users.command("create")
@friendly
def create_user(
    email: str,
    workspace: str = typer.Option(..., "--workspace", "-w", help="workspace slug"),
    role: str = typer.Option("operator", help="owner, admin, operator or viewer"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    name: str = typer.Option(""),
) -> None:
    """Create a user (or add an existing one) to a workspace with a role."""
    with database().transaction() as uow:
        ws = service.get_workspace(uow, workspace)
        user = service.create_user(uow, email, password, name=name, workspace=ws, role=role)
        uid = user.id
    console.print(f"user {email} ({uid}) is {role} of {workspace}")


@keys.command("create")
@friendly
def create_key(
    workspace: str = typer.Option(..., "--workspace", "-w", help="workspace slug"),
    role: str = typer.Option("operator", help="owner, admin, operator or viewer"),
    name: str = typer.Option("", help="a label to recognise the key by"),
) -> None:
    """Create an API key. Prints only the key on stdout (it is not shown again)."""
    with database().transaction() as uow:
        ws = service.get_workspace(uow, workspace)
        new = service.create_api_key(uow, ws, role, name=name)
        plaintext = new.plaintext
    typer.echo(plaintext)
