"""Demo outbox: a welcome email and a signed test webhook, so the Outbox page shows how
captured messages look (demo mode sends nothing)."""

from __future__ import annotations

from promodesk.kit.db import UnitOfWork
from promodesk.notify.service import outbox as service

WELCOME_TEXT = """Hello,

this is the demo workspace's outbox. In demo mode promodesk sends no email and calls no
webhook: every message is kept here, exactly as it would be sent.

您好！
这里是演示工作区的发件箱。演示模式下不会真正发送邮件或调用 Webhook，
所有消息都会保留在这里，内容与实际发送的完全一致。

— promodesk
"""


def seed_notify(uow: UnitOfWork, workspace_id: int) -> None:
    """Idempotent: the messages are keyed by (kind, ref), so a second run adds nothing."""
    service.send_email(
        uow,
        workspace_id,
        ["account.manager@agency.example"],
        "Welcome to the promodesk outbox / 欢迎使用 promodesk 发件箱",
        WELCOME_TEXT,
        html="<p>Hello,</p><p>this is the demo workspace's <b>outbox</b>.</p>"
        "<p>您好！这里是演示工作区的<b>发件箱</b>。</p>",
        kind="demo.welcome",
        ref="demo:welcome",
    )
    service.send_webhook(
        uow,
        workspace_id,
        "https://ops.agency.example/hooks/promodesk",
        "demo.ping",
        {"message": "promodesk webhooks are signed with HMAC-SHA256", "消息": "测试"},
        secret="demo-webhook-secret",  # noqa: S106 (a public demo value, never a real secret)
        ref="demo:ping",
    )
