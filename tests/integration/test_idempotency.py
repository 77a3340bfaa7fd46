"""Idempotency-Key on both databases: replay, mismatch, scope, errors, expiry, concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.idempotency import credential_scope, purge_expired
from promodesk.kit.jobs import service as jobs
from promodesk.kit.jobs.registry import JobContext
from promodesk.models import ApiKey, AuditEvent, IdempotencyKey, Job
from promodesk.system.jobs import purge_idempotency_keys
from tests.api_support import (
    HANG_GUARD,
    Probe,
    add_probe_routes,
    bearer,
    live_server,
    make_app,
    new_key,
    new_workspace,
)


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def probe(app: FastAPI) -> Probe:
    return add_probe_routes(app)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def key(db: Database) -> str:
    return new_key(db, new_workspace(db), "admin")


def keyed(key: str, idem: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": idem}


def rows_for(db: Database, idem: str) -> list[IdempotencyKey]:
    with db.transaction() as uow:
        return list(
            uow.session.execute(select(IdempotencyKey).where(IdempotencyKey.key == idem)).scalars()
        )


def test_replay_returns_the_stored_status_and_body(
    client: TestClient, probe: Probe, key: str
) -> None:
    probe.release.set()
    first = client.post("/test/slow", json={"a": 1}, headers=keyed(key, "k-replay"))
    again = client.post("/test/slow", json={"a": 1}, headers=keyed(key, "k-replay"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {"call": 1, "echo": {"a": 1}}
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert probe.calls == 1


def test_a_real_state_change_is_not_repeated(db: Database, client: TestClient, key: str) -> None:
    ws_id = client.get("/api/v1/workspaces/current", headers=bearer(key)).json()["id"]
    with db.transaction() as uow:
        job = jobs.enqueue(uow, "housekeeping", workspace_id=ws_id)
        job.status = "dead"
        job_id = job.id
    url = f"/api/v1/jobs/{job_id}/retry"
    first = client.post(url, headers=keyed(key, f"retry-{job_id}"))
    assert first.status_code == 200
    with db.transaction() as uow:  # the job ran and died again: a second retry would requeue it
        uow.session.get_one(Job, job_id).status = "dead"
    again = client.post(url, headers=keyed(key, f"retry-{job_id}"))
    assert again.status_code == 200
    assert again.json() == first.json()
    with db.transaction() as uow:
        assert uow.session.get_one(Job, job_id).status == "dead"
        retried = uow.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "job.retried", AuditEvent.object_id == str(job_id))
        ).scalar_one()
    assert retried == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [("/test/slow", {"a": 2}), ("/test/slow?x=1", {"a": 1}), ("/test/boom", {"a": 1})],
)
def test_same_key_with_another_request_is_refused(
    client: TestClient, probe: Probe, key: str, path: str, body: dict[str, Any]
) -> None:
    probe.release.set()
    assert client.post("/test/slow", json={"a": 1}, headers=keyed(key, "k-mis")).status_code == 201
    refused = client.post(path, json=body, headers=keyed(key, "k-mis"))
    assert refused.status_code == 422
    assert refused.json()["error"] == "IdempotencyConflict"
    assert "different request" in refused.json()["detail"]
    assert refused.json()["field"] == "Idempotency-Key"
    assert probe.calls == 1


def test_keys_are_scoped_to_the_credential(
    db: Database, client: TestClient, probe: Probe, key: str
) -> None:
    probe.release.set()
    other_tenant = new_key(db, new_workspace(db), "admin")
    a = client.post("/test/slow", json={"a": 1}, headers=keyed(key, "shared"))
    b = client.post("/test/slow", json={"a": 1}, headers=keyed(other_tenant, "shared"))
    assert a.json()["call"] == 1
    assert b.json()["call"] == 2  # ran on its own; never sees the other tenant's response
    assert "idempotent-replayed" not in b.headers
    assert credential_scope({b"authorization": b"Bearer x"}) != credential_scope({})


@pytest.mark.parametrize("bad", ["", "x" * 256, "naïve", "tab\there"])
def test_malformed_keys_are_refused_before_anything_runs(
    client: TestClient, probe: Probe, key: str, bad: str
) -> None:
    probe.release.set()
    response = client.post(
        "/test/slow",
        content=b'{"a": 1}',
        headers={**bearer(key), "Idempotency-Key": bad.encode("latin-1")},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert probe.calls == 0


def test_server_errors_are_not_stored(
    db: Database, client: TestClient, probe: Probe, key: str
) -> None:
    failed = client.post("/test/boom", json={}, headers=keyed(key, "k-boom"))
    assert failed.status_code == 500
    assert rows_for(db, "k-boom") == []
    retried = client.post("/test/boom", json={}, headers=keyed(key, "k-boom"))
    assert retried.status_code == 200
    assert retried.json() == {"call": 2}
    replayed = client.post("/test/boom", json={}, headers=keyed(key, "k-boom"))
    assert replayed.json() == {"call": 2}
    assert replayed.headers["idempotent-replayed"] == "true"


def test_unauthenticated_requests_leave_no_key(db: Database, client: TestClient) -> None:
    response = client.post(
        "/api/v1/keys", json={}, headers={"Authorization": "Bearer nope", "Idempotency-Key": "k401"}
    )
    assert response.status_code == 401
    assert rows_for(db, "k401") == []


def test_client_errors_are_stored_and_replayed(client: TestClient, key: str, db: Database) -> None:
    viewer = new_key(db, new_workspace(db), "viewer")
    first = client.post("/api/v1/keys", json={}, headers=keyed(viewer, "k403"))
    again = client.post("/api/v1/keys", json={}, headers=keyed(viewer, "k403"))
    assert first.status_code == again.status_code == 403
    assert again.headers["idempotent-replayed"] == "true"


def test_a_secret_shown_once_is_not_kept_for_replay(
    db: Database, client: TestClient, key: str
) -> None:
    created = client.post("/api/v1/keys", json={"name": "ci"}, headers=keyed(key, "k-secret"))
    assert created.status_code == 201
    secret = created.json()["key"]
    assert created.headers["cache-control"] == "no-store"
    replay = client.post("/api/v1/keys", json={"name": "ci"}, headers=keyed(key, "k-secret"))
    assert replay.status_code == 409
    assert replay.json()["error"] == "IdempotencyConflict"
    assert "shown once" in replay.json()["detail"]
    assert secret not in replay.text
    (row,) = rows_for(db, "k-secret")
    assert secret not in (row.response_body or "")
    with db.transaction() as uow:
        named = uow.session.execute(
            select(func.count())
            .select_from(ApiKey)
            .where(ApiKey.name == "ci", ApiKey.id == created.json()["id"])
        ).scalar_one()
    assert named == 1
    listed = client.get("/api/v1/keys", headers=bearer(key)).json()
    assert [k["name"] for k in listed].count("ci") == 1  # the replay created nothing


def test_keys_expire_after_a_day_and_are_purged(
    db: Database, client: TestClient, probe: Probe, key: str
) -> None:
    probe.release.set()
    frozen = clock.FrozenClock(datetime.now(UTC))
    previous = clock.set_clock(frozen)
    try:
        client.post("/test/slow", json={}, headers=keyed(key, "k-exp"))
        (row,) = rows_for(db, "k-exp")
        assert row.expires_at - row.created_at == timedelta(hours=24)
        frozen.advance(timedelta(hours=23, minutes=59))
        with db.transaction() as uow:
            purge_expired(uow)
        assert len(rows_for(db, "k-exp")) == 1
        replay = client.post("/test/slow", json={}, headers=keyed(key, "k-exp"))
        assert replay.headers["idempotent-replayed"] == "true"
        frozen.advance(timedelta(minutes=1))
        with db.transaction() as uow:
            purge_idempotency_keys(
                JobContext(uow, 0, "idempotency.purge", {}, attempt=1, workspace_id=None)
            )
        assert rows_for(db, "k-exp") == []
        fresh = client.post("/test/slow", json={}, headers=keyed(key, "k-exp"))
        assert fresh.json()["call"] == 2
    finally:
        clock.set_clock(previous)


def test_an_expired_key_is_reused_even_before_the_purge(
    client: TestClient, probe: Probe, key: str
) -> None:
    probe.release.set()
    frozen = clock.FrozenClock(datetime.now(UTC))
    previous = clock.set_clock(frozen)
    try:
        client.post("/test/slow", json={"v": 1}, headers=keyed(key, "k-exp2"))
        frozen.advance(timedelta(hours=24))
        other = client.post("/test/slow", json={"v": 2}, headers=keyed(key, "k-exp2"))
        assert other.status_code == 201
        assert other.json()["call"] == 2
    finally:
        clock.set_clock(previous)


def test_an_abandoned_claim_can_be_taken_over(
    db: Database, client: TestClient, probe: Probe, key: str
) -> None:
    """A process that died between claim and store leaves ``in_progress``; after a while a retry
    may run again instead of answering 409 for a whole day."""
    probe.release.set()
    frozen = clock.FrozenClock(datetime.now(UTC))
    previous = clock.set_clock(frozen)
    try:
        assert client.post("/test/slow", json={}, headers=keyed(key, "k-stale")).status_code == 201
        with db.transaction() as uow:
            row = uow.session.execute(
                select(IdempotencyKey).where(IdempotencyKey.key == "k-stale")
            ).scalar_one()
            row.state = "in_progress"
        busy = client.post("/test/slow", json={}, headers=keyed(key, "k-stale"))
        assert busy.status_code == 409
        frozen.advance(timedelta(minutes=11))
        taken = client.post("/test/slow", json={}, headers=keyed(key, "k-stale"))
        assert taken.status_code == 201
        assert taken.json()["call"] == 2
    finally:
        clock.set_clock(previous)


def test_requests_without_a_key_or_reads_are_untouched(
    db: Database, client: TestClient, probe: Probe, key: str
) -> None:
    probe.release.set()
    client.post("/test/slow", json={}, headers=bearer(key))
    client.post("/test/slow", json={}, headers=bearer(key))
    assert probe.calls == 2
    got = client.get("/api/v1/workspaces/current", headers=keyed(key, "k-get"))
    assert got.status_code == 200
    assert rows_for(db, "k-get") == []


# real server, real threads --------------------------------------------------------------------


def test_concurrent_duplicates_run_once(db: Database, app: FastAPI, probe: Probe, key: str) -> None:
    threads = 8
    barrier = threading.Barrier(threads)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def post(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            barrier.wait()
            response = c.post("/test/slow", json={"n": 1}, headers=keyed(key, "k-race"))
        with lock:
            results.append(response)

    with live_server(app) as base:
        workers = [threading.Thread(target=post, args=(base,)) for _ in range(threads)]
        for w in workers:
            w.start()
        assert probe.entered.wait(60)
        while True:  # every duplicate answers while the first is still inside the route
            with lock:
                if len(results) == threads - 1:
                    break
            threading.Event().wait(0.01)
        probe.release.set()
        for w in workers:
            w.join()
        with httpx.Client(base_url=base, timeout=HANG_GUARD) as c:
            replay = c.post("/test/slow", json={"n": 1}, headers=keyed(key, "k-race"))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * (threads - 1)
    conflicts = [r.json() for r in results if r.status_code == 409]
    assert all(b["error"] == "IdempotencyConflict" for b in conflicts)
    assert all("still being processed" in b["detail"] for b in conflicts)
    assert probe.calls == 1
    assert replay.status_code == 201
    assert replay.json() == {"call": 1, "echo": {"n": 1}}


def test_a_client_that_disconnects_gets_the_result_on_retry(
    app: FastAPI, probe: Probe, key: str, db: Database
) -> None:
    with live_server(app) as base:
        impatient = httpx.Client(base_url=base, timeout=httpx.Timeout(60, read=0.5))
        with impatient, pytest.raises(httpx.ReadTimeout):
            impatient.post("/test/slow", json={"d": 1}, headers=keyed(key, "k-gone"))
        assert probe.entered.wait(60)
        with httpx.Client(base_url=base, timeout=HANG_GUARD) as c:
            busy = c.post("/test/slow", json={"d": 1}, headers=keyed(key, "k-gone"))
            assert busy.status_code == 409
            probe.release.set()
            while rows_for(db, "k-gone")[0].state != "done":
                threading.Event().wait(0.01)
            retry = c.post("/test/slow", json={"d": 1}, headers=keyed(key, "k-gone"))
    assert retry.status_code == 201
    assert retry.json() == {"call": 1, "echo": {"d": 1}}
    assert retry.headers["idempotent-replayed"] == "true"
    assert probe.calls == 1
