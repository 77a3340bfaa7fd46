"""Shared options, selection parsing and output helpers of ``promodesk shop``.

Rules:
- The CLI runs as the machine's operator: actor ``cli`` with the owner role, so ``--force`` is
  allowed here (the API and the console check the caller's role).
- A selection names an activity, a shop, product ids (``--products 1,2,3`` or a one-column CSV
  file) or enrollment ids; ids are whole numbers, anything else is a ``ValidationFailed``.
- ``--json`` prints JSON only on stdout (no bar, no table), for scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.table import Table

from promodesk.clikit import console, emit_json
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.domain.selection import parse_csv_ids
from promodesk.shop.service.batches import Selection
from promodesk.tenancy import service as tenancy

ACTOR = "cli"
ROLE = "owner"
MAX_ID = 2**63 - 1

WorkspaceOpt = typer.Option(..., "--workspace", "-w", help="workspace slug")
JsonOpt = typer.Option(False, "--json", help="print JSON instead of tables")


def workspace_id(uow: UnitOfWork, slug: str) -> int:
    return int(tenancy.get_workspace(uow, slug).id)


def dump(schema: type[BaseModel], row: Any) -> dict[str, Any]:
    return schema.model_validate(row, from_attributes=True).model_dump(mode="json")


def _id(cell: str, field: str, where: str) -> int:
    cell = cell.strip()
    if not (cell.isascii() and cell.isdigit()) or len(cell) > 19 or not 1 <= int(cell) <= MAX_ID:
        raise ValidationFailed(f"{where}{cell[:40]!r} is not an id", field=field)
    return int(cell)


def parse_ids(text: str | None, field: str) -> list[int] | None:
    """``1,2, 3`` (commas or spaces) → ``[1, 2, 3]``; None when not given."""
    if text is None:
        return None
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise ValidationFailed(f"{field} names no id", field=field)
    return [_id(p, field, "") for p in parts]


def read_csv_ids(path: Path, field: str) -> list[int]:
    """Ids from a CSV file (the API's rule: every cell an id, an optional header line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationFailed(f"cannot read {path}: {exc.strerror}", field=field) from None
    except UnicodeDecodeError:
        raise ValidationFailed(f"{path} is not UTF-8 text", field=field) from None
    return parse_csv_ids(text, field)


def selection(
    *,
    activity: int | None,
    shop: int | None,
    products: str | None,
    products_csv: Path | None,
    enrollments: str | None,
    states: Sequence[str] | None,
) -> Selection:
    product_ids = parse_ids(products, "products")
    if products_csv is not None:
        product_ids = (product_ids or []) + read_csv_ids(products_csv, "products_csv")
    return Selection(
        enrollment_ids=parse_ids(enrollments, "enrollments"),
        activity_id=activity,
        shop_id=shop,
        product_ids=product_ids,
        states=list(states) if states else None,
    )


def show(data: Any, json_out: bool, render: Callable[[Any], None]) -> None:
    if json_out:
        emit_json(data)
    else:
        render(data)


def table(
    rows: list[dict[str, Any]], columns: Sequence[str], title: str | None = None
) -> Callable[[Any], None]:
    def render(_: Any) -> None:
        t = Table(*columns, title=title)
        for r in rows:
            t.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        console.print(t)

    return render


def pairs(data: dict[str, Any], title: str) -> None:
    t = Table("field", "value", title=title, show_header=False)
    for k, v in data.items():
        if not isinstance(v, dict | list):
            t.add_row(k, "" if v is None else str(v))
    console.print(t)
