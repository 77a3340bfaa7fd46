"""How a rule's decisions read in the console.

- The values seen: each metric by its label; money in the object's currency (the decision keeps
  it beside the metrics as ``currency``; coins read as coins in the reader's language).
- An action's result: stored in English (the API, the CLI and the notices give it as it is);
  the shapes the rules' actions write are given here in the reader's language, their codes as
  labels. Anything else (an error's own detail) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from jinja2 import Environment

from promodesk.console import labels
from promodesk.console.labels.marker import N_
from promodesk.kit.money import Money, price_text
from promodesk.rules.domain.metrics import MONEY_METRICS

Gettext = Callable[[str], str]

# (the stored shape, its message, the label set of each code in it)
_RESULTS: tuple[tuple[re.Pattern[str], str, dict[str, str]], ...] = (
    (
        re.compile(r"TikTok status (?P<status>\w+)"),
        N_("TikTok status: %(status)s"),
        {"status": "tiktok_operation_status"},
    ),
    (re.compile(r"stock set to zero"), N_("Stock set to zero"), {}),
    (re.compile(r"order (?P<status>\w+)"), N_("Order %(status)s"), {"status": "promote_order"}),
    (
        re.compile(r"cancel batch (?P<id>\d+): (?P<status>\w+)"),
        N_("Cancel batch %(id)s: %(status)s"),
        {"status": "shop_batch"},
    ),
    (
        re.compile(r"TikTok was not reached; the next evaluation tries again"),
        N_("TikTok was not reached; the next evaluation tries again."),
        {},
    ),
    (
        re.compile(r"the campaign has no budget to change"),
        N_("The campaign has no budget to change."),
        {},
    ),
)
_BUDGET = re.compile(
    r"budget (?P<before>\d+) → (?P<after>\d+) (?P<currency>[A-Z]{3,4}) \(minor units\)"
)
_STOP = re.compile(r"stop everywhere (?P<id>\d+): (?P<steps>.*)")
_STEP = re.compile(r"(?P<channel>\w+) (?P<status>\w+)")


def result_text(detail: str, locale: str, gettext: Gettext) -> str:
    """An action's stored result as the reader reads it."""
    for pattern, message, kinds in _RESULTS:
        found = pattern.fullmatch(detail)
        if found:
            words = {k: labels.label(kinds[k], v, gettext) if k in kinds else v
                     for k, v in found.groupdict().items()}  # fmt: skip
            return gettext(message) % words
    found = _BUDGET.fullmatch(detail)
    if found:
        cur = found["currency"]
        return gettext(N_("Budget %(before)s → %(after)s")) % {
            "before": price_text(Money(int(found["before"]), cur), locale),
            "after": price_text(Money(int(found["after"]), cur), locale),
        }
    found = _STOP.fullmatch(detail)
    if found:
        steps = []
        for part in found["steps"].split(", "):
            step = _STEP.fullmatch(part)
            if step is None:
                return detail[:200]
            channel = labels.label("promotion_channel", step["channel"], gettext)
            status = labels.label("promotion_step_status", step["status"], gettext)
            steps.append(f"{channel} {status}")
        return gettext(N_("Stop everywhere %(id)s: %(steps)s")) % {
            "id": found["id"],
            "steps": ", ".join(steps),
        }
    return detail[:200]


def seen_items(values: Mapping[str, str | None], locale: str, gettext: Gettext) -> list[str]:
    """Each value seen as "Spend 30.00 USD" (money in the object's currency)."""
    currency = values.get("currency")
    out = []
    for metric, value in values.items():
        if metric == "currency":
            continue
        name = labels.label("rule_metric", metric, gettext)
        out.append(f"{name} {_value(metric, value, currency, locale, gettext)}")
    return out


def _value(metric: str, value: str | None, currency: str | None, locale: str, g: Gettext) -> str:
    if value is None:
        return "—"
    if not currency or metric not in MONEY_METRICS:
        return value
    if currency == "COIN":
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = Decimal("NaN")
        if amount.is_finite() and amount == amount.to_integral_value():
            return price_text(Money(int(amount), "COIN"), locale)
        return f"{value} {g('coins')}"
    return f"{value} {currency}"  # exact as judged (a CPM may have more places than the cents)


def install(env: Environment, locale: str, gettext: Gettext) -> None:
    env.filters["rule_result"] = lambda detail: result_text(detail or "", locale, gettext)
    env.filters["rule_seen"] = lambda values: seen_items(values or {}, locale, gettext)
