"""Issue 15 §4: the team is told of each cancel, not only of failures, by mail, webhook and the
chat webhooks of Slack, Feishu/Lark and DingTalk (in the chat's own message format), with
wording to send customers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import OutboxEmail, OutboxWebhook
from promodesk.shop.errors import GuardrailViolation
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import shops
from promodesk.shop.service.batches import Selection
from tests.conftest import make_workspace
from tests.integration import shop_factories as f

HOOKS = {
    "plain": "https://hooks.example.com/promodesk",
    "slack": "https://hooks.slack.com/services/T000/B000/XXXX",
    "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
    "lark": "https://open.larksuite.com/open-apis/bot/v2/hook/abc",
    "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=abc",
}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def test_each_cancel_tells_the_team_with_customer_wording(db: Database) -> None:
    workspace_id = make_workspace(db).id
    s, _a, ids = f.setup(db, workspace_id, 10)
    with db.transaction() as uow:
        shops.add_member(
            uow, workspace_id, s.id, name="运营", role="operations", email="ops@shop.example"
        )
        for name, url in HOOKS.items():
            shops.add_member(uow, workspace_id, s.id, name=name, role="operations", webhook_url=url)
    with db.transaction() as uow:
        batch = batch_service.cancel_now(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[:2]),
            reason="stock_shortage",
            actor="user:1",
            role="admin",
        )
    with db.read() as uow:
        mails = list(
            uow.session.scalars(
                select(OutboxEmail).where(
                    OutboxEmail.workspace_id == workspace_id,
                    OutboxEmail.ref.like("shop-cancel-done:%"),
                )
            )
        )
        hooks = {
            h.url: h.payload
            for h in uow.session.scalars(
                select(OutboxWebhook).where(
                    OutboxWebhook.workspace_id == workspace_id,
                    OutboxWebhook.event == "shop.cancel_done",
                )
            )
        }
        assert len(mails) == 1
        mail = mails[0]
        assert mail.to_addrs == ["ops@shop.example"]
        assert mail.subject.startswith("已取消 / Cancelled: 2 product(s)")
        assert "因库存不足" in mail.text_body
        assert "out of stock" in mail.text_body
        assert "请联系客服" in mail.text_body

    plain = hooks[HOOKS["plain"]]
    assert plain["batch_id"] == batch.id
    assert plain["done"] == 2
    assert plain["reason"] == "stock_shortage"
    assert len(plain["products"]) == 2
    assert "因库存不足" in plain["customer_wording"]["zh"]

    assert set(hooks[HOOKS["slack"]]) == {"text"}
    assert "已取消 / Cancelled" in hooks[HOOKS["slack"]]["text"]
    for chat in ("feishu", "lark"):
        body = hooks[HOOKS[chat]]
        assert body["msg_type"] == "text"
        assert "因库存不足" in body["content"]["text"]
    ding = hooks[HOOKS["dingtalk"]]
    assert ding["msgtype"] == "text"
    assert "因库存不足" in ding["text"]["content"]


def test_a_refused_cancel_tells_no_one_it_was_done(db: Database) -> None:
    workspace_id = make_workspace(db).id
    s, _a, ids = f.setup(db, workspace_id, 10)
    with db.transaction() as uow:
        shops.add_member(
            uow, workspace_id, s.id, name="运营", role="operations", email="o@shop.example"
        )
    with pytest.raises(GuardrailViolation), db.transaction() as uow:
        batch_service.cancel_now(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[:4]),  # 40 %: over the ratio, refused
            reason="plan_change",
            actor="user:1",
            role="admin",
        )
    with db.read() as uow:
        assert not list(
            uow.session.scalars(select(OutboxEmail).where(OutboxEmail.workspace_id == workspace_id))
        )
