"""Chat webhook formats (Slack, Feishu/Lark, DingTalk) and the customer wording of a cancel."""

from __future__ import annotations

import pytest

from promodesk.notify.domain import MAX_CHAT_TEXT, ChatFormat, chat_body, chat_format
from promodesk.shop.domain.enrollments import Reason
from promodesk.shop.domain.wording import customer_wording


@pytest.mark.parametrize(
    ("url", "chat"),
    [
        ("https://hooks.slack.com/services/T/B/X", ChatFormat.SLACK),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/x", ChatFormat.FEISHU),
        ("https://OPEN.LARKSUITE.COM/open-apis/bot/v2/hook/x", ChatFormat.FEISHU),
        ("https://oapi.dingtalk.com/robot/send?access_token=x", ChatFormat.DINGTALK),
        ("https://example.com/hooks.slack.com", None),
        ("https://hooks.slack.com.evil.example/x", None),
    ],
)
def test_a_chat_is_known_by_its_host_only(url: str, chat: ChatFormat | None) -> None:
    assert chat_format(url) == chat


def test_each_chat_gets_its_own_text_message() -> None:
    assert chat_body(ChatFormat.SLACK, "T", "x") == {"text": "T\nx"}
    assert chat_body(ChatFormat.FEISHU, "T", "x") == {
        "msg_type": "text",
        "content": {"text": "T\nx"},
    }
    assert chat_body(ChatFormat.DINGTALK, "T", "x") == {
        "msgtype": "text",
        "text": {"content": "T\nx"},
    }
    long = chat_body(ChatFormat.SLACK, "T", "y" * 10_000)["text"]
    assert len(long) == MAX_CHAT_TEXT
    assert long.endswith("…")


def test_the_wording_names_products_reason_and_promises_nothing_about_orders() -> None:
    w = customer_wording(Reason.STOCK_SHORTAGE, ["月饼", "茶叶"], ["中秋大促"])
    assert w.zh.startswith("您好!因库存不足,「月饼」、「茶叶」已退出「中秋大促」活动")
    assert "原价" in w.zh
    assert "out of stock" in w.en
    assert "“月饼”, “茶叶”" in w.en
    for text in (w.zh, w.en):
        assert "不受影响" not in text
        assert "not affected" not in text


def test_the_wording_counts_products_it_does_not_name() -> None:
    titles = [f"商品{i}" for i in range(7)]
    w = customer_wording(Reason.PLAN_CHANGE, titles, ["双11"], more=3)
    assert "等10件商品" in w.zh
    assert "and 5 more product(s)" in w.en
    assert "商品5" not in w.zh
