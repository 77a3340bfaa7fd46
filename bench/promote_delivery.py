"""Promote delivery batches through the HTTP API, against a bare endpoint that only parses.

Sets up ``--orders`` delivering orders (100 creators, recharged through the test provider,
orders placed and approved through the services), starts the real server
(``promodesk serve --no-worker``) on 127.0.0.1 with its own database, and posts ``--events``
delivery events in batches of ``--batch`` with one keep-alive httpx client. Budgets vary so
that a share of the orders spends its whole budget and completes mid-run: later events for
them are over-delivery (recorded, never charged).

Reference: a tiny FastAPI app started the same way (uvicorn, same host) whose endpoint parses
the same bytes into the same delivery events with the product's parser
(``promote.domain.delivery_parse``) and returns the count.
ratio = product events/s / bare events/s. Aim: >= 200,000 events/s on SQLite, ratio >= 0.5.

Afterwards: no order spent more than its budget, the revenue account holds exactly what the
orders spent, and ``promodesk ledger check`` passes.

    python bench/promote_delivery.py [--events 1000000] [--orders 1000] [--batch 5000]
                                     [--quick] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import func, select

from _common import Table, fmt_rate, peak_rss_mib, rate, timed, verdict
from _delivery_floor import copy_database, floor, per_batch_ms, product_in_process
from promodesk import clikit
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.ledger.check import check_ledger
from promodesk.models import LedgerAccount, PromoteOrder
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import recharge as recharge_service
from promodesk.promote.service import review as review_service
from promodesk.promote.settings import MoneyConfig
from promodesk.settings import get_settings
from promodesk.tenancy import service as tenancy

AIM_RATE, AIM_RATIO = 200_000, 0.5


# shared with promote_refund.py ----------------------------------------------------------------

PG_ADMIN = os.environ.get(
    "PROMODESK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DELIVERY_PATH = "/api/v1/promote/delivery/batches"
BIN = Path(sys.executable).parent

# The reference: the same uvicorn and the same parsing of the body into event tuples as the
# product endpoint (promote.domain.delivery_parse), nothing else.
BARE = """
import sys, uvicorn
from fastapi import FastAPI, Request
from promodesk.promote.domain.delivery_parse import parse_batch
app = FastAPI()
@app.post("/batches")
async def batches(request: Request) -> dict[str, int]:
    return {"received": len(parse_batch(await request.body()))}
@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


@dataclass
class Setup:
    env: dict[str, str]
    workspace_id: int
    api_key: str
    order_ids: list[int]


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base_url: str
    headers: dict[str, str]

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        """VmHWM of the server process (its peak resident memory)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


PORTS: list[int] = []  # --ports: the ports to use, in turn (none: any free port)


def free_port() -> int:
    if PORTS:
        return PORTS.pop(0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(cmd: list[str], env: dict[str, str], port: int, key: str = "") -> Iterator[Server]:
    proc = subprocess.Popen(cmd, env={**os.environ, **env})
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    server = Server(proc, f"http://127.0.0.1:{port}", auth)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}: {' '.join(cmd)}")
            try:
                if (
                    httpx.get(f"{server.base_url}/healthz", timeout=1, trust_env=False).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_product(setup: Setup, *, worker: bool = False) -> AbstractContextManager[Server]:
    """``promodesk serve`` (``--no-worker`` unless ``worker``) on a free port."""
    port = free_port()
    cmd = [str(BIN / "promodesk"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += [] if worker else ["--no-worker"]
    return _serve(cmd, setup.env, port, setup.api_key)


def start_bare(setup: Setup) -> AbstractContextManager[Server]:
    port = free_port()
    return _serve([sys.executable, "-c", BARE, str(port)], setup.env, port)


@contextmanager
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for the run (dropped after it); None when unreachable."""
    import psycopg

    name = f"pd_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"\nPostgreSQL: skipped, {PG_ADMIN} unreachable ({exc})")
        yield None
        return
    target = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        yield target.replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(
    url: str, data_dir: Path, orders: int, *, mean_budget: int = 2_000, approve: bool = True
) -> Setup:
    """Migrate, create the workspace and an API key, 100 creators recharged through the test
    provider, and ``orders`` orders placed (and approved) through the services."""
    env = {"PROMODESK_DATABASE_URL": url, "PROMODESK_DATA_DIR": str(data_dir)}
    os.environ.update(env)
    clikit.reset()
    upgrade(url)
    db = Database(url)
    rng = random.Random(11)
    cfg = MoneyConfig.from_settings(get_settings())
    per_creator = max(1, orders // 100)
    budgets = [max(100, int(mean_budget * rng.uniform(0.5, 1.5))) for _ in range(orders)]
    order_ids: list[int] = []
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, f"bench-{uuid.uuid4().hex[:8]}", "Bench")
            key = tenancy.create_api_key(uow, ws, "operator", name="bench").plaintext
            ws_id = ws.id
        for start in range(0, orders, per_creator):
            chunk = budgets[start : start + per_creator]
            with db.transaction() as uow:
                creator = creators_service.create_creator(
                    uow, ws_id, handle=f"bench{start}", birth_date=date(1990, 1, 1),
                    account_type="business", device_os="android", app_version="21.0",
                    region="US",
                )  # fmt: skip
                video = creators_service.create_content(
                    uow, ws_id, creator.id, kind="video", commercial_music=True
                )
                recharge_service.create_recharge(
                    uow, cfg, ws_id, creator_id=creator.id, coins=sum(chunk), method="card"
                )
                for budget in chunk:
                    order = orders_service.place_order(
                        uow, ws_id, creator_id=creator.id, content_id=video.id,
                        goal="video_views", budget_coins=budget, duration_hours=24,
                    )  # fmt: skip
                    if approve:
                        review_service.approve_order(uow, ws_id, order.id)
                    order_ids.append(order.id)
    finally:
        db.dispose()
    return Setup(env, ws_id, key, order_ids)


def payloads(order_ids: list[int], events: int, batch: int, seed: int = 7) -> list[bytes]:
    """The JSON bodies, built before any timing. Spend 1-3 coins per event, some results."""
    rng = random.Random(seed)
    out: list[bytes] = []
    run = uuid.uuid4().hex[:8]
    for start in range(0, events, batch):
        rows = []
        for n in range(start, min(start + batch, events)):
            rows.append(
                {
                    "event_id": f"{run}-{n}",
                    "order_id": rng.choice(order_ids),
                    "spend_coins": rng.randint(1, 3),
                    "results": {"views": rng.randint(0, 12), "follows": rng.randint(0, 1)},
                }
            )
        out.append(json.dumps({"events": rows}).encode())
    return out


def post_all(server: Server, path: str, bodies: list[bytes]) -> tuple[float, list[float], float]:
    """Post every body in order over one keep-alive connection; total seconds, latencies and
    the server's CPU seconds meanwhile (steadier than wall time on a busy machine)."""
    headers = {"Content-Type": "application/json", **server.headers}
    latencies: list[float] = []
    with httpx.Client(base_url=server.base_url, timeout=120.0, trust_env=False) as client:
        client.post(path, content=bodies[0], headers=headers)  # warm-up, not timed (duplicates)
        cpu = server.cpu_seconds()
        with timed() as total:
            for body in bodies:
                with timed() as one:
                    r = client.post(path, content=body, headers=headers)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
                latencies.append(one.seconds)
        cpu = server.cpu_seconds() - cpu
    return total.seconds, latencies, cpu


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verify(url: str, workspace_id: int) -> tuple[int, bool, bool, list[str]]:
    db = Database(url)
    try:
        with db.transaction() as uow:
            s = uow.session
            over = s.execute(
                select(func.count())
                .select_from(PromoteOrder)
                .where(
                    PromoteOrder.workspace_id == workspace_id,
                    PromoteOrder.spent_coins > PromoteOrder.budget_coins,
                )
            ).scalar_one()
            spent = s.execute(
                select(func.coalesce(func.sum(PromoteOrder.spent_coins), 0)).where(
                    PromoteOrder.workspace_id == workspace_id
                )
            ).scalar_one()
            revenue = s.execute(
                select(LedgerAccount.balance).where(
                    LedgerAccount.workspace_id == workspace_id,
                    LedgerAccount.code == "promote:revenue",
                )
            ).scalar_one()
            report = check_ledger(uow)
        return int(over), int(spent) == int(revenue), report.ok, report.problems()[:5]
    finally:
        db.dispose()


def run_backend(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    mean_budget = max(100, 2 * args.events // args.orders)  # ~2 coins per event
    with timed() as took:
        setup = prepare(url, data_dir, args.orders, mean_budget=mean_budget)
    bodies = payloads(setup.order_ids, args.events, args.batch)
    size = sum(len(b) for b in bodies)
    print(f"\n{label}: {args.orders:,} orders set up in {took.seconds:.1f}s; "
          f"{len(bodies)} bodies, {size / 2**20:,.0f} MiB of JSON")  # fmt: skip
    sqlite_path = Path(url.split("///", 1)[1]) if url.startswith("sqlite") else None
    if sqlite_path is not None:  # the same starting state for the in-process runs
        copy_database(sqlite_path, data_dir / "in_process.db")
        copy_database(sqlite_path, data_dir / "floor.db")
    with start_bare(setup) as bare:
        bare_s, bare_lat, bare_cpu = post_all(bare, "/batches", bodies)
        bare_rss = bare.peak_rss_mib()
    with start_product(setup) as server:
        prod_s, prod_lat, prod_cpu = post_all(server, DELIVERY_PATH, bodies)
        prod_rss = server.peak_rss_mib()
    over, revenue_ok, ledger_ok, problems = verify(url, setup.workspace_id)
    prod_rate, bare_rate = rate(args.events, prod_s), rate(args.events, bare_s)
    ratio = prod_rate / bare_rate
    n = len(bodies)
    t = Table(f"{label}: {args.events:,} delivery events in batches of {args.batch:,}")
    t.add("product events/s", fmt_rate(prod_rate, "events"), verdict(prod_rate / AIM_RATE, 1.0)
          .replace("100%", f"{AIM_RATE:,} events/s"))  # fmt: skip
    t.add("bare parse events/s", fmt_rate(bare_rate, "events"), "same bodies, parse only")
    t.add("ratio product/bare", f"{ratio:.2f}", verdict(ratio, AIM_RATIO))
    t.add("server CPU per batch", f"{prod_cpu / n * 1000:,.1f} ms",
          f"bare {bare_cpu / n * 1000:,.1f} ms; bare/product {bare_cpu / prod_cpu:.2f} "
          "(the ratio in CPU time, steadier on a busy machine)")  # fmt: skip
    t.add("batch latency p50", f"{statistics.median(prod_lat) * 1000:,.1f} ms",
          f"bare {statistics.median(bare_lat) * 1000:,.1f} ms")  # fmt: skip
    t.add("batch latency p99", f"{pct(prod_lat, 0.99) * 1000:,.1f} ms",
          f"bare {pct(bare_lat, 0.99) * 1000:,.1f} ms")  # fmt: skip
    t.add("server peak RSS", f"{prod_rss:,.0f} MiB", f"bare {bare_rss:,.0f} MiB (VmHWM)")
    t.add("orders over budget", str(over), "OK" if over == 0 else "FAILED")
    t.add("revenue == sum(spent)", "yes" if revenue_ok else "NO", "OK" if revenue_ok else "FAILED")
    t.add("ledger check", "ok" if ledger_ok else "FAILED", "; ".join(problems))
    t.print()
    if sqlite_path is not None:
        in_process(data_dir, setup.workspace_id, bodies)


def in_process(data_dir: Path, workspace_id: int, bodies: list[bytes]) -> None:
    """The product's ingest without HTTP, and the floor: the same rows by the bare driver."""
    url = f"sqlite:///{data_dir / 'in_process.db'}"
    product = product_in_process(url, workspace_id, bodies)
    over, revenue_ok, ledger_ok, _ = verify(url, workspace_id)
    bare = floor(data_dir / "floor.db", workspace_id, bodies)
    ingest_cpu = product.cpu - product.parse_cpu
    t = Table("SQLite, in process (no HTTP): CPU per batch, each batch in its own transaction")
    t.add("parse the body", per_batch_ms(product.parse_cpu, product), "the bare endpoint's work")
    t.add("ingest (unit of work + commit)", per_batch_ms(ingest_cpu, product),
          f"{ingest_cpu / product.parse_cpu:.2f} x the parse; "
          f"over budget {over}, revenue ok {revenue_ok}, ledger ok {ledger_ok}")  # fmt: skip
    t.add("floor: same rows, bare driver", per_batch_ms(bare.cpu, bare),
          f"wall {per_batch_ms(bare.wall, bare)}; the product's statements, parameters "
          "built before the clock")  # fmt: skip
    t.add("  floor / ingest", f"{bare.cpu / ingest_cpu:.0%}",
          f"the product's own Python: {per_batch_ms(ingest_cpu - bare.cpu, product)} "
          "per batch above the floor")  # fmt: skip
    t.print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="100,000 events")
    parser.add_argument("--postgres", action="store_true", help="also on a fresh PostgreSQL")
    parser.add_argument(
        "--ports",
        type=int,
        default=0,
        metavar="FIRST",
        help="serve on FIRST, FIRST+1, ... (one port per server started) instead of any free port",
    )
    args = parser.parse_args()
    if args.ports:
        PORTS.extend(range(args.ports, args.ports + 8))
    if args.quick:
        args.events = min(args.events, 100_000)
    with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
        run_backend("SQLite", f"sqlite:///{Path(tmp) / 'promodesk.db'}", Path(tmp), args)
    if args.postgres:
        with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp, pg_database() as url:
            if url:
                run_backend("PostgreSQL", url, Path(tmp), args)
    print(f"\nbench client peak RSS: {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
