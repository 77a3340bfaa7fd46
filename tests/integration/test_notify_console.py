"""The console outbox on SQLite and PostgreSQL: lists, the rendered mail, failed deliveries
with their error, resending, workspace isolation and the Chinese page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from promodesk.kit.db import Database
from promodesk.notify.service import outbox as notify
from tests.integration.notify_support import (
    Receiver,
    configure,
    drain,
    notify_environment,
    run_receiver,
)
from tests.integration.test_console_support import console_client, csrf_of, log_in, new_member


@pytest.fixture
def notify_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield from notify_environment(monkeypatch)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from run_receiver()


def test_the_outbox_shows_this_workspace_only(
    db: Database, tmp_path: Path, notify_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    configure(notify_env, PROMODESK_NOTIFY_CAPTURE="1", PROMODESK_NOTIFY_MAX_ATTEMPTS="2")
    configure(notify_env, PROMODESK_NOTIFY_CAPTURE_WEBHOOKS="0")
    receiver.codes = [500]
    owner = new_member(db, "owner")
    stranger = new_member(db, "owner")
    ws, other = owner.workspace.id, stranger.workspace.id
    with db.transaction() as uow:
        mail_id = notify.send_email(
            uow,
            ws,
            "am@agency.example",
            "新的广告账户申请",
            "请开通「月饼旗舰店」<script>alert(1)</script>",
            html="<p>您好 <b>经理</b></p>",
            kind="tiktok.account_request",
            ref="account_request:7",
        ).id
        hook_id = notify.send_webhook(
            uow,
            ws,
            receiver.url,
            "shop.verification_failed",
            {"p": "9"},
            secret="hook-secret-xyz",
            ref="v:1",
        ).id
        foreign = notify.send_email(
            uow, other, "x@other.example", "Other workspace secret", "t", kind="k", ref="o"
        ).id
    drain(db, ws)
    drain(db, other)

    client = console_client(db, tmp_path)
    csrf = log_in(client, owner)
    page = client.get("/outbox")
    assert page.status_code == 200
    assert 'href="/outbox"' in page.text  # the nav entry
    assert "新的广告账户申请" in page.text
    assert "Other workspace secret" not in page.text
    assert "Captured" in page.text

    detail = client.get(f"/outbox/mail/{mail_id}")
    assert detail.status_code == 200
    assert "请开通「月饼旗舰店」&lt;script&gt;" in detail.text  # the body, escaped
    assert "<script>alert(1)</script>" not in detail.text
    assert 'sandbox=""' in detail.text  # the HTML version cannot run anything
    assert "account_request:7" in detail.text

    hooks = client.get("/outbox?tab=webhooks")
    assert "shop.verification_failed" in hooks.text
    assert "HTTP 500" in hooks.text
    assert "2 / 2" in hooks.text
    failed = client.get("/outbox?tab=webhooks&status=failed").text
    assert f'href="/outbox/webhooks/{hook_id}"' in failed
    assert "shop.verification_failed" not in client.get("/outbox?tab=webhooks&status=sent").text

    for url in (f"/outbox/mail/{foreign}", "/outbox/mail/999999999", "/outbox/webhooks/abc"):
        assert client.get(url).status_code == 404
    assert client.get("/outbox?tab=zzz&status=nope&before=").status_code == 200
    assert client.get("/outbox?before=x").status_code in (400, 422)

    # resend the failed webhook: the receiver now accepts it
    hook_page = client.get(f"/outbox/webhooks/{hook_id}").text
    assert "Send again" in hook_page
    assert "hook-secret-xyz" not in hook_page  # the secret is never shown
    receiver.codes = [200]
    response = client.post(
        f"/outbox/webhooks/{hook_id}/resend",
        data={"csrf_token": csrf_of(hook_page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    drain(db, ws)
    assert "badge-done" in client.get(f"/outbox/webhooks/{hook_id}").text
    again = client.post(
        f"/outbox/webhooks/{hook_id}/resend", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert again.status_code == 409  # a sent message cannot be resent: the page says why
    assert "the message is already sent" in again.text
    assert "Send again" not in client.get(f"/outbox/webhooks/{hook_id}").text
    foreign_post = client.post(
        f"/outbox/mail/{foreign}/resend", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert foreign_post.status_code == 404

    stranger_client = console_client(db, tmp_path)
    log_in(stranger_client, stranger)
    assert stranger_client.get(f"/outbox/mail/{mail_id}").status_code == 404
    assert "新的广告账户申请" not in stranger_client.get("/outbox").text


def test_viewers_read_but_cannot_resend_and_the_page_speaks_chinese(
    db: Database, tmp_path: Path, notify_env: pytest.MonkeyPatch
) -> None:
    configure(notify_env, PROMODESK_NOTIFY_CAPTURE="1")
    viewer = new_member(db, "viewer")
    ws = viewer.workspace.id
    with db.transaction() as uow:
        mail_id = notify.send_email(uow, ws, "a@b.com", "中秋", "正文", kind="k", ref="z").id
    client = console_client(db, tmp_path)
    csrf = log_in(client, viewer)
    client.post("/locale", data={"csrf_token": csrf, "locale": "zh_Hans", "next": "/outbox"})
    page = client.get("/outbox").text
    assert "发件箱" in page
    assert "排队中" in page
    assert "发件箱" in client.get(f"/outbox/mail/{mail_id}").text
    assert client.get(f"/outbox/mail/{mail_id}").status_code == 200
    denied = client.post(
        f"/outbox/mail/{mail_id}/resend", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert denied.status_code == 303
    with db.transaction() as uow:
        assert notify.get_email(uow, ws, mail_id).status == "queued"
