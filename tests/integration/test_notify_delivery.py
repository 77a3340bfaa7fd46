"""Emails to a real SMTP server and signed webhooks to a real HTTP receiver, on SQLite and
PostgreSQL: delivery, retries, failure after max attempts, idempotency, capture mode."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound
from promodesk.models import Job
from promodesk.notify.domain import InvalidWebhookSignature
from promodesk.notify.service import outbox as notify
from tests.conftest import make_workspace
from tests.integration.notify_support import (
    Received,
    Receiver,
    configure,
    drain,
    free_port,
    notify_environment,
    run_receiver,
    run_smtp_server,
)

SUBJECT = "新的 TikTok 广告账户申请：月饼旗舰店"
TEXT = "您好，\n请为「月饼旗舰店」开通新的广告账户（USD，Asia/Singapore）。\n谢谢！"


@pytest.fixture
def notify_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield from notify_environment(monkeypatch)


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Received]]]:
    yield from run_smtp_server()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from run_receiver()


def _jobs(db: Database, ws: int) -> int:
    with db.transaction() as uow:
        return int(
            uow.session.scalar(select(func.count()).select_from(Job).where(Job.workspace_id == ws))
            or 0
        )


def test_an_email_reaches_a_real_smtp_server_in_utf8(
    db: Database, notify_env: pytest.MonkeyPatch, smtp_server: tuple[int, list[Received]]
) -> None:
    port, inbox = smtp_server
    configure(
        notify_env,
        PROMODESK_SMTP_HOST="127.0.0.1",
        PROMODESK_SMTP_PORT=str(port),
        PROMODESK_MAIL_FROM="promodesk@agency.example",
    )
    ws = make_workspace(db).id
    with db.transaction() as uow:
        row = notify.send_email(
            uow,
            ws,
            ["am@agency.example", "lead@agency.example"],
            SUBJECT,
            TEXT,
            html="<p>您好，<b>月饼旗舰店</b></p>",
            cc=["ops@agency.example"],
            kind="tiktok.account_request",
            ref="account_request:1",
        )
        email_id = row.id
        assert row.status == "queued"
        assert row.job_id is not None
    assert inbox == []  # nothing leaves before the worker runs
    drain(db, ws)
    assert len(inbox) == 1
    got = inbox[0]
    assert got.mail_from == "promodesk@agency.example"
    assert sorted(got.rcpt_tos) == [
        "am@agency.example",
        "lead@agency.example",
        "ops@agency.example",
    ]
    msg = got.message
    assert msg["Subject"] == SUBJECT
    assert msg["From"] == "promodesk@agency.example"
    assert msg["To"] == "am@agency.example, lead@agency.example"
    assert msg["Cc"] == "ops@agency.example"
    assert msg["Message-ID"] == f"<notify-{email_id}.{ws}@promodesk>"
    assert msg["X-Promodesk-Kind"] == "tiktok.account_request"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == TEXT
    assert "月饼旗舰店" in html.get_content()
    with db.transaction() as uow:
        sent = notify.get_email(uow, ws, email_id)
        assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
        assert sent.sent_at is not None


def test_a_retried_caller_sends_once(
    db: Database, notify_env: pytest.MonkeyPatch, smtp_server: tuple[int, list[Received]]
) -> None:
    port, inbox = smtp_server
    configure(notify_env, PROMODESK_SMTP_PORT=str(port))
    ws = make_workspace(db).id
    ids = set()
    for attempt in range(3):
        with db.transaction() as uow:
            row = notify.send_email(
                uow, ws, "am@agency.example", f"try {attempt}", "body", kind="k", ref="r:1"
            )
            ids.add(row.id)
    assert len(ids) == 1
    assert _jobs(db, ws) == 1

    # a caller that rolls back leaves nothing behind
    def failing_caller() -> None:
        with db.transaction() as uow:
            notify.send_email(uow, ws, "am@agency.example", "x", "y", kind="k", ref="r:2")
            raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError):
        failing_caller()
    with db.transaction() as uow:
        assert [m.ref for m in notify.list_emails(uow, ws)] == ["r:1"]
    drain(db, ws)
    drain(db, ws)
    assert [m.message["Subject"] for m in inbox] == ["try 0"]


def test_a_webhook_is_signed_and_verifiable(
    db: Database, notify_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    ws = make_workspace(db).id
    payload = {"activity": "中秋节", "product_id": "9001", "result": "fail"}
    with db.transaction() as uow:
        hook = notify.send_webhook(
            uow,
            ws,
            receiver.url,
            "shop.verification_failed",
            payload,
            secret="cs-secret",
            ref="verification:1",
        )
        hook_id = hook.id
        assert "cs-secret" not in hook.secret_enc
    drain(db, ws)
    assert len(receiver.hits) == 1
    hit = receiver.hits[0]
    assert hit.path == "/hooks/promodesk"
    assert json.loads(hit.body) == payload
    assert hit.headers["X-Promodesk-Event"] == "shop.verification_failed"
    assert hit.headers["X-Promodesk-Delivery"] == str(hook_id)
    assert hit.headers["Content-Type"].startswith("application/json")
    notify.verify_signature("cs-secret", hit.body, hit.headers)
    with pytest.raises(InvalidWebhookSignature):
        notify.verify_signature("wrong", hit.body, hit.headers)
    with pytest.raises(InvalidWebhookSignature):
        notify.verify_signature("cs-secret", hit.body.replace(b"9001", b"9002"), hit.headers)
    with db.transaction() as uow:
        row = notify.get_webhook(uow, ws, hook_id)
        assert (row.status, row.attempts, row.response_code) == ("sent", 1, 200)
        assert row.signature == hit.headers["X-Promodesk-Signature"]


def test_a_failing_receiver_is_retried_and_gets_it_once(
    db: Database, notify_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.codes = [500, 200]
    ws = make_workspace(db).id
    with db.transaction() as uow:
        hook_id = notify.send_webhook(
            uow, ws, receiver.url, "ops.alert", {"n": 1}, secret="s", ref="a:1"
        ).id
    drain(db, ws)
    assert len(receiver.hits) == 2
    # both attempts carry the same body; each is freshly signed
    assert receiver.hits[0].body == receiver.hits[1].body
    for hit in receiver.hits:
        notify.verify_signature("s", hit.body, hit.headers)
    with db.transaction() as uow:
        row = notify.get_webhook(uow, ws, hook_id)
        assert (row.status, row.attempts, row.response_code, row.last_error) == (
            "sent",
            2,
            200,
            None,
        )
    drain(db, ws)
    assert len(receiver.hits) == 2  # delivered once: nothing more is sent


def test_after_max_attempts_the_message_is_failed_and_can_be_resent(
    db: Database, notify_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    configure(notify_env, PROMODESK_NOTIFY_MAX_ATTEMPTS="3")
    receiver.codes = [503]
    ws = make_workspace(db).id
    with db.transaction() as uow:
        hook_id = notify.send_webhook(
            uow, ws, receiver.url, "ops.alert", {"n": 2}, secret="s", ref="a:2"
        ).id
    drain(db, ws)
    assert len(receiver.hits) == 3
    with db.transaction() as uow:
        row = notify.get_webhook(uow, ws, hook_id)
        assert (row.status, row.attempts, row.response_code) == ("failed", 3, 503)
        assert row.last_error is not None
        assert "HTTP 503" in row.last_error
    receiver.codes = [200]
    with db.transaction() as uow:
        assert notify.resend_webhook(uow, ws, hook_id).status == "queued"
    drain(db, ws)
    with db.transaction() as uow:
        row = notify.get_webhook(uow, ws, hook_id)
        assert (row.status, row.attempts, row.response_code) == ("sent", 1, 200)
    assert len(receiver.hits) == 4


def test_an_unreachable_smtp_server_fails_the_mail_with_the_reason(
    db: Database, notify_env: pytest.MonkeyPatch
) -> None:
    configure(notify_env, PROMODESK_SMTP_PORT=str(free_port()), PROMODESK_NOTIFY_MAX_ATTEMPTS="2")
    ws = make_workspace(db).id
    with db.transaction() as uow:
        email_id = notify.send_email(uow, ws, "a@b.com", "s", "t", kind="k", ref="down").id
    drain(db, ws)
    with db.transaction() as uow:
        row = notify.get_email(uow, ws, email_id)
        assert (row.status, row.attempts) == ("failed", 2)
        assert row.last_error is not None
        assert "SMTP 127.0.0.1" in row.last_error


@pytest.mark.parametrize("switch", ["PROMODESK_NOTIFY_CAPTURE", "PROMODESK_DEMO"])
def test_capture_mode_keeps_messages_instead_of_sending(
    db: Database,
    notify_env: pytest.MonkeyPatch,
    smtp_server: tuple[int, list[Received]],
    receiver: Receiver,
    switch: str,
) -> None:
    port, inbox = smtp_server
    configure(notify_env, PROMODESK_SMTP_PORT=str(port), **{switch: "1"})
    ws = make_workspace(db).id
    with db.transaction() as uow:
        email_id = notify.send_email(uow, ws, "a@b.com", "中秋", "正文", kind="k", ref="c").id
        hook_id = notify.send_webhook(uow, ws, receiver.url, "e", {}, secret="s", ref="c").id
    drain(db, ws)
    assert inbox == []
    assert receiver.hits == []
    with db.transaction() as uow:
        assert notify.get_email(uow, ws, email_id).status == "captured"
        assert notify.get_webhook(uow, ws, hook_id).status == "captured"
    # webhooks can be delivered for real while mail stays captured
    configure(notify_env, PROMODESK_NOTIFY_CAPTURE_WEBHOOKS="0")
    with db.transaction() as uow:
        hook2 = notify.send_webhook(uow, ws, receiver.url, "e", {}, secret="s", ref="d").id
    drain(db, ws)
    assert len(receiver.hits) == 1
    with db.transaction() as uow:
        assert notify.get_webhook(uow, ws, hook2).status == "sent"


def test_another_workspace_cannot_read_or_resend(
    db: Database, notify_env: pytest.MonkeyPatch
) -> None:
    ws, other = make_workspace(db).id, make_workspace(db).id
    with db.transaction() as uow:
        email_id = notify.send_email(uow, ws, "a@b.com", "s", "t", kind="k", ref="x").id
        hook_id = notify.send_webhook(
            uow, ws, "https://ops.example/h", "e", {}, secret="s", ref="x"
        ).id
    with db.transaction() as uow:
        for call in (
            lambda: notify.get_email(uow, other, email_id),
            lambda: notify.get_webhook(uow, other, hook_id),
            lambda: notify.resend_email(uow, other, email_id),
        ):
            with pytest.raises(NotFound):
                call()
        assert notify.list_emails(uow, other) == []
        assert notify.list_webhooks(uow, other) == []


def test_the_demo_outbox_is_seeded_once_and_captured(
    db: Database, notify_env: pytest.MonkeyPatch
) -> None:
    from promodesk.notify.demo import seed_notify

    configure(notify_env, PROMODESK_DEMO="1")
    ws = make_workspace(db).id
    for _ in range(2):
        with db.transaction() as uow:
            seed_notify(uow, ws)
    drain(db, ws)
    with db.transaction() as uow:
        assert [m.status for m in notify.list_emails(uow, ws)] == ["captured"]
        assert [h.status for h in notify.list_webhooks(uow, ws)] == ["captured"]
