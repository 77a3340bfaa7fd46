"""Shared CLI plumbing, one dialect for every feature: settings, database, the common options
(``--workspace``, ``--json``), renderers (tables, field/value pairs), JSON output, error
reporting."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from promodesk.kit import pickers
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import PromodeskError, ValidationFailed
from promodesk.settings import Settings, get_settings
from promodesk.tenancy import service as tenancy

console = Console()
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")

_db: Database | None = None

# The options every command that works in a workspace, or prints data, takes.
WorkspaceOpt = typer.Option(..., "--workspace", "-w", help="workspace slug")
JsonOpt = typer.Option(False, "--json", help="print JSON instead of tables")
ACTOR = "cli"


def settings() -> Settings:
    return get_settings()


def database() -> Database:
    global _db
    if _db is None:
        _db = Database.from_settings(settings())
    return _db


def reset() -> None:
    """Forget the cached settings and database, so the next command reads the environment again
    (tests point the CLI at another database by changing ``PROMODESK_DATABASE_URL``)."""
    global _db
    if _db is not None:
        _db.dispose()
    _db = None
    get_settings.cache_clear()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str, ensure_ascii=False, indent=2) + "\n")


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn errors into one line and exit code 1 instead of a traceback: product errors as
    they are; a database or remote service that cannot be reached with what it tried and the
    setting to change; anything else as an unexpected error (``PROMODESK_DEBUG=1`` shows the
    traceback)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PromodeskError as exc:
            err_console.print(f"[red]{type(exc).__name__}:[/red] {exc.detail}", soft_wrap=True)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("PROMODESK_DEBUG") == "1":
                raise
            err_console.print(f"[red]Error:[/red] {unreachable(exc)}", soft_wrap=True, markup=True)
            raise typer.Exit(1) from None

    return wrapper


def unreachable(exc: Exception) -> str:
    """One line for an error a command cannot do anything about, naming what to check."""
    from promodesk.integrations.tiktok.errors import TikTokError
    from promodesk.kit.db import BUSY_ERRORS

    first = (str(exc).strip().splitlines() or [""])[0][:300]
    if isinstance(exc, TikTokError):
        from promodesk.integrations.tiktok.settings import TikTokSettings

        try:
            where = TikTokSettings().api_url
        except Exception:  # the settings themselves are what is wrong
            where = "the configured address"
        return (
            f"TikTok could not be reached at {where} ({first}). Check "
            "PROMODESK_TIKTOK_BASE_URL; in demo mode the sandbox runs inside `promodesk serve`."
        )
    if isinstance(exc, BUSY_ERRORS):
        url = settings().database_url.split("@")[-1]
        return (
            f"the database ({url}) could not be used: {first}. Check PROMODESK_DATABASE_URL "
            "and that `promodesk migrate` has run."
        )
    return f"unexpected {type(exc).__name__}: {first} (PROMODESK_DEBUG=1 shows the traceback)"


def country_code(value: str, field: str = "region") -> str:
    """A country code given on the command line, in any case (``id`` is ID); a name is refused
    naming it and the code meant (``"Indonesia" is not a country code; did you mean ID?``)."""
    try:
        return pickers.country_code(value, any_case=True)
    except pickers.NotACode as exc:
        raise ValidationFailed(exc.message, field=field) from None


def currency_code(value: str, field: str = "currency") -> str:
    """A currency code given on the command line, in any case; a name is refused the same way."""
    try:
        return pickers.currency_code(value, any_case=True)
    except pickers.NotACode as exc:
        raise ValidationFailed(exc.message, field=field) from None


# -- workspace and rendering ---------------------------------------------------------------------


def workspace_id(uow: UnitOfWork, slug: str) -> int:
    """The id of the workspace named by ``--workspace`` (404 for an unknown slug)."""
    return int(tenancy.get_workspace(uow, slug).id)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def show(data: Any, json_out: bool, render: Callable[[Any], None]) -> None:
    """JSON on stdout with ``--json``, else the human rendering."""
    if json_out:
        emit_json(data)
    else:
        render(data)


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None = None
) -> Callable[[Any], None]:
    """A renderer of ``rows`` as a table of ``columns`` (empty cells for missing values)."""

    def render(_: Any) -> None:
        t = Table(*columns, title=title)
        for r in rows:
            t.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        console.print(t)

    return render


def pairs(title: str) -> Callable[[dict[str, Any]], None]:
    """A renderer of one object as a two-column table of its scalar fields."""

    def render(data: dict[str, Any]) -> None:
        t = Table("field", "value", title=title, show_header=False)
        for k, v in data.items():
            if not isinstance(v, dict | list):
                t.add_row(k, "" if v is None else str(v))
        console.print(t)

    return render
