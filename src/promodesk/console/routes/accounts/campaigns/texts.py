"""How money, budgets and report metrics read on the campaign pages (lists and a campaign's
page)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from promodesk.console.visit import Visit
from promodesk.kit.money import Money

INFINITE = "BUDGET_MODE_INFINITE"


def money_text(minor: int | None, currency: str) -> str:
    if minor is None:
        return "-"
    try:
        return Money(int(minor), currency).format()
    except (ValueError, TypeError):
        return f"{minor} {currency}"


def budget_text(visit: Visit, row: dict[str, Any], currency: str) -> str:
    """TikTok reports an unlimited budget as 0; say so instead of showing a budget of 0."""
    if row.get("budget_mode") == INFINITE:
        return visit._("No limit")
    return money_text(row.get("budget_minor"), currency)


def _ratio_money(minor: Decimal | None, currency: str) -> str:
    """A money ratio (CPC, CPM, cost per result) in minor units, shown to the minor unit."""
    if minor is None:
        return "-"
    return money_text(int(minor.to_integral_value(rounding=ROUND_HALF_EVEN)), currency)


def metric_texts(m: dict[str, Any], currency: str) -> dict[str, str]:
    return {
        "spend": money_text(m["spend_minor"], currency),
        "impressions": f"{m['impressions']:,}",
        "clicks": f"{m['clicks']:,}",
        "ctr": "-" if m["ctr"] is None else f"{m['ctr']}%",
        "cpc": _ratio_money(m["cpc_minor"], currency),
        "cpm": _ratio_money(m["cpm_minor"], currency),
        "conversions": f"{m['conversions']:,}",
        "cost_per_result": _ratio_money(m["cost_per_result_minor"], currency),
    }
