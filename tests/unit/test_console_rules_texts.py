"""How a rule's decisions read in the console: the values seen with money in the object's
currency, and each shape of an action's stored result in the reader's language."""

from __future__ import annotations

import pytest

from promodesk.console.core import HERE
from promodesk.console.rules_texts import result_text, seen_items
from promodesk.kit.i18n import Catalogs


@pytest.fixture(scope="module")
def zh() -> object:
    return Catalogs(HERE / "locales", ("en", "zh_Hans")).get("zh_Hans")


def _en(message: str) -> str:
    return message


def test_values_seen_carry_the_objects_currency() -> None:
    seen = {"spend": "30.00", "cpm": "4.1234", "impressions": "1800", "currency": "USD"}
    assert seen_items(seen, "en", _en) == [
        "Spend 30.00 USD",
        "CPM 4.1234 USD",
        "Impressions 1800",
    ]
    coins = {"spend_no_results": "300", "cost_per_result": "12.5", "currency": "COIN"}
    assert seen_items(coins, "en", _en) == [
        "Spend with no results 300 coins",
        "Cost per result 12.5 coins",
    ]
    # decisions logged before the currency was kept, and values not known
    assert seen_items({"spend": "30.00", "ctr": None}, "en", _en) == ["Spend 30.00", "CTR (%) —"]


@pytest.mark.parametrize(
    ("stored", "english"),
    [
        ("TikTok status DISABLE", "TikTok status: Off"),
        ("stock set to zero", "Stock set to zero"),
        ("order stopped", "Order Stopped"),
        ("cancel batch 12: partial", "Cancel batch 12: Partly failed"),
        ("budget 50000 → 40000 USD (minor units)", "Budget $500.00 → $400.00"),
        (
            "stop everywhere 3: promote done, shop running",
            "Stop everywhere 3: Promote Stopped, Shop In progress",
        ),
        ("NotFound: campaign 9 not found", "NotFound: campaign 9 not found"),
        ("stop everywhere 3: ???", "stop everywhere 3: ???"),
    ],
)
def test_results_in_english(stored: str, english: str) -> None:
    assert result_text(stored, "en", _en) == english


def test_results_in_chinese(zh: object) -> None:
    g = zh.gettext  # type: ignore[attr-defined]
    assert result_text("stock set to zero", "zh_Hans", g) == "已库存调零"
    budget = result_text("budget 50000 → 40000 USD (minor units)", "zh_Hans", g)
    assert budget.startswith("预算 US$500.00")
    assert "全渠道停止 3" in result_text("stop everywhere 3: promote done", "zh_Hans", g)
    assert seen_items({"spend": "300", "currency": "COIN"}, "zh_Hans", g) == ["花费 300 金币"]
