"""An Idempotency-Key's outcome commits with the work it guards (both databases).

- Killed right after the commit (the middleware's own store never runs), the key already holds
  the response: the retry gets the first answer and nothing runs again.
- A request thought dead whose key a retry took over cannot commit its work: its commit finds
  the claim gone and rolls back, so the work happened once, by the retry.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import func, select

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.idempotency import IdempotencyMiddleware
from promodesk.models import AuditEvent, IdempotencyKey
from promodesk.web import ApiRoute, Uow
from tests.api_support import HANG_GUARD, bearer, live_server, make_app, new_key, new_workspace


class Gate:
    """The first call waits until released; every call writes one audit event."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.lock = threading.Lock()


def _app(db: Database, tmp_path: Path, gate: Gate) -> FastAPI:
    app = make_app(db, tmp_path)
    router = APIRouter(route_class=ApiRoute)

    @router.post("/api/test/audited", status_code=201, include_in_schema=False)
    def audited(body: dict[str, Any], uow: Uow) -> dict[str, Any]:
        with gate.lock:
            gate.calls += 1
            n = gate.calls
        audit.record(
            uow, workspace_id=None, actor="test", action="test.audited", object_type="probe",
            object_id=str(body["tag"]),
        )  # fmt: skip
        if n == 1:
            gate.entered.set()
            gate.release.wait(60)  # a safety net against a hung test, not a timing check
        return {"call": n, "tag": body["tag"]}

    app.include_router(router)
    return app


def _effects(db: Database, tag: str) -> int:
    with db.read() as uow:
        query = select(func.count()).where(
            AuditEvent.action == "test.audited", AuditEvent.object_id == tag
        )
        return int(uow.session.execute(query).scalar_one())


def _key_state(db: Database, idem: str) -> tuple[str, int | None]:
    with db.read() as uow:
        row = uow.session.execute(
            select(IdempotencyKey).where(IdempotencyKey.key == idem)
        ).scalar_one()
        return row.state, row.response_status


@pytest.fixture
def api_key(db: Database) -> str:
    return new_key(db, new_workspace(db), "admin")


@pytest.fixture
def no_late_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """The middleware's store after the response never runs, as if the process died there."""
    monkeypatch.setattr(IdempotencyMiddleware, "_store_quietly", lambda *_: None)


def test_the_response_is_stored_in_the_transaction_of_the_work(
    db: Database, tmp_path: Path, api_key: str, no_late_store: None
) -> None:
    gate = Gate()
    gate.release.set()
    app = _app(db, tmp_path, gate)
    headers = {**bearer(api_key), "Idempotency-Key": "atomic-1"}
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HANG_GUARD) as http:
        first = http.post("/api/test/audited", json={"tag": "atomic-1"}, headers=headers)
        assert first.status_code == 201
        assert _key_state(db, "atomic-1") == ("done", 201)
        again = http.post("/api/test/audited", json={"tag": "atomic-1"}, headers=headers)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert gate.calls == 1
    assert _effects(db, "atomic-1") == 1


def test_a_real_route_stores_its_answer_with_its_work(
    db: Database, tmp_path: Path, api_key: str, no_late_store: None
) -> None:
    app = make_app(db, tmp_path)
    headers = {**bearer(api_key), "Idempotency-Key": "atomic-client"}
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HANG_GUARD) as http:
        body = {"name": "Atomic client"}
        first = http.post("/api/v1/client-accounts", json=body, headers=headers)
        assert first.status_code == 201, first.text
        again = http.post("/api/v1/client-accounts", json=body, headers=headers)
        listed = http.get("/api/v1/client-accounts", headers=bearer(api_key)).json()
    assert again.content == first.content
    names = [c["name"] for c in listed["items"]]
    assert names.count("Atomic client") == 1


def test_a_takeover_never_reruns_committed_work(db: Database, tmp_path: Path, api_key: str) -> None:
    gate = Gate()
    app = _app(db, tmp_path, gate)
    headers = {**bearer(api_key), "Idempotency-Key": "atomic-takeover"}
    frozen = clock.FrozenClock(datetime.now(UTC))
    previous = clock.set_clock(frozen)
    answers: dict[str, httpx.Response] = {}
    try:
        with live_server(app) as base:

            def slow() -> None:
                with httpx.Client(base_url=base, timeout=60) as http:
                    answers["slow"] = http.post(
                        "/api/test/audited", json={"tag": "takeover"}, headers=headers
                    )

            thread = threading.Thread(target=slow)
            thread.start()
            assert gate.entered.wait(30)
            frozen.advance(timedelta(minutes=3))  # the slow request now looks dead
            with httpx.Client(base_url=base, timeout=60) as http:
                retry = http.post("/api/test/audited", json={"tag": "takeover"}, headers=headers)
                assert retry.status_code == 201
                assert retry.json()["call"] == 2
                gate.release.set()
                thread.join()
                later = http.post("/api/test/audited", json={"tag": "takeover"}, headers=headers)
    finally:
        clock.set_clock(previous)
    assert answers["slow"].status_code == 409
    assert answers["slow"].json()["error"] == "IdempotencyConflict"
    assert later.content == retry.content
    assert _effects(db, "takeover") == 1
