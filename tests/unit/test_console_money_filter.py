"""The console writes an amount in minor units with the currency's own exponent and the
reader's conventions: JPY has no decimals, CNY two, separators by locale."""

from __future__ import annotations

import pytest

from promodesk.console.core import HERE, _make_env
from promodesk.kit.i18n import Catalogs


@pytest.mark.parametrize(
    ("locale", "minor", "currency", "shown"),
    [
        ("en", 11730, "CNY", "CN¥117.30"),
        ("zh_Hans", 11730, "CNY", "¥117.30"),
        ("en", 1500, "JPY", "¥1,500"),  # once shown as "JPY 15.00"
        ("en", 123456789, "USD", "$1,234,567.89"),
        ("zh_Hans", 8043800, "IDR", "IDR80,438"),
    ],
)
def test_money_filter(locale: str, minor: int, currency: str, shown: str) -> None:
    env = _make_env(locale, Catalogs(HERE / "locales", ("en", "zh_Hans")))
    template = env.from_string('{% import "shop/labels.html" as s %}{{ s.money(m, c) }}')
    assert template.render(m=minor, c=currency).replace("\xa0", " ") == shown
