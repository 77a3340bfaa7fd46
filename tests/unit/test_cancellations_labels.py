"""Every cancellation status, reason, action and level has a label in both languages, and the
cancel operations' titles are translated."""

from __future__ import annotations

from enum import StrEnum

import pytest

from promodesk.campaigns.domain.cancellations import (
    Action,
    CancelStatus,
    ItemStatus,
    Level,
    ReasonCode,
    VerifyStatus,
)
from promodesk.console.core import catalogs
from promodesk.console.labels import LABELS, label, operation_title

SETS: list[tuple[str, type[StrEnum]]] = [
    ("cancel_status", CancelStatus),
    ("cancel_item", ItemStatus),
    ("cancel_verify", VerifyStatus),
    ("cancel_reason", ReasonCode),
    ("cancel_action", Action),
    ("cancel_level", Level),
]


@pytest.mark.parametrize(("kind", "enum"), SETS)
def test_every_code_has_a_translated_label(kind: str, enum: type[StrEnum]) -> None:
    zh = catalogs().get("zh_Hans").gettext
    assert set(LABELS[kind]) == {m.value for m in enum}
    for message in LABELS[kind].values():
        assert zh(message) != message


def test_labels_and_titles_in_chinese() -> None:
    zh = catalogs().get("zh_Hans").gettext
    assert label("cancel_reason", "out_of_stock", zh) == "商品缺货"
    assert label("cancel_verify", "failed", zh) == "核验失败"
    assert operation_title("Delete 3 campaign(s)", "campaigns.cancel", zh) == "删除 3 个广告系列"
    assert operation_title("Pause 2 adgroup(s)", "campaigns.cancel", zh) == "暂停 2 个广告组"
    assert operation_title("Retry 1 failed campaign(s)", "campaigns.cancel", zh) == (
        "重试 1 个失败的取消"
    )
