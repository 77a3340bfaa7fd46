"""The outbox API on SQLite and PostgreSQL: lists with filters and cursors, one message,
resending a failed delivery (admins only, 409 otherwise), no secret in any response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from promodesk.notify.service import outbox as notify
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.notify_support import (
    Receiver,
    configure,
    drain,
    notify_environment,
    run_receiver,
)


@pytest.fixture
def notify_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield from notify_environment(monkeypatch)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from run_receiver()


def test_read_filter_and_resend(
    db: Database, tmp_path: Path, notify_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    configure(notify_env, PROMODESK_NOTIFY_MAX_ATTEMPTS="1", PROMODESK_NOTIFY_CAPTURE="1")
    configure(notify_env, PROMODESK_NOTIFY_CAPTURE_WEBHOOKS="0")
    receiver.codes = [500, 200]
    ws = new_workspace(db)
    with db.transaction() as uow:
        for n in range(3):
            notify.send_email(
                uow, ws.id, "a@b.com", f"中秋 {n}", "正文", kind=f"k{n % 2}", ref=f"r{n}"
            )
        hook_id = notify.send_webhook(
            uow, ws.id, receiver.url, "ops.alert", {"n": 1}, secret="top-secret-1", ref="h"
        ).id
    drain(db, ws.id)
    admin, viewer = new_key(db, ws, "admin"), new_key(db, ws, "viewer")
    client = TestClient(make_app(db, tmp_path))

    page = client.get("/api/v1/notify/emails?limit=2", headers=bearer(viewer)).json()
    assert [m["subject"] for m in page["items"]] == ["中秋 2", "中秋 1"]
    rest = client.get(
        f"/api/v1/notify/emails?limit=2&cursor={page['next_cursor']}", headers=bearer(viewer)
    ).json()
    assert [m["subject"] for m in rest["items"]] == ["中秋 0"]
    assert rest["next_cursor"] is None
    only = client.get("/api/v1/notify/emails?kind=k1", headers=bearer(viewer)).json()
    assert [m["ref"] for m in only["items"]] == ["r1"]
    assert {m["status"] for m in page["items"]} == {"captured"}
    bad = client.get("/api/v1/notify/emails?status=lost", headers=bearer(viewer))
    assert bad.status_code == 422
    assert bad.json()["error"] == "ValidationFailed"

    hook = client.get(f"/api/v1/notify/webhooks/{hook_id}", headers=bearer(viewer))
    assert hook.status_code == 200
    body = hook.json()
    assert (body["status"], body["attempts"], body["response_code"]) == ("failed", 1, 500)
    assert "top-secret-1" not in hook.text
    failed = client.get("/api/v1/notify/webhooks?status=failed", headers=bearer(viewer)).json()
    assert [h["id"] for h in failed["items"]] == [hook_id]

    url = f"/api/v1/notify/webhooks/{hook_id}/resend"
    assert client.post(url, headers=bearer(viewer)).status_code == 403
    again = client.post(url, headers=bearer(admin))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "queued"
    assert client.post(url, headers=bearer(admin)).status_code == 409
    drain(db, ws.id)
    done = client.get(f"/api/v1/notify/webhooks/{hook_id}", headers=bearer(viewer)).json()
    assert (done["status"], done["response_code"]) == ("sent", 200)
    audit = client.get("/api/v1/audit?action=notify_webhook.", headers=bearer(admin)).json()
    assert [e["object_id"] for e in audit["items"]] == [str(hook_id)]

    email_id = page["items"][0]["id"]
    resend = client.post(f"/api/v1/notify/emails/{email_id}/resend", headers=bearer(admin))
    assert resend.status_code == 409  # captured is final
    assert client.get("/api/v1/notify/emails/999999999", headers=bearer(viewer)).status_code == 404
