"""The scaled shape under faults, written once for the reliability test and the bench.

Several ``promodesk serve --no-worker`` processes and several ``promodesk worker`` processes on
one PostgreSQL database, sharing one rate limit through Redis, with the TikTok Marketing API
sandbox as a process of its own (rate-limited, so a 40100 would show). A mixed load runs for a
bounded time: reads, writes with an ``Idempotency-Key``, Promote delivery batches and stops,
an ad-account sync and a shop batch cancel. Meanwhile one worker and one API process are killed
with SIGKILL at random moments and started again, as an orchestrator would.

The load generator behaves as a client behind a load balancer: a request whose connection
broke is sent again, with the same key, to another API process; a 503 or an "in progress" 409
is sent again after a pause. It records every 2xx answer, so that afterwards ``verify`` can
check the rules of the shape:

- every acknowledged write is there (orders placed and approved, delivery events, stops,
  the sync run, the shop batch), and no write is there twice;
- every job's effect happened exactly once: one ``release`` entry and one ``settled`` audit
  event per ended order, the revenue account holds exactly what the orders spent, one
  cancellation, snapshot and audit event per shop batch item, the sync's campaigns once each;
  no job dead, none left running;
- zero 40100 from the sandbox (its ``throttled_total``);
- ``promodesk ledger check`` passes, and no answer was a 500.

Nothing here measures or asserts speed; ``Outcome`` carries the figures the bench prints.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import func, insert, select

from promodesk.kit.db import Database
from promodesk.ledger.service import SYSTEM, move, open_account
from promodesk.models import (
    AuditEvent,
    Job,
    LedgerAccount,
    LedgerEntry,
    PromoteDeliveryEvent,
    PromoteOrder,
    Shop,
    ShopActivity,
    ShopActivityCounter,
    ShopBatch,
    ShopBatchItem,
    ShopCancellation,
    ShopEnrollment,
    ShopOffer,
    ShopProduct,
    ShopSnapshot,
    TikTokCampaign,
    TikTokSyncRun,
)
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service
from promodesk.promote.service.wallet import wallet_account
from promodesk.tenancy import service as tenancy
from tests.server_process import free_port

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("PROMODESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIRECT_URI = "http://127.0.0.1/callback"
API = "/api/v1"
CLASSES = ("reads", "writes", "delivery", "stops")
ENDED = ("completed", "stopped", "rejected")

# Bounds so that a broken build fails instead of hanging; never speed checks.
REQUEST_GUARD_SECONDS = 90.0  # one request, retries included
START_GUARD_SECONDS = 180.0  # a restart on a busy two-core machine, under load
DRAIN_GUARD_SECONDS = 300.0


@dataclass(frozen=True)
class Shape:
    """What runs and how much load. ``workers=0`` is the embedded shape: one ``promodesk
    serve`` with its worker thread (the bench's reference)."""

    apis: int = 2
    workers: int = 3
    worker_threads: int = 2
    seconds: float = 15.0
    clients: int = 4
    kills: bool = True
    creators: int = 20
    orders: int = 200  # delivering when the load starts
    shop_items: int = 600
    shop_chunk: int = 25
    events_per_batch: int = 20
    ad_accounts: int = 2
    campaigns: int = 30
    sandbox_qps: int = 10
    sandbox_qpm: int = 600
    restart_after: float = 1.0  # seconds between a kill and the restart
    lease_seconds: int = 5
    idempotency_stale_seconds: int = 10
    seed: int = 17


# processes ------------------------------------------------------------------------------------


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_GUARD_SECONDS
    while True:
        try:
            if httpx.get(url, timeout=10, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(
                f"{url} did not answer (exit code {proc.returncode}):\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.1)


class SandboxProcess:
    """``promodesk sandbox`` in a process of its own: killing an API process leaves it."""

    def __init__(self, folder: Path, shape: Shape) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "sandbox.log"
        self.args = [
            sys.executable, "-m", "promodesk.cli", "sandbox", "--port", str(self.port),
            "--accounts", str(shape.ad_accounts), "--campaigns", str(shape.campaigns),
            "--adgroups", str(shape.campaigns * 2), "--ads", str(shape.campaigns * 4),
            "--audiences", "4", "--qps", str(shape.sandbox_qps), "--qpm", str(shape.sandbox_qpm),
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _wait_http(self.base + "/sandbox-admin/stats", self.proc, self.log)

    def stats(self) -> dict[str, Any]:
        answer = httpx.get(self.base + "/sandbox-admin/stats", timeout=10, trust_env=False)
        return answer.json()  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def product_env(shape: Shape, sandbox: SandboxProcess, redis_url: str | None) -> dict[str, str]:
    """The ``PROMODESK_*`` settings every process of the run shares (names without prefix)."""
    from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET

    env = {
        "tiktok_base_url": sandbox.base,
        "tiktok_app_id": DEFAULT_APP_ID,
        "tiktok_secret": DEFAULT_SECRET,
        "tiktok_qps": str(shape.sandbox_qps),
        "tiktok_qpm": str(shape.sandbox_qpm),
        "tiktok_page_size": "10",  # several pages per stage: a sync spans many calls and steps
        "job_lease_seconds": str(shape.lease_seconds),
        "job_poll_seconds": "0.2",
        "idempotency_stale_seconds": str(shape.idempotency_stale_seconds),
        "shop_batch_chunk_size": str(shape.shop_chunk),
        "redis_url": redis_url or "",
    }
    return env


class ApiProcess:
    """``promodesk serve`` on a fixed port (kept across restarts, as behind a load balancer);
    SIGKILL and start again."""

    def __init__(self, name: str, folder: Path, env: dict[str, str], *, worker: bool) -> None:
        self.name, self.folder, self.worker = name, folder, worker
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **{f"PROMODESK_{k.upper()}": v for k, v in env.items()}}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.folder / f"{self.name}-{self.starts}.log"
        args = [sys.executable, "-m", "promodesk.cli", "serve", "--port", str(self.port)]
        args += [] if self.worker else ["--no-worker"]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        _wait_http(self.base + "/healthz", self.proc, log)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class WorkerProcess:
    """``promodesk worker --threads N``; SIGKILL and start again."""

    def __init__(self, name: str, folder: Path, env: dict[str, str], threads: int) -> None:
        self.name, self.folder, self.threads = name, folder, threads
        self.env = {**os.environ, **{f"PROMODESK_{k.upper()}": v for k, v in env.items()}}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.folder / f"{self.name}-{self.starts}.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "promodesk.cli", "worker", "--threads", str(self.threads)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Cluster:
    """The API processes and the worker processes of one run."""

    def __init__(self, shape: Shape, url: str, folder: Path, env: dict[str, str]) -> None:
        self.shape = shape
        penv = {"database_url": url, "data_dir": str(folder), "secret_key": "scaled-shape-secret",
                "log_level": "WARNING", **env}  # fmt: skip
        self.apis = [
            ApiProcess(f"api-{n}", folder, penv, worker=shape.workers == 0 and n == 0)
            for n in range(shape.apis)
        ]
        self.workers = [
            WorkerProcess(f"worker-{n}", folder, penv, shape.worker_threads)
            for n in range(shape.workers)
        ]

    @property
    def bases(self) -> list[str]:
        return [api.base for api in self.apis]

    def start(self) -> None:
        for api in self.apis:
            api.start()
        for w in self.workers:
            w.start()

    def stop(self) -> None:
        for w in self.workers:
            w.stop()
        for api in self.apis:
            api.stop()


# seeding --------------------------------------------------------------------------------------


@dataclass
class Seeded:
    workspace_id: int
    api_key: str
    contents: list[tuple[int, int]]  # (creator id, video id)
    orders: list[int]  # delivering at the start
    enrollments: list[int]
    ad_accounts: list[int] = field(default_factory=list)


def seed(url: str, shape: Shape) -> Seeded:
    """A workspace with an admin key, funded creators with a video each, delivering orders,
    and a shop activity (not started, no guardrail in the way) with its enrollments."""
    db = Database(url)
    rng = random.Random(shape.seed)
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, f"shape-{uuid.uuid4().hex[:8]}", "Scaled shape")
            key = tenancy.create_api_key(uow, ws, "admin", name="load").plaintext
            ws_id = ws.id
            issuance = open_account(uow, ws_id, "shape:issuance", kind=SYSTEM, currency="COIN")
            contents = []
            for n in range(shape.creators):
                creator = creators_service.create_creator(
                    uow, ws_id, handle=f"shape{n}", birth_date=date(1990, 1, 1),
                    account_type="business", device_os="android", app_version="21.0",
                    region="US",
                )  # fmt: skip
                video = creators_service.create_content(
                    uow, ws_id, creator.id, kind="video", commercial_music=True
                )
                wallet = wallet_account(uow, ws_id, creator.id)
                move(uow, ws_id, "shape-fund", str(creator.id), issuance.id, wallet.id, 10**9)
                contents.append((creator.id, video.id))
            orders = []
            for _ in range(shape.orders):
                creator_id, video_id = rng.choice(contents)
                order = orders_service.place_order(
                    uow, ws_id, creator_id=creator_id, content_id=video_id, goal="video_views",
                    budget_coins=rng.randint(300, 3000), duration_hours=24,
                )  # fmt: skip
                review_service.approve_order(uow, ws_id, order.id)
                orders.append(order.id)
        enrollments = _seed_shop(db, ws_id, shape.shop_items)
    finally:
        db.dispose()
    return Seeded(ws_id, key, contents, orders, enrollments)


def _seed_shop(db: Database, workspace_id: int, items: int) -> list[int]:
    now = datetime.now(UTC)
    with db.transaction() as uow:
        s = uow.session
        shop = Shop(workspace_id=workspace_id, name="shape shop", timezone="Asia/Shanghai")
        act = ShopActivity(
            workspace_id=workspace_id, name="中秋节",
            registration_starts_at=now - timedelta(days=9), registration_ends_at=now,
            starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=9),
            min_products_per_shop=0, max_cancel_percent=100,
        )  # fmt: skip
        s.add_all([shop, act])
        uow.flush()
        s.execute(
            insert(ShopProduct),
            [
                {"workspace_id": workspace_id, "shop_id": shop.id, "title": f"p{i}",
                 "price_minor": 100, "currency": "CNY", "stock": 10, "safety_stock": 0,
                 "expected_sales": 0, "status": "listed"}
                for i in range(items)
            ],
        )  # fmt: skip
        products = s.execute(
            select(ShopProduct.id).where(ShopProduct.workspace_id == workspace_id)
        ).scalars()
        s.execute(
            insert(ShopEnrollment),
            [
                {"workspace_id": workspace_id, "activity_id": act.id, "shop_id": shop.id,
                 "product_id": pid, "activity_price_minor": 90, "currency": "CNY",
                 "activity_stock": 5, "per_buyer_limit": 0, "state": "approved",
                 "presale": False, "views": 1, "orders": 0}
                for pid in products
            ],
        )  # fmt: skip
        eids = list(
            s.execute(
                select(ShopEnrollment.id)
                .where(ShopEnrollment.workspace_id == workspace_id)
                .order_by(ShopEnrollment.id)
            ).scalars()
        )
        s.execute(
            insert(ShopOffer),
            [
                {"workspace_id": workspace_id, "enrollment_id": e, "kind": k, "status": "active"}
                for e in eids
                for k in ("coupon", "discount")
            ],
        )
        s.add(
            ShopActivityCounter(
                activity_id=act.id,
                shop_id=shop.id,
                workspace_id=workspace_id,
                enrolled=items,
                active=items,
                cancelled=0,
            )
        )
    return eids


def import_ad_accounts(base: str, api_key: str, sandbox: SandboxProcess) -> list[int]:
    """Through the product's OAuth import: authorization URL, the sandbox's consent page,
    completion. Returns the ad accounts' ids."""
    from promodesk.sandbox.config import DEFAULT_APP_ID

    h = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base, headers=h, timeout=60, trust_env=False) as c:
        answer = c.post(f"{API}/tiktok/authorize-url", params={"redirect_uri": REDIRECT_URI})
        answer.raise_for_status()
        state = parse_qs(urlsplit(answer.json()["url"]).query)["state"][0]
        consent = httpx.post(
            f"{sandbox.base}/portal/auth/approve",
            data={"app_id": DEFAULT_APP_ID, "redirect_uri": REDIRECT_URI, "state": state},
            trust_env=False,
        )
        code = parse_qs(urlsplit(consent.headers["location"]).query)["auth_code"][0]
        done = c.post(f"{API}/tiktok/oauth/complete", json={"state": state, "auth_code": code})
        if done.status_code != 200:
            raise RuntimeError(f"import failed: {done.status_code} {done.text}")
        return [int(a["id"]) for a in done.json()["added"]]


# load -----------------------------------------------------------------------------------------


@dataclass
class Records:
    """What the load generator saw; filled by several threads under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retries: Counter[str] = field(default_factory=Counter)
    gave_up: list[str] = field(default_factory=list)
    place_keys: set[str] = field(default_factory=set)  # every key a placement was sent with
    placed: dict[str, int] = field(default_factory=dict)  # acknowledged: key -> order id
    approved: set[int] = field(default_factory=set)
    stopped: set[int] = field(default_factory=set)
    events: list[str] = field(default_factory=list)
    sync_runs: set[int] = field(default_factory=set)
    batches: set[int] = field(default_factory=set)
    server_errors: list[str] = field(default_factory=list)
    # (seconds since ``started``, class, latency) of every acknowledged answer: the timeline
    started: float = field(default_factory=time.monotonic)
    timeline: list[tuple[float, str, float]] = field(default_factory=list)


class LoadClient:
    """One client thread's view of the API processes: round robin over them, failing over on
    a broken connection with the same request and key."""

    def __init__(self, bases: list[str], api_key: str, records: Records, n: int) -> None:
        self.bases = bases
        self.records = records
        self.next = n
        self.http = httpx.Client(
            timeout=30.0,
            trust_env=False,
            headers={"Authorization": f"Bearer {api_key}"},
            limits=httpx.Limits(max_keepalive_connections=len(bases) * 2),
        )

    def close(self) -> None:
        self.http.close()

    def send(
        self, cls: str, method: str, path: str, *, body: Any = None, keyed: bool = False
    ) -> httpx.Response | None:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
        content = json.dumps(body).encode() if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        deadline = time.monotonic() + REQUEST_GUARD_SECONDS
        while time.monotonic() < deadline:
            base = self.bases[self.next % len(self.bases)]
            self.next += 1
            started = time.perf_counter()
            try:
                r = self.http.request(method, base + path, content=content, headers=headers)
            except httpx.TransportError:
                with self.records.lock:
                    self.records.retries[cls] += 1
                time.sleep(0.05)  # the balancer notices the dead process, the next one answers
                continue
            took = time.perf_counter() - started
            if r.status_code == 503 or (r.status_code == 409 and "still being processed" in r.text):
                with self.records.lock:
                    self.records.retries[cls] += 1
                time.sleep(min(1.0, float(r.headers.get("retry-after", "0.2"))))
                continue
            with self.records.lock:
                self.records.statuses[(cls, r.status_code)] += 1
                if 200 <= r.status_code < 300:
                    self.records.latencies[cls].append(took)
                    at = time.monotonic() - self.records.started
                    self.records.timeline.append((at, cls, took))
                if r.status_code >= 500:
                    self.records.server_errors.append(f"{method} {path}: {r.status_code} {r.text}")
            return r
        with self.records.lock:
            self.records.gave_up.append(f"{method} {path}")
        return None


class Load:
    """The mixed load: ``clients`` threads for ``seconds``, each picking its next call by a
    seeded draw: reads 45 %, writes 20 %, delivery 25 %, stops 10 %."""

    def __init__(self, shape: Shape, bases: list[str], seeded: Seeded, records: Records) -> None:
        self.shape, self.bases, self.seeded, self.records = shape, bases, seeded, records
        self.pool_lock = threading.Lock()
        self.stoppable = list(seeded.orders)
        random.Random(shape.seed).shuffle(self.stoppable)
        self.delivering = list(seeded.orders)
        self.run = uuid.uuid4().hex[:8]

    def run_for(self, seconds: float) -> list[threading.Thread]:
        end = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self._client, args=(n, end), name=f"load-{n}", daemon=True)
            for n in range(self.shape.clients)
        ]
        for t in threads:
            t.start()
        return threads

    def start_jobs(self) -> None:
        """The long jobs of the run: a sync of each ad account and one shop batch cancel."""
        client = LoadClient(self.bases, self.seeded.api_key, self.records, 0)
        try:
            for account in self.seeded.ad_accounts:
                r = client.send(
                    "writes", "POST", f"{API}/ad-accounts/{account}/sync",
                    body={"scope": "account"}, keyed=True,
                )  # fmt: skip
                if r is not None and r.status_code == 202:
                    with self.records.lock:
                        self.records.sync_runs.add(int(r.json()["id"]))
            body = {"enrollment_ids": self.seeded.enrollments, "reason": "plan_change",
                    "mode": "batch"}  # fmt: skip
            r = client.send("writes", "POST", f"{API}/shop/cancel", body=body, keyed=True)
            if r is not None and r.status_code == 200:
                with self.records.lock:
                    self.records.batches.update(int(b["id"]) for b in r.json()["batches"])
        finally:
            client.close()

    def _client(self, n: int, end: float) -> None:
        rng = random.Random(self.shape.seed * 1000 + n)
        client = LoadClient(self.bases, self.seeded.api_key, self.records, n)
        mine: list[int] = []  # orders this client placed and may approve
        count = 0
        try:
            while time.monotonic() < end:
                count += 1
                draw = rng.random()
                if draw < 0.45:
                    self._read(client, rng)
                elif draw < 0.65:
                    self._write(client, rng, mine)
                elif draw < 0.90:
                    self._deliver(client, rng, f"{self.run}-{n}-{count}")
                else:
                    self._stop(client)
        finally:
            client.close()

    def _read(self, client: LoadClient, rng: random.Random) -> None:
        creator_id, _ = rng.choice(self.seeded.contents)
        path = rng.choice(
            [
                f"{API}/promote/orders?limit=20",
                f"{API}/promote/orders/{rng.choice(self.seeded.orders)}",
                f"{API}/promote/creators/{creator_id}/wallet",
                f"{API}/ad-accounts",
                f"{API}/shop/batches",
            ]
        )
        client.send("reads", "GET", path)

    def _write(self, client: LoadClient, rng: random.Random, mine: list[int]) -> None:
        if mine and rng.random() < 0.5:
            order_id = mine.pop()
            r = client.send(
                "writes", "POST", f"{API}/promote/orders/{order_id}/approve", keyed=True
            )
            if r is not None and r.status_code == 200:
                with self.records.lock:
                    self.records.approved.add(order_id)
                with self.pool_lock:
                    self.delivering.append(order_id)
                    self.stoppable.append(order_id)
            return
        creator_id, video_id = rng.choice(self.seeded.contents)
        key = uuid.uuid4().hex
        body = {"creator_id": creator_id, "content_id": video_id, "goal": "video_views",
                "budget_coins": rng.randint(100, 1000), "duration_hours": 24}  # fmt: skip
        with self.records.lock:
            self.records.place_keys.add(key)
        r = client.send("writes", "POST", f"{API}/promote/orders", body=body, keyed=True)
        if r is not None and r.status_code == 201:
            order_id = int(r.json()["id"])
            mine.append(order_id)
            with self.records.lock:
                self.records.placed[key] = order_id

    def _deliver(self, client: LoadClient, rng: random.Random, prefix: str) -> None:
        with self.pool_lock:
            targets = rng.sample(self.delivering, min(8, len(self.delivering)))
        ids = [f"{prefix}-{k}" for k in range(self.shape.events_per_batch)]
        events = [
            {"event_id": eid, "order_id": rng.choice(targets), "spend_coins": rng.randint(1, 3),
             "results": {"views": rng.randint(0, 12), "follows": rng.randint(0, 1)}}
            for eid in ids
        ]  # fmt: skip
        r = client.send(
            "delivery", "POST", f"{API}/promote/delivery/batches", body={"events": events},
            keyed=True,
        )  # fmt: skip
        if r is not None and r.status_code == 200:
            with self.records.lock:
                self.records.events.extend(ids)

    def _stop(self, client: LoadClient) -> None:
        with self.pool_lock:
            if not self.stoppable:
                return
            order_id = self.stoppable.pop()
        r = client.send(
            "stops", "POST", f"{API}/promote/orders/{order_id}/stop",
            body={"reason": "scaled shape"}, keyed=True,
        )  # fmt: skip
        if r is not None and r.status_code == 200:
            with self.records.lock:
                self.records.stopped.add(order_id)


# faults ---------------------------------------------------------------------------------------


@dataclass
class Kill:
    what: str
    at: float  # seconds into the load
    held_jobs: int = 0  # jobs the killed worker held (running under its name) at the kill
    restarted: bool = False
    restart_seconds: float = 0.0  # from the restart to answering /healthz
    error: str = ""


def chaos(
    cluster: Cluster, db: Database, shape: Shape, rng: random.Random
) -> tuple[list[threading.Thread], list[Kill]]:
    """One worker and one API process, each SIGKILLed at a random moment between 15 % and
    60 % of the load (counted from now, when the load starts) and started again
    ``restart_after`` seconds later."""
    kills: list[Kill] = []
    started = time.monotonic()

    def at(fraction: float) -> float:
        return started + fraction * shape.seconds

    def worker_fault(n: int, when: float) -> None:
        kill = Kill(f"worker-{n}", when - started)
        kills.append(kill)
        time.sleep(max(0.0, when - time.monotonic()))
        w = cluster.workers[n]
        pid = w.pid
        w.kill()
        with db.transaction() as uow:
            kill.held_jobs = int(
                uow.session.execute(
                    select(func.count()).where(
                        Job.status == "running", Job.locked_by.like(f"%:{pid}:%")
                    )
                ).scalar_one()
            )
        time.sleep(shape.restart_after)
        w.start()
        kill.restarted = True

    def api_fault(n: int, when: float) -> None:
        kill = Kill(f"api-{n}", when - started)
        kills.append(kill)
        time.sleep(max(0.0, when - time.monotonic()))
        cluster.apis[n].kill()
        time.sleep(shape.restart_after)
        restarting = time.monotonic()
        try:
            cluster.apis[n].start()
            kill.restarted = True
            kill.restart_seconds = time.monotonic() - restarting
        except RuntimeError as exc:
            kill.error = str(exc)[-2000:]

    threads = [
        threading.Thread(
            target=worker_fault,
            args=(rng.randrange(len(cluster.workers)), at(rng.uniform(0.15, 0.6))),
            daemon=True,
        ),
        threading.Thread(
            target=api_fault,
            args=(rng.randrange(len(cluster.apis)), at(rng.uniform(0.15, 0.6))),
            daemon=True,
        ),
    ]
    for t in threads:
        t.start()
    return threads, kills


# the run --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    shape: Shape
    load_seconds: float
    records: Records
    kills: list[Kill]
    jobs: dict[str, Counter[str]]  # job name -> status -> count
    retried_jobs: int  # jobs that took more than one attempt
    retry_reasons: Counter[str]  # their job name and last error's first line
    sandbox: dict[str, Any]
    problems: list[str]
    drain_seconds: float

    def throughput(self, cls: str | None = None) -> float:
        """Answers acknowledged within the load window, per second (``None``: every class).
        Requests still being resent after the window are left out of both sides."""
        classes = CLASSES if cls is None else (cls,)
        window = self.shape.seconds
        done = sum(1 for at, c, _ in self.records.timeline if c in classes and at <= window)
        return done / window

    def percentile(self, cls: str, q: float) -> float:
        values = sorted(self.records.latencies[cls])
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]

    def median(self, cls: str) -> float:
        values = self.records.latencies[cls]
        return statistics.median(values) if values else float("nan")


def _drained(db: Database, workspace_id: int) -> bool:
    """No job left due or running, and this run's sync runs and batches finished."""
    from promodesk.kit import clock

    with db.transaction() as uow:
        s = uow.session
        busy = s.execute(
            select(func.count()).where(
                (Job.status == "running") | ((Job.status == "queued") & (Job.run_at <= clock.now()))
            )
        ).scalar_one()
        open_runs = s.execute(
            select(func.count()).where(
                TikTokSyncRun.workspace_id == workspace_id,
                TikTokSyncRun.status.in_(["queued", "running"]),
            )
        ).scalar_one()
        open_batches = s.execute(
            select(func.count()).where(
                ShopBatch.workspace_id == workspace_id,
                ShopBatch.status.in_(["scheduled", "running"]),
            )
        ).scalar_one()
    return busy == 0 and open_runs == 0 and open_batches == 0


@contextmanager
def running_shape(shape: Shape, url: str, folder: Path, redis_url: str | None) -> Iterator[Any]:
    sandbox = SandboxProcess(folder, shape)
    sandbox.start()
    cluster = Cluster(shape, url, folder, product_env(shape, sandbox, redis_url))
    try:
        cluster.start()
        yield cluster, sandbox
    finally:
        cluster.stop()
        sandbox.stop()


def run(
    shape: Shape,
    url: str,
    folder: Path,
    redis_url: str | None = REDIS_URL,
    say: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Seed, start the processes, load with faults, drain the jobs, verify. ``url`` is a
    migrated, empty database; ``say`` hears each phase as it starts."""
    say("seeding")
    seeded = seed(url, shape)
    db = Database(url)
    try:
        say("starting the processes")
        with running_shape(shape, url, folder, redis_url) as (cluster, sandbox):
            say("importing the ad accounts")
            seeded.ad_accounts = import_ad_accounts(cluster.bases[0], seeded.api_key, sandbox)
            say(f"load for {shape.seconds:.0f} s")
            records = Records()
            load = Load(shape, cluster.bases, seeded, records)
            started = records.started = time.monotonic()
            faults, kills = (
                chaos(cluster, db, shape, random.Random(shape.seed)) if shape.kills else ([], [])
            )
            starter = threading.Thread(target=load.start_jobs, name="load-jobs", daemon=True)
            starter.start()
            clients = load.run_for(shape.seconds)
            for t in [*clients, starter]:
                t.join(shape.seconds + REQUEST_GUARD_SECONDS)
            load_seconds = time.monotonic() - started
            for t in faults:  # the restarts
                t.join(START_GUARD_SECONDS)
            say("draining the jobs")
            drain_started = time.monotonic()
            deadline = drain_started + DRAIN_GUARD_SECONDS
            drained = False
            while time.monotonic() < deadline:
                if _drained(db, seeded.workspace_id):
                    drained = True
                    break
                time.sleep(0.5)
            drain_seconds = time.monotonic() - drain_started
            sandbox_stats = sandbox.stats()
            say("verifying")
            problems = [] if drained else ["the jobs did not drain within the guard"]
            problems += verify(db, url, folder, shape, seeded, records, kills, sandbox_stats)
            jobs, retried, reasons = job_counts(db)
    finally:
        db.dispose()
    return Outcome(
        shape,
        load_seconds,
        records,
        kills,
        jobs,
        retried,
        reasons,
        sandbox_stats,
        problems,
        drain_seconds,
    )


# the rules ------------------------------------------------------------------------------------


def job_counts(db: Database) -> tuple[dict[str, Counter[str]], int, Counter[str]]:
    """Jobs by name and status; how many took more than one attempt, and why."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    with db.transaction() as uow:
        for name, status, n in uow.session.execute(
            select(Job.name, Job.status, func.count()).group_by(Job.name, Job.status)
        ):
            out[name][status] = int(n)
        retried = uow.session.execute(
            select(Job.name, Job.last_error).where(Job.attempts > 1)
        ).all()
    for name, error in retried:
        reasons[f"{name}: {(error or 'no error recorded').splitlines()[0][:160]}"] += 1
    return dict(out), len(retried), reasons


def _in_chunks(values: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def verify(
    db: Database,
    url: str,
    folder: Path,
    shape: Shape,
    seeded: Seeded,
    records: Records,
    kills: list[Kill],
    sandbox_stats: dict[str, Any],
) -> list[str]:
    """Every rule of the shape; returns the broken ones (empty: all hold)."""
    problems: list[str] = []
    ws = seeded.workspace_id
    if records.server_errors:
        problems.append(f"{len(records.server_errors)} 5xx answers: {records.server_errors[:3]}")
    if records.gave_up:
        problems.append(f"requests given up after the guard: {records.gave_up[:5]}")
    for kill in kills:
        if not kill.restarted:
            problems.append(f"{kill.what} was not started again: {kill.error}")
    throttled = int(sandbox_stats.get("throttled_total", -1))
    if throttled != 0:
        problems.append(f"the sandbox answered {throttled} 40100s")
    with db.transaction() as uow:
        s = uow.session
        orders = {
            o.id: o
            for o in s.execute(select(PromoteOrder).where(PromoteOrder.workspace_id == ws))
            .scalars()
            .all()
        }
        # acknowledged writes ------------------------------------------------------------------
        lost = [oid for oid in records.placed.values() if oid not in orders]
        if lost:
            problems.append(f"acknowledged orders missing: {lost[:10]}")
        placed_now = len(orders) - len(seeded.orders)
        if placed_now > len(records.place_keys):
            problems.append(f"{placed_now} orders placed for {len(records.place_keys)} keys")
        if not records.gave_up and placed_now != len(records.placed):
            problems.append(f"{placed_now} orders placed, {len(records.placed)} acknowledged")
        unapproved = [o for o in records.approved if orders[o].review_status != "approved"]
        if unapproved:
            problems.append(f"acknowledged approvals missing: {unapproved[:10]}")
        unstopped = [o for o in records.stopped if orders[o].status != "stopped"]
        if unstopped:
            problems.append(f"acknowledged stops missing: {unstopped[:10]}")
        seen = 0
        for chunk in _in_chunks(records.events):
            seen += s.execute(
                select(func.count()).where(
                    PromoteDeliveryEvent.workspace_id == ws,
                    PromoteDeliveryEvent.event_id.in_(chunk),
                )
            ).scalar_one()
        if seen != len(records.events):
            problems.append(f"{len(records.events) - seen} acknowledged delivery events missing")
        if not records.sync_runs and seeded.ad_accounts:
            problems.append("no sync was acknowledged")
        if not records.batches:
            problems.append("the shop batch cancel was not acknowledged")
        # jobs' effects, each exactly once ------------------------------------------------------
        over = [o.id for o in orders.values() if o.spent_coins > o.budget_coins]
        if over:
            problems.append(f"orders charged past their budget: {over[:10]}")
        revenue = s.execute(
            select(LedgerAccount.balance).where(
                LedgerAccount.workspace_id == ws, LedgerAccount.code == "promote:revenue"
            )
        ).scalar()
        spent = sum(o.spent_coins for o in orders.values())
        if int(revenue or 0) != spent:
            problems.append(f"revenue {revenue} != the orders' spend {spent}")
        releases = Counter(
            dict(
                s.execute(
                    select(LedgerEntry.ref, func.count())
                    .where(LedgerEntry.workspace_id == ws, LedgerEntry.kind == "release")
                    .group_by(LedgerEntry.ref)
                ).all()
            )
        )
        settled_events = Counter(
            dict(
                s.execute(
                    select(AuditEvent.object_id, func.count())
                    .where(
                        AuditEvent.workspace_id == ws, AuditEvent.action == "promote.order.settled"
                    )
                    .group_by(AuditEvent.object_id)
                ).all()
            )
        )
        for o in orders.values():
            if o.status in ENDED:
                if o.settlement_status != "settled":
                    problems.append(f"order {o.id} ({o.status}) is not settled")
                if releases.get(f"promote-order:{o.id}", 0) != 1:
                    problems.append(f"order {o.id}: {releases.get(f'promote-order:{o.id}', 0)} "
                                    "release entries")  # fmt: skip
                if settled_events.get(str(o.id), 0) != 1:
                    problems.append(f"order {o.id}: {settled_events.get(str(o.id), 0)} settlements")
            elif releases.get(f"promote-order:{o.id}", 0):
                problems.append(f"order {o.id} ({o.status}) was released before it ended")
        problems += _shop_rules(s, ws, seeded, records)
        problems += _sync_rules(s, ws, shape, seeded, records)
        dead = s.execute(select(Job.name, Job.last_error).where(Job.status == "dead")).all()
        if dead:
            problems.append(f"dead jobs: {[(n, (e or '')[:200]) for n, e in dead[:5]]}")
        running = s.execute(select(func.count()).where(Job.status == "running")).scalar_one()
        if running:
            problems.append(f"{running} jobs still running after the drain")
    check = subprocess.run(
        [sys.executable, "-m", "promodesk.cli", "ledger", "check"],
        cwd=ROOT,
        env={**os.environ, "PROMODESK_DATABASE_URL": url, "PROMODESK_DATA_DIR": str(folder)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check.returncode != 0:
        problems.append("promodesk ledger check failed:\n" + check.stdout + check.stderr)
    return problems


def _shop_rules(s: Any, ws: int, seeded: Seeded, records: Records) -> list[str]:
    problems: list[str] = []
    total = len(seeded.enrollments)
    for batch_id in records.batches:
        batch = s.get(ShopBatch, batch_id)
        if (batch.status, batch.done, batch.failed, batch.total) != ("done", total, 0, total):
            problems.append(
                f"shop batch {batch_id}: {batch.status}, {batch.done} done, {batch.failed} failed"
                f" of {batch.total}"
            )
        items = dict(
            s.execute(
                select(ShopBatchItem.status, func.count())
                .where(ShopBatchItem.batch_id == batch_id)
                .group_by(ShopBatchItem.status)
            ).all()
        )
        if items != {"done": total}:
            problems.append(f"shop batch {batch_id} items: {items}")
    for model, column in (
        (ShopCancellation, ShopCancellation.enrollment_id),
        (ShopSnapshot, ShopSnapshot.enrollment_id),
    ):
        counts = Counter(
            n
            for _, n in s.execute(
                select(column, func.count()).where(model.workspace_id == ws).group_by(column)
            ).all()
        )
        if counts != Counter({1: total}):
            problems.append(
                f"{model.__tablename__} per enrollment: {dict(counts)} (want {total}×1)"
            )
    audits = Counter(
        n
        for _, n in s.execute(
            select(AuditEvent.object_id, func.count())
            .where(AuditEvent.workspace_id == ws, AuditEvent.action == "shop.enrollment.remove")
            .group_by(AuditEvent.object_id)
        ).all()
    )
    if audits != Counter({1: total}):
        problems.append(f"shop removal audit events per enrollment: {dict(audits)}")
    states = dict(
        s.execute(
            select(ShopEnrollment.state, func.count())
            .where(ShopEnrollment.workspace_id == ws)
            .group_by(ShopEnrollment.state)
        ).all()
    )
    if states != {"removed": total}:
        problems.append(f"enrollment states after the batch: {states}")
    return problems


def _sync_rules(s: Any, ws: int, shape: Shape, seeded: Seeded, records: Records) -> list[str]:
    problems: list[str] = []
    for run_id in records.sync_runs:
        run = s.get(TikTokSyncRun, run_id)
        if run.status != "succeeded":
            problems.append(f"sync run {run_id}: {run.status} ({run.errors})")
    for account in seeded.ad_accounts:
        counts = Counter(
            n
            for _, n in s.execute(
                select(TikTokCampaign.campaign_id, func.count())
                .where(TikTokCampaign.workspace_id == ws, TikTokCampaign.ad_account_id == account)
                .group_by(TikTokCampaign.campaign_id)
            ).all()
        )
        if counts != Counter({1: shape.campaigns}):
            problems.append(f"ad account {account} campaigns: {dict(counts)}")
    return problems
