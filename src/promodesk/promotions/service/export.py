"""The promotions index as a file: every row of the filtered list in its order, then one total
row per currency, as CSV or XLSX (``kit.export``: formula-safe text, money as exact decimals
in major units)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_
from promodesk.kit.export import MEDIA_TYPES, Cell, Table, export_format, filename, render
from promodesk.kit.money import exponent
from promodesk.promotions.domain.index import Filters, Money, PromotionRow, Sort
from promodesk.promotions.domain.spend_range import RangeWord, SpendRange
from promodesk.promotions.service.index import iter_promotions, totals

# the range words as people read them (the console's select and the export's headers)
RANGE_LABELS = {
    RangeWord.LIFETIME: N_("All days"),
    RangeWord.TODAY: N_("Today"),
    RangeWord.YESTERDAY: N_("Yesterday"),
    RangeWord.LAST_7_DAYS: N_("Last 7 days"),
    RangeWord.LAST_30_DAYS: N_("Last 30 days"),
    RangeWord.CUSTOM: N_("Custom"),
}

HEADER = [
    N_("Promotion"),
    N_("Channel"),
    N_("Kind"),
    N_("Name"),
    N_("Part of"),
    N_("Owner"),
    N_("Client account"),
    N_("Status"),
    N_("Platform status"),
    N_("Currency"),
    N_("Budget"),
    N_("Spend"),
    N_("Results"),
    N_("Products"),
    N_("Last change (UTC)"),
]


def _plain(text: str) -> str:
    return text


def range_label(chosen: SpendRange, tr: Callable[[str], str] = _plain) -> str:
    """The range in words: ``Last 7 days``, or ``2026-01-01 to 2026-01-31``."""
    if chosen.word is RangeWord.CUSTOM:
        return tr("%(since)s to %(until)s") % {"since": chosen.since, "until": chosen.until}
    return tr(RANGE_LABELS[chosen.word])


def _label(kind: str, code: str) -> str:
    return code


def major(m: Money | None) -> Decimal | None:
    if m is None or not m.currency:
        return None
    return Decimal(m.minor).scaleb(-exponent(m.currency))


def _currency(r: PromotionRow) -> str | None:
    money = r.budget or r.spend
    return money.currency if money else None


def _when(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else None


def table(
    rows: Iterator[PromotionRow],
    sums: list[tuple[str, int, Money, Money]],
    *,
    tr: Callable[[str], str] = _plain,
    label: Callable[[str, str], str] = _label,
    chosen: SpendRange | None = None,
) -> Table:
    """What the list shows; ``tr`` translates words, ``label(set, code)`` names codes; the
    spend and results columns name their range."""

    def body() -> Iterator[list[Cell]]:
        for r in rows:
            yield [
                r.ref,
                label("promotion_channel", r.channel.value),
                label("promotion_kind", r.kind.value),
                r.name,
                r.parent,
                r.owner.name if r.owner else None,
                r.client.name if r.client else None,
                label("promotion_status", r.status.value),
                r.native_status or None,
                _currency(r),
                major(r.budget),
                major(r.spend),
                r.results,
                ", ".join(f"{p.title} ({p.id})" for p in r.products) or None,
                _when(r.last_change),
            ]

    total_rows: list[list[Cell]] = []
    for currency, count, budget, spend in sums:
        row: list[Cell] = [None] * len(HEADER)
        row[0] = f"{tr('Total')} {currency}"
        row[3] = str(count)
        row[9], row[10], row[11] = currency, major(budget), major(spend)
        total_rows.append(row)
    header = [tr(h) for h in HEADER]
    words = {"range": range_label(chosen or SpendRange(), tr)}
    header[11] = tr("Spend (%(range)s)") % words
    header[12] = tr("Results (%(range)s)") % words
    return Table(header, body(), total_rows, title=tr("Promotions"))


def export(
    uow: UnitOfWork,
    workspace_id: int,
    fmt: str | None,
    filters: Filters | None = None,
    sort: Sort | str | None = None,
    *,
    tr: Callable[[str], str] = _plain,
    label: Callable[[str, str], str] = _label,
) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the whole filtered list; an unknown ``fmt`` is a
    422 naming ``format``."""
    form = export_format(fmt)
    at = now()
    t = totals(uow, workspace_id, filters, at=at)
    sums = [(c.currency, c.count, c.budget, c.spend) for c in t.by_currency]
    rows = iter_promotions(uow, workspace_id, filters, sort, at=at)
    chosen = (filters or Filters()).range
    body = render(table(rows, sums, tr=tr, label=label, chosen=chosen), form)
    name = f"promotions-{at:%Y%m%d-%H%M}-{chosen.token.replace('..', '-to-')}"
    return body, MEDIA_TYPES[form], filename(name, form)
