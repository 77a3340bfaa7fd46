"""Exports of a table (a header, rows, optional total rows) as CSV or XLSX.

- A cell is text, an integer, a ``Decimal`` or ``None`` (an empty cell). Money is written by
  the caller as a ``Decimal`` in major units (``Money.decimal``); the writer never computes.
- CSV: UTF-8 with a byte-order mark (so spreadsheet programs read 简体中文 right), the stdlib
  ``csv`` module, ``\\r\\n`` line ends. XLSX: one sheet per table (``to_xlsx_sheets`` for
  several), bold header, frozen header row, numbers as numbers (a ``Decimal`` keeps its
  decimals in the cell format), total rows in bold.
- Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return) is written with a leading apostrophe in CSV and as a string in XLSX:
  names come from TikTok and from users, never to be executed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter

from promodesk.kit.errors import ValidationFailed

Cell = str | int | Decimal | None
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_format(value: str | None) -> Format:
    """``csv`` or ``xlsx`` (any case); anything else is a 422 naming ``format``."""
    try:
        return Format((value or "").strip().lower())
    except ValueError:
        raise ValidationFailed("format is csv or xlsx", field="format") from None


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    totals: Sequence[Sequence[Cell]] = ()
    title: str = "Export"


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _safe_text(value)
    return str(value)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    for row in table.totals:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    return to_xlsx_sheets([table])


def to_xlsx_sheets(tables: Sequence[Table]) -> bytes:
    """One workbook, one sheet per table in order, each written as ``to_xlsx`` writes one
    (named by its title; a name already taken gets " (2)", " (3)", …)."""
    if not tables:
        raise ValueError("a workbook needs at least one table")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    formats: dict[tuple[int, bool], Any] = {}

    def number_format(decimals: int, strong: bool) -> Any:
        if (decimals, strong) not in formats:
            pattern = "0" if decimals == 0 else "0." + "0" * decimals
            formats[(decimals, strong)] = book.add_format({"num_format": pattern, "bold": strong})
        return formats[(decimals, strong)]

    taken: set[str] = set()
    for table in tables:
        name = _sheet_name(table.title)
        n = 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = _sheet_name(table.title)[: 31 - len(suffix)] + suffix
        taken.add(name.lower())
        _write_sheet(book.add_worksheet(name), table, bold, number_format)
    book.close()
    return buffer.getvalue()


def _write_sheet(sheet: Any, table: Table, bold: Any, number_format: Any) -> None:
    """Bold header, frozen header row, numbers as numbers, total rows in bold, columns as wide
    as their text (at most 60)."""
    widths = [len(str(h)) for h in table.header]

    def write(r: int, row: Sequence[Cell], strong: bool) -> None:
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                text = str(value)
                sheet.write_string(r, c, text, bold if strong else None)
            else:
                decimals = 0
                if isinstance(value, Decimal):
                    exp = value.as_tuple().exponent
                    decimals = max(0, -exp) if isinstance(exp, int) else 0
                # a number cell of the spreadsheet: display of an exact Decimal, not arithmetic
                sheet.write_number(r, c, float(value), number_format(decimals, strong))
                text = str(value)
            if c < len(widths):
                widths[c] = max(widths[c], min(len(text), 60))

    for c, h in enumerate(table.header):
        sheet.write_string(0, c, str(h), bold)
    r = 1
    for row in table.rows:
        write(r, row, False)
        r += 1
    for row in table.totals:
        write(r, row, True)
        r += 1
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width + 2)
    sheet.freeze_panes(1, 0)


def _sheet_name(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "Export"
    return cleaned[:31]


def render(table: Table, fmt: Format) -> bytes:
    return to_csv(table) if fmt is Format.CSV else to_xlsx(table)


def filename(stem: str, fmt: Format) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in stem) or "export"
    return f"{safe}.{fmt.value}"
