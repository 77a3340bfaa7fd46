"""Country, currency and time-zone pickers: names in the reader's language, sorted the way that
language sorts, and typed values that are names refused with the code probably meant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promodesk.kit import pickers
from promodesk.kit.pickers import NotACode

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)


def labels(options: list[pickers.Option]) -> list[str]:
    return [o.label for o in options]


def test_english_country_names_sort_alphabetically_with_accents_folded() -> None:
    names = [o.name for o in pickers.countries("en")]
    assert names[:3] == ["Afghanistan", "Åland Islands", "Albania"]
    assert names.index("Côte d’Ivoire") < names.index("Croatia")
    assert names == sorted(names, key=pickers.fold)


def test_chinese_country_names_sort_by_pinyin() -> None:
    shown = labels(pickers.countries("zh_Hans", only=["CN", "BR", "AR", "ID", "DE"]))
    # ā gēn tíng, bā xī, dé guó, yìn dù ní xī yà, zhōng guó
    assert shown == ["阿根廷 (AR)", "巴西 (BR)", "德国 (DE)", "印度尼西亚 (ID)", "中国 (CN)"]


def test_chinese_order_is_syllable_then_tone() -> None:
    key = pickers.collation_key("zh_Hans")
    # 重庆 is chóng qìng (a phrase reading), so it sorts under c, before 中国 (zhōng).
    names = ["中国", "重庆", "阿根廷", "巴西", "澳大利亚"]
    assert sorted(names, key=key) == ["阿根廷", "澳大利亚", "巴西", "重庆", "中国"]


def test_whole_chinese_list_is_in_pinyin_order() -> None:
    names = [o.name for o in pickers.countries("zh_Hans")]
    assert names[0].startswith("阿")  # ā
    assert names.index("阿根廷") < names.index("巴西") < names.index("中国")
    assert names.index("中国") > names.index("越南")  # yuè before zhōng


def test_currencies_are_iso_4217_tender_named_in_the_language() -> None:
    en = {o.code: o.label for o in pickers.currencies("en")}
    zh = {o.code: o.label for o in pickers.currencies("zh_Hans")}
    assert en["IDR"] == "Indonesian Rupiah (IDR)"
    assert zh["IDR"] == "印度尼西亚卢比 (IDR)"
    assert "XAU" not in en  # gold has no minor unit: not a currency an account holds
    assert "COIN" not in en
    names = [o.name for o in pickers.currencies("en")]
    assert names == sorted(names, key=pickers.fold)


def test_time_zones_are_named_by_country_city_and_offset() -> None:
    en = {o.code: o.label for o in pickers.time_zones("en", now=WINTER)}
    zh = {o.code: o.label for o in pickers.time_zones("zh_Hans", now=WINTER)}
    assert en["Asia/Jakarta"] == "Indonesia · Jakarta · UTC+07:00 (Asia/Jakarta)"
    assert zh["Asia/Jakarta"] == "印度尼西亚 · 雅加达 · UTC+07:00 (Asia/Jakarta)"
    assert en["America/New_York"].endswith("UTC-05:00 (America/New_York)")
    assert en["UTC"] == "UTC"
    assert [o.code for o in pickers.time_zones("zh_Hans", now=WINTER)][:2] == [
        "UTC",
        "Europe/Tirane",
    ]
    summer = {o.code: o.name for o in pickers.time_zones("en", now=WINTER.replace(month=7))}
    assert summer["America/New_York"].endswith("UTC-04:00")


def test_a_stored_zone_outside_the_list_is_still_offered() -> None:
    codes = [o.code for o in pickers.time_zones("en", current="US/Eastern", now=WINTER)]
    assert codes[0] == "US/Eastern"
    assert "US/Eastern" not in [o.code for o in pickers.time_zones("en", now=WINTER)]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Indonesia", '"Indonesia" is not a country code; did you mean ID?'),
        ("印度尼西亚", '"印度尼西亚" is not a country code; did you mean ID?'),
        ("IDN", '"IDN" is not a country code; did you mean ID?'),
        ("Atlantis", '"Atlantis" is not a country code; for example GB'),
    ],
)
def test_a_country_name_is_refused_never_mapped(typed: str, message: str) -> None:
    with pytest.raises(NotACode) as caught:
        pickers.country_code(typed)
    assert caught.value.message == message


def test_codes_pass_and_any_case_is_for_typists() -> None:
    assert pickers.country_code("ID") == "ID"
    assert pickers.country_code(" id ", any_case=True) == "ID"
    with pytest.raises(NotACode, match="did you mean ID"):
        pickers.country_code("id")
    assert pickers.currency_code("IDR") == "IDR"
    assert pickers.time_zone("Asia/Jakarta") == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("rupiah", "IDR"), ("usd", "USD"), ("Indonesia", "IDR"), ("Doubloon", None)],
)
def test_a_currency_name_is_refused_with_the_code_meant(typed: str, suggestion: str | None) -> None:
    with pytest.raises(NotACode) as caught:
        pickers.currency_code(typed)
    assert caught.value.suggestion == suggestion


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("Jakarta", "Asia/Jakarta"),
        ("asia/jakarta", "Asia/Jakarta"),
        ("GMT+7", None),  # Etc/GMT+7 is UTC-7: no guess rather than a wrong one
        ("etc/gmt-7", "Etc/GMT-7"),
    ],
)
def test_a_time_zone_name_is_refused_with_the_zone_meant(
    typed: str, suggestion: str | None
) -> None:
    with pytest.raises(NotACode) as caught:
        pickers.time_zone(typed)
    assert caught.value.suggestion == suggestion


def test_a_long_value_is_shortened_in_the_message() -> None:
    with pytest.raises(NotACode) as caught:
        pickers.country_code("x" * 500)
    assert len(caught.value.message) < 120
