"""An error's detail in the reader's language: its own message (codes shown as labels), the
catalog's translation of its English detail, or a sentence for its status, never English after
a Chinese title."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from promodesk.console.core import catalogs
from promodesk.console.visit import Visit
from promodesk.kit.errors import N_, Conflict, ValidationFailed


def _visit(locale: str) -> Visit:
    cats = catalogs()
    console: Any = SimpleNamespace(catalogs=cats, gettext=cats.gettext)
    return Visit(request=None, console=console, locale=locale, csrf="", form={})  # type: ignore[arg-type]


def test_a_message_with_params_is_translated_and_its_codes_labelled() -> None:
    exc = Conflict(
        "an enrollment in state live cannot be cancelled",
        message=N_("A product in the stage %(state)s cannot be cancelled."),
        params={"state": "live"},
    )
    assert _visit("zh_Hans").error_text(exc) == "处于“已开始”阶段的商品不能取消。"
    assert _visit("en").error_text(exc) == "A product in the stage Live cannot be cancelled."
    assert exc.to_body()["detail"] == "an enrollment in state live cannot be cancelled"
    assert "message" not in exc.to_body()


def test_a_known_english_detail_is_translated() -> None:
    exc = ValidationFailed("restored stock must be positive", field="stock")
    assert _visit("zh_Hans").error_text(exc) == "补货数量必须大于零"
    assert _visit("en").error_text(exc) == "restored stock must be positive"


def test_an_unknown_english_detail_is_never_shown_in_chinese() -> None:
    exc = Conflict("product 7 is delisted")
    assert _visit("zh_Hans").error_text(exc) == "与当前状态不符。请刷新页面后重试。"
    assert _visit("en").error_text(exc) == "product 7 is delisted"
    assert _visit("zh_Hans").error_text(ValidationFailed("bad thing")) == "有内容缺失或无效。"
