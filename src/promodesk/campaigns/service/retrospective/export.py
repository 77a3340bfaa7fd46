"""The retrospective as files: CSV (one table) and XLSX (the cancellations and the summary,
two sheets), both written by ``kit.export``, headers and words as the caller's ``label`` and
``reason`` give them (codes and English by default). Figures are numbers (money in major
units); text that a spreadsheet would run as a formula (lessons, names) stays text.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from promodesk.kit import export as kit_export
from promodesk.kit.money import Money, exponent

COLUMNS = (
    "Cancellation",
    "Made at (UTC)",
    "Reason",
    "Action",
    "Advertisers",
    "Items",
    "Currency",
    "Spent to date",
    "Freed",
    "Spend after stop",
    "Cost per result before",
    "Reference cost per result",
    "Compared with",
    "Advertiser spend before",
    "Advertiser spend after",
    "Advertiser change (%)",
    "Lessons",
    "Open action items",
)


def _major(amount: int | None, currency: str) -> Decimal | None:
    if amount is None:
        return None
    return Money(amount, currency).decimal


def _major_dec(value: str | None, currency: str) -> Decimal | None:
    """A cost per result in minor units (a decimal string) in major units."""
    if value is None:
        return None
    digits = exponent(currency)
    return Decimal(value).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def _number(value: str | None) -> Decimal | None:
    return None if value is None or value == "" else Decimal(value)


def table(
    data: dict[str, Any],
    label: Callable[[str], str] = str,
    reason: Callable[[str], str] = str,
) -> list[list[Any]]:
    """The export's rows: a header, then one row per cancellation and currency (reasons as
    ``reason`` words them: codes by default)."""
    out: list[list[Any]] = [[label(c) for c in COLUMNS]]
    for r in data["rows"]:
        cpr = r["cost_per_result"]
        adv = r["advertiser_after"] or {}
        names = ", ".join(a["name"] or str(a["id"]) for a in r["advertisers"])
        for m in r["money"] or [
            {"currency": "", "spent_minor": 0, "freed_minor": 0, "spend_after_minor": 0}
        ]:
            cur = m["currency"]
            same = cur and cpr.get("currency") == cur
            out.append(
                [
                    r["id"],
                    r["created_at"][:16].replace("T", " "),
                    reason(r["reason_code"]),
                    r["action"],
                    names,
                    r["items"],
                    cur,
                    _major(m["spent_minor"], cur) if cur else "",
                    _major(m["freed_minor"], cur) if cur else "",
                    _major(m["spend_after_minor"], cur) if cur else "",
                    _major_dec(cpr.get("objects"), cur) if same else "",
                    _major_dec(cpr.get("reference"), cur) if same else "",
                    label(cpr["reference_kind"] or "")
                    if same and cpr.get("reference_kind")
                    else "",
                    _major(adv.get("before_minor"), cur)
                    if adv and adv.get("currency") == cur
                    else "",
                    _major(adv.get("after_minor"), cur)
                    if adv and adv.get("currency") == cur
                    else "",
                    _number(adv.get("change_percent"))
                    if adv and adv.get("currency") == cur
                    else "",
                    r["lessons"],
                    r["action_items_open"]["open"],
                ]
            )
    return out


def summary(
    data: dict[str, Any],
    label: Callable[[str], str] = str,
    reason: Callable[[str], str] = str,
) -> list[list[Any]]:
    out: list[list[Any]] = [[label("Section"), label("Item"), label("Currency"), label("Figure")]]
    p = data["period"]
    out.append([label("Period"), f"{p['since']} – {p['last']}", "", p["time_zone"]])
    out.append([label("Summary"), label("Cancellations"), "", data["cancellations"]])
    for code, n in data["by_reason"].items():
        out.append([label("Cancellations by reason"), reason(code), "", n])
    for t in data["totals"]:
        cur = t["currency"]
        for key, text in (
            ("spent_minor", "Spent to date"),
            ("freed_minor", "Freed"),
            ("reallocated_minor", "Reallocated"),
            ("spend_after_minor", "Spend after stop"),
        ):
            out.append([label("Totals"), label(text), cur, _major(t[key], cur)])
    for a in data["advertisers"]:
        for m in a["money"]:
            cur = m["currency"]
            out.append(
                [
                    label("Advertiser"),
                    a["name"] or label("Not allocated"),
                    cur,
                    f"{label('Freed')} {_major(m['freed_minor'], cur)}; "
                    f"{label('Reallocated')} {_major(m['reallocated_minor'], cur)}",
                ]
            )
    return out


def to_csv(
    data: dict[str, Any],
    label: Callable[[str], str] = str,
    reason: Callable[[str], str] = str,
) -> str:
    """The table as CSV: UTF-8 with a byte-order mark (Excel opens it, Chinese included)."""
    rows = table(data, label, reason)
    return kit_export.to_csv(kit_export.Table(header=rows[0], rows=rows[1:])).decode("utf-8")


def to_xlsx(
    data: dict[str, Any],
    label: Callable[[str], str] = str,
    reason: Callable[[str], str] = str,
) -> bytes:
    """Two sheets: the cancellations and the summary (per reason, per currency, per
    advertiser), written by the kit's export writer."""
    sheets = []
    for title, rows in (
        (label("Cancellations"), table(data, label, reason)),
        (label("Summary"), summary(data, label, reason)),
    ):
        sheets.append(kit_export.Table(header=rows[0], rows=rows[1:], title=title))
    return kit_export.to_xlsx_sheets(sheets)
