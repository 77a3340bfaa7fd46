"""A selection's product ids given as a CSV (the API's ``products_csv`` and the CLI's file)."""

from __future__ import annotations

import csv
import io

from promodesk.kit.errors import ValidationFailed


def _is_id(cell: str) -> bool:
    return cell.isascii() and cell.isdigit() and len(cell) <= 19 and 1 <= int(cell) < 2**63


def parse_csv_ids(text: str, field: str) -> list[int]:
    """Ids from a CSV: every non-empty cell of every line is an id (one column or
    comma-separated); only a first line with no id in it is taken as a header. Anything else
    is refused naming the line and the cell, never dropped."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationFailed(f"not a CSV: {exc}", field=field) from None
    ids: list[int] = []
    for n, row in enumerate(rows):
        cells = [c.strip() for c in row if c.strip()]
        if n == 0 and cells and not any(_is_id(c) for c in cells):
            continue  # a header
        for cell in cells:
            if not _is_id(cell):
                raise ValidationFailed(
                    f"line {n + 1}: {cell[:40]!r} is not a product id", field=field
                )
            ids.append(int(cell))
    return ids
