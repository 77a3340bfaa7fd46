"""The report sync's fast paths for TikTok's metric strings give exactly what the general
parsers give (``kit.money.parse`` and its half-up rounding; ``Decimal`` for counts)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promodesk.campaigns.domain.report_sync import count, spend_minor
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import parse, round_minor

VALUES = [
    "0", "7", "0.5", "0.05", "14.68", "14.6", "1200.50", "1200.49", "1200.495", "99999999999999",
    "12345678901234.5678", "007.10", "3.14159", "1e3", "-4.20", " 5.00", "5.", ".5", "١٢", "1,234",
]  # fmt: skip


def general(value: str, currency: str) -> int:
    try:
        return parse(value, currency).amount
    except ValidationFailed:
        return round_minor(Decimal(value), currency)


@pytest.mark.parametrize("currency", ["USD", "JPY", "IDR", "KWD", "COIN"])
@pytest.mark.parametrize("value", VALUES)
def test_spend_fast_path_equals_the_general_parse(value: str, currency: str) -> None:
    try:
        expected = general(value, currency)
    except ArithmeticError:
        expected = 0
    assert spend_minor(value, currency) == expected


@pytest.mark.parametrize("value", ["0", "1079", "00012", "1,234", "12.0", "١٢", "-3", "n/a"])
def test_count_fast_path_equals_the_decimal_one(value: str) -> None:
    try:
        number = Decimal(value.replace(",", ""))
        expected = int(number)
    except ArithmeticError:
        expected = 0
    assert count(value) == expected
