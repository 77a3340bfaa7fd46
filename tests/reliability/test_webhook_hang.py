"""A payment webhook whose row is locked never freezes the server: the real server in a
subprocess, the recharge's row (or the whole SQLite file) locked by another transaction, and
``/healthz`` answering throughout. The wait is bounded (``lock_timeout``): the webhook answers
503 with ``Retry-After``, nothing was written, and the provider's retry confirms the recharge
once. Then the triggers seen in the field on PostgreSQL: two distinct signed events for one
pending recharge at once, and a webhook arriving while the same creator places four orders.
Last, SIGTERM stops a server that has a request waiting on a lock.

Client timeouts below are bounds that turn a hang into a failure, not speed checks.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.kit.money import Money
from promodesk.models import LedgerEntry, PromoteRecharge
from promodesk.promote.payments import SIGNATURE_HEADER, TestProvider
from promodesk.promote.service import recharge as recharge_service
from promodesk.promote.settings import derive_webhook_secret
from tests.api_support import bearer, new_key, new_workspace
from tests.conftest import assert_ledger_clean, own_database_url
from tests.integration import promote_factories as promote
from tests.integration.promote_money_helpers import config, make_creator
from tests.server_process import ServerProcess

WEBHOOK = "/api/v1/promote/payments/webhook"
HANG_GUARD = 20.0  # seconds a client waits before calling the server hung
PROVIDER = TestProvider(derive_webhook_secret("reliability-secret"))
MONEY = config(provider=PROVIDER)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hang_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with own_database_url(request.param, "pd_hang", folder=tmp_path) as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with own_database_url("postgres", "pd_hang") as url:
        yield url


def _video(db: Database, workspace_id: int, creator_id: int) -> int:
    with db.transaction() as uow:
        return promote.make_video(uow, workspace_id, creator_id)


def _pending(db: Database, workspace_id: int, creator_id: int, coins: int = 500) -> int:
    with db.transaction() as uow:
        recharge = recharge_service.create_recharge(
            uow, MONEY, workspace_id, creator_id=creator_id, coins=coins, method="card",
            mode="pending",
        )  # fmt: skip
        return recharge.id


def _event(db: Database, recharge_id: int) -> tuple[bytes, dict[str, str]]:
    """A newly signed provider event (its own event id) confirming the recharge."""
    with db.read() as uow:
        r = uow.session.get(PromoteRecharge, recharge_id)
        assert r is not None
        body, signature = PROVIDER.webhook(
            provider_ref=r.provider_ref or "",
            reference=str(r.id),
            amount=Money(r.amount, r.currency),
            event_id="evt_" + uuid.uuid4().hex,
        )
    return body, {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}


def _post(base: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(base + WEBHOOK, content=body, headers=headers, timeout=HANG_GUARD)


class Health:
    """Polls ``/healthz`` from a thread until stopped; every poll must answer 200."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.answers: list[int | str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                code: int | str = httpx.get(self.base + "/healthz", timeout=HANG_GUARD).status_code
            except httpx.TransportError as exc:
                code = type(exc).__name__
            self.answers.append(code)
            self._stop.wait(0.05)

    def __enter__(self) -> Health:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        assert self.answers, "no health check was made"
        assert set(self.answers) == {200}, self.answers


@contextmanager
def _locked(url: str, recharge_id: int) -> Iterator[None]:
    """Another transaction holds the recharge's row (PostgreSQL) or the write lock (SQLite)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        conn.execute("SELECT id FROM promote_recharges WHERE id = %s FOR UPDATE", (recharge_id,))
        yield
        conn.rollback()


def _credits(db: Database, recharge_id: int) -> int:
    with db.read() as uow:
        query = select(func.count()).where(
            LedgerEntry.kind == "recharge", LedgerEntry.ref == str(recharge_id)
        )
        return int(uow.session.execute(query).scalar_one())


def test_a_locked_recharge_gets_a_bounded_wait_and_health_answers_throughout(
    hang_url: str, tmp_path: Path
) -> None:
    db = Database(hang_url)
    ws = new_workspace(db, "hang")
    creator = make_creator(db, ws.id)
    recharge = _pending(db, ws.id, creator)
    server = ServerProcess(hang_url, tmp_path, db_lock_timeout_seconds="2")
    server.start()
    try:
        body, headers = _event(db, recharge)
        with _locked(hang_url, recharge), Health(server.base), ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(_post, server.base, body, headers)
            answer = waiting.result()
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["error"] == "ServiceUnavailable"
        assert _credits(db, recharge) == 0  # nothing was written

        # The provider retries the same event: confirmed once, and again unchanged.
        first = _post(server.base, body, headers)
        assert first.status_code == 200, first.text
        assert first.json() == {"recharge_id": recharge, "status": "confirmed", "changed": True}
        again = _post(server.base, body, headers)
        assert again.json()["changed"] is False
        assert _credits(db, recharge) == 1
    finally:
        server.kill()
        db.dispose()


def test_concurrent_webhooks_and_orders_never_freeze_the_server(
    pg_url: str, tmp_path: Path
) -> None:
    db = Database(pg_url)
    ws = new_workspace(db, "hang")
    key = new_key(db, ws, "operator")
    server = ServerProcess(pg_url, tmp_path, db_lock_timeout_seconds="3")
    server.start()
    rounds = 8
    try:
        with Health(server.base), ThreadPoolExecutor(6) as pool:
            for _ in range(rounds):
                creator = make_creator(db, ws.id)
                # Two distinct signed events for one pending recharge, at once.
                recharge = _pending(db, ws.id, creator)
                events = [_event(db, recharge), _event(db, recharge)]
                answers = list(pool.map(lambda e: _retried(server.base, *e), events))
                assert sorted(a.json()["changed"] for a in answers) == [False, True]
                assert _credits(db, recharge) == 1

                # A webhook while the same creator places four orders.
                videos = [_video(db, ws.id, creator) for _ in range(4)]
                recharge = _pending(db, ws.id, creator, coins=4000)
                webhook = pool.submit(_retried, server.base, *_event(db, recharge))
                orders = [pool.submit(_order, server.base, key, creator, v) for v in videos]
                assert webhook.result().json()["changed"] is True
                codes = [o.result().status_code for o in orders]
                # Each order either held its coins or met an empty wallet (the webhook had
                # not credited it yet): never a 5xx.
                assert set(codes) <= {201, 409}, codes
                assert _credits(db, recharge) == 1
        assert_ledger_clean(db)
    finally:
        server.kill()
        db.dispose()


def _retried(base: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """Send a webhook as a provider does: again while the answer is a retryable 503."""
    for _ in range(20):
        answer = _post(base, body, headers)
        if answer.status_code != 503:
            assert answer.status_code == 200, answer.text
            return answer
    raise AssertionError("the webhook was never accepted")


def _order(base: str, key: str, creator: int, video: int) -> httpx.Response:
    body = {
        "creator_id": creator,
        "content_id": video,
        "goal": "video_views",
        "budget_coins": 1000,
        "duration_hours": 24,
    }
    return httpx.post(
        base + "/api/v1/promote/orders", json=body, headers=bearer(key), timeout=HANG_GUARD
    )


def test_sigterm_stops_a_server_with_a_request_waiting_on_a_lock(
    pg_url: str, tmp_path: Path
) -> None:
    db = Database(pg_url)
    ws = new_workspace(db, "hang")
    creator = make_creator(db, ws.id)
    recharge = _pending(db, ws.id, creator)
    server = ServerProcess(
        pg_url, tmp_path, db_lock_timeout_seconds="30", shutdown_grace_seconds="1"
    )
    server.start()
    try:
        body, headers = _event(db, recharge)
        with _locked(pg_url, recharge), ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(_post_quietly, server.base, body, headers)
            _wait_for_lock_waiter(pg_url)
            seconds = server.terminate()  # raises if SIGTERM is ignored
            assert not server.running()
            waiting.result()
        print(f"\nSIGTERM with a request waiting on a lock: exited after {seconds:.2f} s")
        assert _credits(db, recharge) == 0
    finally:
        server.kill()
        db.dispose()


def _post_quietly(base: str, body: bytes, headers: dict[str, str]) -> None:
    with suppress(httpx.TransportError):  # the server went away: the provider will retry
        _post(base, body, headers)


def _wait_for_lock_waiter(url: str) -> None:
    """Until some session of the server waits on a lock (the webhook reached its row)."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        for _ in range(400):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if row and row[0]:
                return
            threading.Event().wait(0.05)
    raise AssertionError("the webhook never reached the locked row")
