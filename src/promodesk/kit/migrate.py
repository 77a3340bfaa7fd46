"""Run Alembic migrations from code (``promodesk migrate``, tests, ``make run``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import promodesk


def migrations_dir() -> Path:
    here = Path(promodesk.__file__).resolve().parent
    for candidate in (here.parents[1] / "migrations", here / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise RuntimeError("the migrations folder was not found beside the source tree")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    if url.startswith("sqlite") and "///" in url:
        path = url.split("///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
