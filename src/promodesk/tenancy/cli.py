"""``promodesk workspaces|users|keys``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from promodesk.clikit import JsonOpt, WorkspaceOpt, console, database, emit_json, friendly
from promodesk.models import Workspace
from promodesk.tenancy import service
from promodesk.tenancy.domain import Principal, Role
from promodesk.tenancy.repository import TenancyRepository

workspaces = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
users = typer.Typer(help="Users and their roles.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)


@workspaces.command("create")
@friendly
def create_workspace(
    slug: str,
    name: str = typer.Option("", help="display name"),
    json_out: bool = JsonOpt,
) -> None:
    """Create a workspace."""
    with database().transaction() as uow:
        workspace_row = service.create_workspace(uow, slug, name)
        data = {"id": workspace_row.id, "slug": workspace_row.slug, "name": workspace_row.name}
    emit_json(data) if json_out else console.print(
        f"created workspace [bold]{slug}[/] ({data['id']})"
    )


@workspaces.command("list")
@friendly
def list_workspaces(json_out: bool = JsonOpt) -> None:
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
    workspace: str = WorkspaceOpt,
    role: str = typer.Option("operator", help="owner, admin, operator or viewer"),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="PROMODESK_USER_PASSWORD",
        help="asked for when not given; scripts may set PROMODESK_USER_PASSWORD instead",
    ),
    name: str = typer.Option(""),
) -> None:
    """Create a user (or add an existing one) to a workspace with a role.

    The password is prompted for (hidden, twice). Scripts pass ``--password`` or, better, the
    ``PROMODESK_USER_PASSWORD`` environment variable, which does not show up in ``ps``."""
    with database().transaction() as uow:
        workspace_row = service.get_workspace(uow, workspace)
        user = service.create_user(
            uow, email, password, name=name, workspace=workspace_row, role=role
        )
        uid = user.id
    console.print(f"user {email} ({uid}) is {role} of {workspace}")


@keys.command("create")
@friendly
def create_key(
    workspace: str = WorkspaceOpt,
    role: str = typer.Option("operator", help="owner, admin, operator or viewer"),
    name: str = typer.Option("", help="a label to recognise the key by"),
) -> None:
    """Create an API key. Prints only the key on stdout (it is not shown again)."""
    with database().transaction() as uow:
        workspace_row = service.get_workspace(uow, workspace)
        new = service.create_api_key(uow, workspace_row, role, name=name)
        plaintext = new.plaintext
    typer.echo(plaintext)


@keys.command("list")
@friendly
def list_keys(
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List a workspace's API keys (their prefixes; the secrets are not kept)."""
    with database().transaction() as uow:
        workspace_row = service.get_workspace(uow, workspace)
        rows: list[dict[str, Any]] = [
            {
                "id": k.id,
                "name": k.name,
                "role": k.role,
                "prefix": k.prefix,
                "created_at": k.created_at.isoformat(),
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in service.list_api_keys(uow, _cli_principal(workspace_row))
        ]
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "name", "role", "prefix", "created", "revoked")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["role"],
            r["prefix"],
            r["created_at"][:19],
            (r["revoked_at"] or "")[:19],
        )
    console.print(table)


@keys.command("revoke")
@friendly
def revoke_key(
    key_id: int = typer.Argument(..., min=1, max=2**63 - 1),
    workspace: str = WorkspaceOpt,
) -> None:
    """Revoke an API key: it answers 401 from the next request on."""
    with database().transaction() as uow:
        workspace_row = service.get_workspace(uow, workspace)
        service.revoke_api_key(uow, _cli_principal(workspace_row), key_id)
    console.print(f"key {key_id} of {workspace} revoked")


def _cli_principal(workspace: Workspace) -> Principal:
    """Whoever can run the CLI against the database is the operator of the installation."""
    return Principal(workspace.id, workspace.slug, Role.OWNER.value, "cli", "cli")
