"""The selection of ``promodesk shop`` commands, and the role the CLI acts with.

Rules:
- The CLI runs as the machine's operator: actor ``cli`` (``clikit.ACTOR``) with the owner role,
  so ``--force`` is allowed here (the API and the console check the caller's role).
- A selection names an activity, a shop, product ids (``--products 1,2,3`` or a one-column CSV
  file) or enrollment ids; ids are whole numbers, anything else is a ``ValidationFailed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import MAX_ID
from promodesk.shop.domain.selection import parse_csv_ids
from promodesk.shop.service.batches import Selection

ROLE = "owner"

ActivityOpt = typer.Option(None, "--activity", "-a", help="activity id")
ShopOpt = typer.Option(None, "--shop", help="shop id")
ProductsOpt = typer.Option(None, "--products", "-p", help="product ids: 1,2,3")
ProductsCsvOpt = typer.Option(
    None, "--products-csv", help="a CSV file whose first column holds product ids"
)
EnrollmentsOpt = typer.Option(None, "--enrollments", "-e", help="enrollment ids: 1,2,3")
StateOpt = typer.Option(None, "--state", help="only enrollments in this state (repeatable)")


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
