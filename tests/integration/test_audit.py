"""The audit log on both databases: written with the change, filtered, scoped, secret-free."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from promodesk.audit import service as audit
from promodesk.audit.repository import AuditRepository
from promodesk.kit.db import Database
from promodesk.kit.jobs import service as jobs
from promodesk.models import AuditEvent, Workspace
from promodesk.tenancy import service as tenancy
from tests.api_support import bearer, make_app, new_key, new_workspace


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ws(db: Database) -> Workspace:
    return new_workspace(db)


def events(db: Database, workspace_id: int) -> list[AuditEvent]:
    with db.transaction() as uow:
        return list(reversed(audit.list_events(uow, workspace_id, limit=500)))


def test_every_tenancy_change_is_audited(client: TestClient, db: Database, ws: Workspace) -> None:
    with db.transaction() as uow:
        tenancy.create_user(uow, f"{ws.slug}@example.com", "password-1", workspace=ws)
    admin = new_key(db, ws, "admin")
    created = client.post("/api/v1/keys", json={"name": "ci"}, headers=bearer(admin)).json()
    client.post(f"/api/v1/keys/{created['id']}/revoke", headers=bearer(admin))
    actions = [e.action for e in events(db, ws.id)]
    assert actions == [
        "workspace.created",
        "user.created",
        "member.added",
        "api_key.created",  # the admin key, by the CLI/test
        "api_key.created",  # "ci", by the admin key over HTTP
        "api_key.revoked",
    ]
    revoked = events(db, ws.id)[-1]
    admin_id = client.get("/api/v1/keys", headers=bearer(admin)).json()[0]["id"]
    assert revoked.actor == f"key:{admin_id}"
    assert revoked.object_type == "api_key"
    assert revoked.object_id == str(created["id"])
    assert revoked.before == {"revoked": False}
    assert revoked.after == {"revoked": True}
    assert revoked.created_at.tzinfo is not None


def test_job_retry_records_before_and_after(
    client: TestClient, db: Database, ws: Workspace
) -> None:
    admin = new_key(db, ws, "admin")
    with db.transaction() as uow:
        job = jobs.enqueue(uow, "housekeeping", workspace_id=ws.id)
        job.status, job.attempts = "dead", 8
        job_id = job.id
    assert client.post(f"/api/v1/jobs/{job_id}/retry", headers=bearer(admin)).status_code == 200
    event = events(db, ws.id)[-1]
    assert event.action == "job.retried"
    assert event.before == {"status": "dead", "attempts": 8}
    assert event.after == {"status": "queued", "attempts": 0}


def test_audit_is_written_in_the_same_unit_of_work(db: Database) -> None:
    slug = f"rolled-{uuid.uuid4().hex[:8]}"
    created: list[int] = []

    def change_then_fail() -> None:
        with db.transaction() as uow:
            created.append(tenancy.create_workspace(uow, slug, "").id)
            raise RuntimeError("the change fails after the audit row was added")

    with pytest.raises(RuntimeError):
        change_then_fail()
    ws_id = created[0]
    with db.transaction() as uow:
        left = uow.session.execute(select(AuditEvent).where(AuditEvent.workspace_id == ws_id)).all()
    assert left == []
    assert not hasattr(AuditRepository, "update")
    assert not hasattr(AuditRepository, "delete")


def test_secrets_never_reach_the_audit_log(client: TestClient, db: Database, ws: Workspace) -> None:
    with db.transaction() as uow:
        tenancy.create_user(uow, f"s-{ws.slug}@example.com", "hunter2-secret", workspace=ws)
    admin = new_key(db, ws, "owner")
    created = client.post("/api/v1/keys", json={"name": "k"}, headers=bearer(admin)).json()
    with db.transaction() as uow:
        from promodesk.models import ApiKey, User

        key_hash = uow.session.get_one(ApiKey, created["id"]).key_hash
        pw_hash = uow.session.execute(
            select(User.password_hash).where(User.email == f"s-{ws.slug}@example.com")
        ).scalar_one()
    dump = client.get("/api/v1/audit", params={"limit": 500}, headers=bearer(admin)).text
    for secret in (created["key"], admin, key_hash, pw_hash, "hunter2-secret"):
        assert secret not in dump


def test_secret_fields_are_masked_at_any_depth(db: Database, ws: Workspace) -> None:
    with db.transaction() as uow:
        audit.record(
            uow,
            workspace_id=ws.id,
            actor="system",
            action="test.masked",
            object_type="test",
            object_id=1,
            before={"password": "p", "name": "visible"},
            after={
                "nested": {"api_key": "k", "refresh_token": "t", "ok": 1},
                "items": [{"client_secret": "s", "key": "raw"}],
                "key_hash": "h",
            },
        )
    (event,) = [e for e in events(db, ws.id) if e.action == "test.masked"]
    assert event.before == {"password": "***", "name": "visible"}
    assert event.after == {
        "nested": {"api_key": "***", "refresh_token": "***", "ok": 1},
        "items": [{"client_secret": "***", "key": "***"}],
        "key_hash": "***",
    }


def test_bulk_rows_are_masked_like_a_single_row(db: Database, ws: Workspace) -> None:
    details = {
        "before": {"password": "p", "name": "visible"},
        "after": {"nested": {"access_token": "t", "ok": 1}, "items": [{"key": "raw"}]},
    }
    with db.transaction() as uow:
        audit.record(
            uow,
            workspace_id=ws.id,
            actor="system",
            action="test.single",
            object_type="test",
            object_id=1,
            **details,
        )
        written = audit.record_many(
            uow,
            [
                {
                    "workspace_id": ws.id,
                    "actor": "system",
                    "action": "test.bulk",
                    "object_type": "test",
                    "object_id": n,
                    **details,
                }
                for n in (2, 3)
            ],
        )
    assert written == 2
    by_action = {e.action: e for e in events(db, ws.id)}
    single = by_action["test.single"]
    assert single.after == {"nested": {"access_token": "***", "ok": 1}, "items": [{"key": "***"}]}
    bulk = [e for e in events(db, ws.id) if e.action == "test.bulk"]
    assert [e.object_id for e in bulk] == ["2", "3"]
    for event in bulk:
        assert (event.before, event.after, event.note) == (single.before, single.after, "")
        assert event.created_at is not None


def test_record_many_refuses_an_unknown_field(db: Database, ws: Workspace) -> None:
    with db.transaction() as uow, pytest.raises(TypeError, match="secret_detail"):
        audit.record_many(
            uow,
            [
                {
                    "workspace_id": ws.id,
                    "actor": "system",
                    "action": "test.bulk",
                    "object_type": "test",
                    "object_id": 1,
                    "secret_detail": "x",
                }
            ],
        )


def test_filters_and_pagination(client: TestClient, db: Database, ws: Workspace) -> None:
    viewer = new_key(db, ws, "viewer")
    base = datetime.now(UTC)
    with db.transaction() as uow:
        for i in range(7):
            audit.record(
                uow,
                workspace_id=ws.id,
                actor=f"user:{i % 2}",
                action=f"thing.{'made' if i % 3 else 'gone'}",
                object_type="thing",
                object_id=i,
            )

    def get(**params: object) -> list[dict[str, object]]:
        response = client.get("/api/v1/audit", params=params, headers=bearer(viewer))
        assert response.status_code == 200, response.text
        items: list[dict[str, object]] = response.json()["items"]
        return items

    assert len(get(object_type="thing")) == 7
    assert [e["object_id"] for e in get(action="thing.gone")] == ["6", "3", "0"]
    assert len(get(action="thing.")) == 7  # a prefix
    assert len(get(action="thing%")) == 0  # LIKE wildcards are escaped
    assert len(get(actor="user:1", object_type="thing")) == 3
    assert [e["object_id"] for e in get(object_type="thing", object_id="4")] == ["4"]
    assert len(get(object_type="thing", since=(base - timedelta(minutes=1)).isoformat())) == 7
    assert get(object_type="thing", until=(base - timedelta(minutes=1)).isoformat()) == []

    seen: list[object] = []
    cursor = None
    while True:
        params: dict[str, object] = {"object_type": "thing", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/audit", params=params, headers=bearer(viewer)).json()
        seen += [e["object_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [str(i) for i in range(6, -1, -1)]


def test_each_workspace_sees_only_its_own_events(
    client: TestClient, db: Database, ws: Workspace
) -> None:
    other = new_workspace(db)
    mine, theirs = new_key(db, ws, "viewer"), new_key(db, other, "viewer")
    their_events = client.get("/api/v1/audit", headers=bearer(theirs)).json()["items"]
    my_events = client.get("/api/v1/audit", headers=bearer(mine)).json()["items"]
    assert {e["id"] for e in their_events}.isdisjoint({e["id"] for e in my_events})
    event_id = their_events[0]["id"]
    assert client.get(f"/api/v1/audit/{event_id}", headers=bearer(theirs)).status_code == 200
    hidden = client.get(f"/api/v1/audit/{event_id}", headers=bearer(mine))
    assert hidden.status_code == 404
    assert hidden.json()["error"] == "NotFound"


def stored(db: Database, workspace_id: int, action: str) -> list[tuple[object, ...]]:
    """The columns as the database keeps them (JSON as its text, time as stored)."""
    text = "::text" if db.dialect == "postgresql" else ""
    with db.transaction() as uow:
        return list(
            uow.session.connection().exec_driver_sql(
                f"SELECT actor, object_type, object_id, before{text}, after{text}, note, "
                f"created_at{text} FROM audit_events WHERE workspace_id = {int(workspace_id)} "
                f"AND action = '{action}' ORDER BY id"
            )
        )


def test_bulk_rows_are_stored_exactly_like_single_rows(db: Database, ws: Workspace) -> None:
    """``record_many`` writes on the driver with values encoded by hand: what it stores, and
    what the ORM reads back, is what ``record`` stores for the same event."""
    at = datetime(2026, 9, 17, 8, 30, 15, 123456, tzinfo=UTC)
    payloads = [
        (None, {"state": "terminated", "offers_cancelled": 2, "batch_id": 7}),
        ({"state": "live"}, {"n": 1, "flag": True, "ratio": 1.0, "zero": -0.0, "none": None}),
        ({"n": True}, {"name": '月饼 "quoted"', "token": "secret", "nested": {"password": 1}}),
        ({"n": 1}, {"items": [{"key": "k"}, 2], "x": [1, 2]}),
        ({}, None),
    ]
    with db.transaction() as uow:
        for n, (before, after) in enumerate(payloads):
            audit.record(
                uow, workspace_id=ws.id, actor="system", action="test.one", object_type="t",
                object_id=n, before=before, after=after, note="n",
            )  # fmt: skip
        for event in uow.session.new:
            event.created_at = at
        uow.flush()
        audit.record_many(
            uow,
            [
                {"workspace_id": ws.id, "actor": "system", "action": "test.many",
                 "object_type": "t", "object_id": n, "before": before, "after": after,
                 "note": "n", "created_at": at}
                for n, (before, after) in enumerate(payloads)
            ],
        )  # fmt: skip
    one, many = stored(db, ws.id, "test.one"), stored(db, ws.id, "test.many")
    assert len(one) == len(payloads)
    assert many == one
    read = events(db, ws.id)

    def seen(action: str) -> list[tuple[object, ...]]:
        return [
            (e.object_id, e.before, e.after, e.note, e.created_at)
            for e in read
            if e.action == action
        ]

    assert seen("test.many") == seen("test.one")
