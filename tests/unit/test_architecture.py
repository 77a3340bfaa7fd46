"""Layering rules that import-linter's module patterns cannot express for every file name.

Use-case modules (``service.py``, ``*_service.py``), routes (``api.py``, ``*_api.py``,
``api_*.py``), schemas, commands (``cli.py``, ``cli_*.py``) and console routes never import
SQLAlchemy: SQL lives in models, ``kit/db*`` and repositories. New files are covered by name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "promodesk"
NO_SQL = re.compile(r"^(service|.*_service|api|.*_api|api_.*|schemas|.*_schemas|cli|cli_.*)\.py$")


def _no_sql_modules() -> list[Path]:
    found = [p for p in SRC.rglob("*.py") if NO_SQL.match(p.name)]
    found += list((SRC / "console" / "routes").glob("*.py"))
    return sorted(set(found))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_rule_covers_the_feature_modules() -> None:
    assert len(_no_sql_modules()) > 30


@pytest.mark.parametrize("path", _no_sql_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_sqlalchemy_outside_repositories(path: Path) -> None:
    offending = sorted(n for n in _imports(path) if n.split(".")[0] == "sqlalchemy")
    assert not offending, (
        f"{path.relative_to(SRC)} imports {offending}; move the SQL to a repository"
    )
