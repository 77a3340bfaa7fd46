"""Kill -9 the server at random moments during a burst of keyed creates, then retry every key
with its body: every effect happened exactly once and every retry got the first answer.

The creates are the four kinds whose double run costs money or breaks state: recharges (coins
credited at once by the test provider), Promote orders (coins held), shop products and ad
account allocations. Each key targets its own object (its own creator, content, product title,
ad account), so counting rows per target counts how often the work ran. The figures (keys,
kills, answers lost to a kill, effects) are printed for the run's log.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.models import (
    AdAccountAllocation,
    PromoteOrder,
    PromoteRecharge,
    ShopProduct,
)
from promodesk.promote.service.wallet import wallet_account
from tests.api_support import bearer, new_key, new_workspace
from tests.conftest import assert_ledger_clean, own_database_url
from tests.integration import accounts_factories as accounts
from tests.integration import promote_factories as promote
from tests.integration import shop_factories as shop
from tests.server_process import ServerProcess

PER_KIND = 16
KILLS = 6
WORKERS = 4
RETRY_GUARD_SECONDS = 120.0  # a bound against a hang, not a speed check


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def crash_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with own_database_url(request.param, "pd_idem_crash", folder=tmp_path) as url:
        yield url


@dataclass
class Call:
    key: str
    kind: str
    path: str
    body: dict[str, Any]
    target: int | str
    first: tuple[int, bytes] | None = None  # the answer the client saw before any retry


@dataclass
class Figures:
    keys: int = 0
    kills: int = 0
    lost: int = 0  # calls whose client saw no answer (connection cut by the kill)
    taken_over: int = 0  # retries that met a claim left in progress and waited it out
    effects: dict[str, int] = field(default_factory=dict)


def _seed(db: Database) -> tuple[str, list[Call]]:
    ws = new_workspace(db, "crash")
    key = new_key(db, ws, "admin")
    calls: list[Call] = []
    with db.transaction() as uow:
        shop_id = shop.shop(uow, ws.id).id
        client = accounts.make_client(uow, ws.id)
        for n in range(PER_KIND):
            payer = promote.make_creator(uow, ws.id, region="ID")
            calls.append(
                Call(
                    uuid.uuid4().hex,
                    "recharge",
                    "/api/v1/promote/recharges",
                    {"creator_id": payer, "coins": 500 + n, "method": "card"},
                    payer,
                )
            )
            buyer = promote.make_creator(uow, ws.id)
            promote.fund(uow, ws.id, buyer, 5000)
            video = promote.make_video(uow, ws.id, buyer)
            calls.append(
                Call(
                    uuid.uuid4().hex,
                    "order",
                    "/api/v1/promote/orders",
                    {
                        "creator_id": buyer,
                        "content_id": video,
                        "goal": "video_views",
                        "budget_coins": 1000,
                        "duration_hours": 24,
                    },
                    video,
                )
            )
            title = f"Crash product {n} {uuid.uuid4().hex[:6]}"
            calls.append(
                Call(
                    uuid.uuid4().hex,
                    "product",
                    f"/api/v1/shop/shops/{shop_id}/products",
                    {"title": title, "price_minor": 1999, "stock": 10},
                    title,
                )
            )
            ad_account = accounts.make_ad_account(uow, ws.id)
            advertiser = accounts.make_advertiser(uow, ws.id, client)
            calls.append(
                Call(
                    uuid.uuid4().hex,
                    "allocation",
                    "/api/v1/allocations",
                    {"ad_account_id": ad_account, "advertiser_id": advertiser},
                    ad_account,
                )
            )
    random.Random(7).shuffle(calls)
    return key, calls


def _send(http: httpx.Client, api_key: str, call: Call) -> httpx.Response:
    return http.post(
        call.path, json=call.body, headers={**bearer(api_key), "Idempotency-Key": call.key}
    )


def _burst(server: ServerProcess, api_key: str, calls: list[Call], rng: random.Random) -> None:
    """Send ``calls`` from several clients and SIGKILL the server mid-burst: once a random
    number of them has been answered, after a random few milliseconds more."""
    answered = threading.Semaphore(0)
    kill_after = rng.randint(1, max(1, len(calls) - 2))

    def one(call: Call) -> None:
        try:
            with httpx.Client(base_url=server.base, timeout=30) as http:
                answer = _send(http, api_key, call)
            # A blind resend that met its twin in flight learns nothing yet.
            if call.first is None and "still being processed" not in answer.text:
                call.first = (answer.status_code, answer.content)
        except httpx.TransportError:
            pass  # the kill cut the connection: the client does not know what happened
        finally:
            answered.release()

    def killer() -> None:
        for _ in range(kill_after):
            answered.acquire()
        time.sleep(rng.uniform(0, 0.03))
        server.kill()

    thread = threading.Thread(target=killer)
    thread.start()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, calls))
    thread.join()
    server.kill()


def _warm_up(server: ServerProcess, api_key: str) -> None:
    """One read through each router, so that the burst meets a server past its first-call
    imports and the kill lands among the creates."""
    with httpx.Client(base_url=server.base, timeout=30, headers=bearer(api_key)) as http:
        for path in ("/api/v1/promote/orders", "/api/v1/shop/shops", "/api/v1/ad-accounts"):
            http.get(path).raise_for_status()


def _retry(server: ServerProcess, api_key: str, call: Call, figures: Figures) -> httpx.Response:
    """Send the call again until it is answered; a claim its killed request left in progress
    answers 409 with Retry-After until it goes stale (a second here)."""
    deadline = time.monotonic() + RETRY_GUARD_SECONDS
    waited = False
    with httpx.Client(base_url=server.base, timeout=30) as http:
        while True:
            answer = _send(http, api_key, call)
            in_progress = answer.status_code == 409 and "still being processed" in answer.text
            if not in_progress or time.monotonic() > deadline:
                figures.taken_over += waited
                return answer
            waited = True
            time.sleep(float(answer.headers.get("retry-after", "1")) / 4)


def _effects(db: Database, call: Call) -> int:
    with db.read() as uow:
        s = uow.session
        if call.kind == "recharge":
            query = select(func.count()).where(PromoteRecharge.creator_id == call.target)
        elif call.kind == "order":
            query = select(func.count()).where(PromoteOrder.content_id == call.target)
        elif call.kind == "product":
            query = select(func.count()).where(ShopProduct.title == call.target)
        else:
            query = select(func.count()).where(AdAccountAllocation.ad_account_id == call.target)
        return int(s.execute(query).scalar_one())


def _wallet(db: Database, workspace_id: int, creator_id: int) -> int:
    with db.read() as uow:
        return wallet_account(uow, workspace_id, creator_id).balance


def test_kill_9_during_keyed_creates_then_retry_every_key(crash_url: str, tmp_path: Path) -> None:
    db = Database(crash_url)
    api_key, calls = _seed(db)
    server = ServerProcess(crash_url, tmp_path, idempotency_stale_seconds="1")
    rng = random.Random(20261206)
    figures = Figures(keys=len(calls))
    try:
        # Each round sends a slice of the calls (and some already sent: a client retrying
        # blindly) and is cut short by a kill.
        size = len(calls) // KILLS + 1
        for round_ in range(KILLS):
            server.start()
            _warm_up(server, api_key)
            chunk = calls[round_ * size : (round_ + 1) * size]
            again = rng.sample(calls[: round_ * size], min(3, round_ * size))
            _burst(server, api_key, chunk + again, rng)
            figures.kills += 1
        figures.lost = sum(1 for c in calls if c.first is None)

        server.start()
        retried = {c.key: _retry(server, api_key, c, figures) for c in calls}
        for call in calls:
            answer = retried[call.key]
            assert answer.status_code in (200, 201), (call.kind, answer.status_code, answer.text)
            assert answer.headers.get("idempotent-replayed") == "true" or call.first is None, (
                call.kind,
                call.first,
                answer.text,
            )
            if call.first is not None and call.first[0] < 500:
                assert (answer.status_code, answer.content) == call.first, call.kind
            # Asked once more, the answer is the stored one.
            with httpx.Client(base_url=server.base, timeout=30) as http:
                again = _send(http, api_key, call)
            assert (again.status_code, again.content) == (answer.status_code, answer.content)
            assert again.headers.get("idempotent-replayed") == "true"
        server.kill()

        for call in calls:
            count = _effects(db, call)
            figures.effects[call.kind] = figures.effects.get(call.kind, 0) + count
            assert count == 1, (call.kind, call.target, count)
        ws_id = _workspace_of(db, calls)
        for call in calls:
            if call.kind == "recharge":
                assert _wallet(db, ws_id, int(call.target)) == call.body["coins"]
        assert_ledger_clean(db)
        print(
            f"\nidempotency crash ({db.dialect}): {figures.keys} keys, {figures.kills} kills, "
            f"{figures.lost} answers lost to a kill, {figures.taken_over} claims taken over, "
            f"effects {figures.effects}"
        )
    finally:
        server.kill()
        db.dispose()


def _workspace_of(db: Database, calls: list[Call]) -> int:
    creator = next(int(c.target) for c in calls if c.kind == "recharge")
    with db.read() as uow:
        recharge = uow.session.execute(
            select(PromoteRecharge).where(PromoteRecharge.creator_id == creator)
        ).scalar_one()
        return recharge.workspace_id
