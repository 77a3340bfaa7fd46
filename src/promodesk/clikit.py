"""Shared CLI plumbing: settings, database, JSON output, error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from promodesk.kit.db import Database
from promodesk.kit.errors import PromodeskError
from promodesk.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")

_db: Database | None = None


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
    """Turn product errors into a one-line message and exit code 1 instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PromodeskError as exc:
            err_console.print(f"[red]{type(exc).__name__}:[/red] {exc.detail}", soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper
