"""Cancel enrollments of a connected shop on the platform at the shop's rate limit,
verification included: how close the cancel comes to the fastest the platform's limit allows.

Starts the shop sandbox as a subprocess (``promodesk shop-sandbox``: one shop, ``--activities``
ONGOING activities of ``--per-activity`` products each, ``--qps`` calls per second per shop),
links a promodesk shop to it through the seller authorization and syncs its products and
activities into a fresh database (a temporary SQLite file, or with ``--postgres`` a database
created for the run): all off the clock. Then, on the clock, what an operator's confirm sets
off: ``batches.start_batch`` over every enrollment of those activities, the product's worker
(``kit.jobs.Worker``, one pass after another as ``promodesk worker`` runs them; ``--threads``
of them) until no job is due: the batch's chunks, and for each activity they finish one
recorded removal on the platform (at most 300 ids a call), each call verified by reading the
activity back, each emptied activity deactivated and read back; then the batch's
verification (``verification.verify_batch``).

Printed figures:
- wall time of cancel + platform writes + verification;
- the rate-limit lower bound: the calls the cancel needs at the very least (per activity,
  ceil(n / 300) removals and the deactivation of the emptied activity, each with the read
  before it that makes a resumed call safe and its read-back; the verification one Get
  Activity per activity and the shop catalog's Search Products pages of 100) / QPS; the
  ratio is bound / wall (aim >= 0.9);
- the calls made (per path) / QPS: how well the calls are paced;
- 36009002 (rate-limited) answers the sandbox sent (aim 0); peak RSS of this process.

    python bench/shop_platform.py              # quick: 2,000 enrollments in 10 activities
    python bench/shop_platform.py --full       # the issue's size: 10,000 in 50 activities
    python bench/shop_platform.py --full --postgres
    python bench/shop_platform.py --full --threads 2   # as ``promodesk worker --threads 2``
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select, update

from _common import Table, peak_rss_mib, timed, verdict
from promodesk.app import load_handlers
from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.settings import TikTokShopSettings
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.kit.migrate import upgrade
from promodesk.models import Job, ShopActivity, ShopEnrollment, ShopPlatformIntent, ShopProduct
from promodesk.shop.platform import providers, tiktok
from promodesk.shop.service import batches, platform_verification, verification
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.platform_links import authorization, linking
from promodesk.shop.service.platform_sync import steps
from promodesk.shop_sandbox.config import DEFAULT_APP_KEY, DEFAULT_APP_SECRET
from promodesk.tenancy import service as tenancy
from tiktok_sync import PG_ADMIN, free_port, wait_until_up

RATIO_AIM = 0.9
PER_CALL = 300
PAGE = 100  # Search Products' largest page
RATE_LIMITED = "36009002"
CALLBACK = "http://127.0.0.1/bench-callback"
ADMIN = httpx.Client(timeout=30)  # one client for the sandbox's admin routes


@contextmanager
def shop_sandbox(args: argparse.Namespace) -> Iterator[str]:
    """The sandbox in its own process (its CPU and memory are not ours); stopped by pid."""
    port = free_port()
    command = [
        *(str(Path(sys.executable).parent / "promodesk"), "shop-sandbox", "--port", str(port)),
        *("--shops", "1", "--activities", str(args.activities + 1), "--coupons", "0"),
        *("--products", str(args.activities * args.per_activity + 50)),
        *("--enrollments", str(args.per_activity), "--activity-status", "ONGOING"),
        *("--qps", str(args.qps)),
    ]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, proc, log, timeout=120.0)  # off the clock; slow when loaded
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def stats(base: str) -> dict[str, Any]:
    return ADMIN.get(f"{base}/sandbox-admin/stats").json()  # type: ignore[no-any-return]


def drain(
    db: Database, workspace_id: int, marks: dict[str, float] | None = None, threads: int = 1
) -> int:
    """Worker passes (``threads`` workers, as ``promodesk worker --threads``) until no job of
    the workspace is due within a minute (a step that waits for the platform is rescheduled a
    moment later; the batch's verification job, due after the activity's delay, is run by the
    bench itself); the passes that ran jobs. ``marks`` gets the time the first write intent
    appeared."""
    passes = [0] * threads
    stop = threading.Event()

    def work(n: int) -> None:
        worker = Worker(db, backoff_base=0.0, workspace_id=workspace_id)
        while not stop.is_set():
            if worker.run_once():
                passes[n] += 1
            else:
                stop.wait(0.01)

    started = time.perf_counter()
    running = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(threads)]
    for thread in running:
        thread.start()
    try:
        while True:
            soon = clock.now() + timedelta(minutes=1)
            with db.read() as uow:
                due = uow.session.execute(
                    select(func.count()).where(
                        Job.workspace_id == workspace_id,
                        Job.status.in_(["queued", "running"]),
                        Job.run_at <= soon,
                    )
                ).scalar_one()
                if marks is not None and "writes" not in marks:
                    recorded = uow.session.execute(
                        select(ShopPlatformIntent.id).where(
                            ShopPlatformIntent.workspace_id == workspace_id
                        )
                    ).first()
                    if recorded is not None:
                        marks["writes"] = time.perf_counter() - started
            if not due:
                return sum(passes)
            time.sleep(0.02)
    finally:
        stop.set()
        for thread in running:
            thread.join()


def connect(db: Database, base: str) -> tuple[int, int]:
    """A workspace and a shop linked to the sandbox's shop and synced (off the clock)."""
    with db.transaction() as uow:
        ws = tenancy.create_workspace(uow, f"bench-{uuid.uuid4().hex[:8]}", "Shop bench").id
        shop_id = shops_service.create_shop(uow, ws, name="bench", timezone="Asia/Shanghai").id
    with db.transaction() as uow:
        url = authorization.authorization_url(
            uow, ws, shop_id, actor="bench", redirect_uri=CALLBACK
        )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form = {k: query[k] for k in ("app_key", "redirect_uri", "state")}
    answer = ADMIN.post(f"{base}/shop-portal/authorize/approve", data=form)
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    authorized = authorization.authorize(ws, state=back["state"][0], code=back["code"][0])
    with db.transaction() as uow:
        linking.link(uow, authorized, actor="bench")
    with db.transaction() as uow:
        steps.start_sync(uow, ws, shop_id, actor="bench")
    drain(db, ws)
    return ws, shop_id


def run(db: Database, base: str, args: argparse.Namespace) -> dict[str, Any]:
    settings = TikTokShopSettings(
        base_url=base,
        auth_url="",
        authorize_page=f"{base}/shop-portal/authorize",
        app_key=DEFAULT_APP_KEY,
        app_secret=SecretStr(DEFAULT_APP_SECRET),
        qps=float(args.qps),
        qpm=args.qps * 60,
        page_size=100,
    )
    client = TikTokShopClient(settings)
    previous = providers.use_platform(tiktok.NAME, tiktok.TikTokShopPlatform(client))
    try:
        ws, shop_id = connect(db, base)
        with db.transaction() as uow:
            rows = list(
                uow.session.execute(
                    select(ShopActivity.id)
                    .where(ShopActivity.platform_shop_id == shop_id)
                    .order_by(ShopActivity.id)
                ).scalars()
            )[: args.activities]
            # The rules let every product of these activities go (the plan still checks them).
            uow.session.execute(
                update(ShopActivity)
                .where(ShopActivity.id.in_(rows))
                .values(min_products_per_shop=0, max_cancel_percent=100)
            )
            ids = list(
                uow.session.execute(
                    select(ShopEnrollment.id)
                    .where(ShopEnrollment.activity_id.in_(rows), ShopEnrollment.state == "live")
                    .order_by(ShopEnrollment.id)
                ).scalars()
            )
            catalog = int(
                uow.session.execute(
                    select(func.count(ShopProduct.id)).where(ShopProduct.shop_id == shop_id)
                ).scalar_one()
            )
        if len(ids) != len(rows) * args.per_activity or len(rows) != args.activities:
            # A sync cut short (a busy machine) would make a smaller run look faster.
            raise SystemExit(
                f"the sync mirrored {len(ids)} live enrollments in {len(rows)} activities, "
                f"not {args.per_activity} in each of {args.activities}: no figures"
            )
        ADMIN.post(f"{base}/sandbox-admin/reset")

        marks: dict[str, float] = {}
        before, cpu = client.stats.snapshot(), time.process_time()
        with timed() as wall:
            with timed() as cancel:
                with db.transaction() as uow:
                    batch = batches.start_batch(
                        uow,
                        ws,
                        enrollment_ids=ids,
                        reason="plan_change",
                        actor="bench",
                        role="admin",
                    )
                    batch_id = batch.id
                passes = drain(db, ws, marks, args.threads)
            with timed() as verify:
                # As the verification job runs it: the platform read back first (no
                # transaction open), then the check in one transaction.
                with timed() as read_back:
                    reads = platform_verification.prefetch(db, ws, batch_id)
                with db.transaction() as uow:
                    checked = verification.verify_batch(uow, ws, batch_id, reads)
        cpu = time.process_time() - cpu
        after = client.stats.snapshot()
        calls = stats(base)
        with db.read() as uow:
            intents = Counter(
                f"{a} {s}"
                for a, s in uow.session.execute(
                    select(ShopPlatformIntent.action, ShopPlatformIntent.status).where(
                        ShopPlatformIntent.workspace_id == ws
                    )
                ).all()
            )
            done = batches.get_batch(uow, ws, batch_id)
            outcome = (done.status, done.done, done.failed)
        return {
            "items": len(ids),
            "activities": len(rows),
            "wall": wall.seconds,
            "cancel": cancel.seconds,
            "verify": verify.seconds,
            "read_back": read_back.seconds,
            "passes": passes,
            "batch_part": marks.get("writes", 0.0),
            "calls": calls,
            "intents": intents,
            "batch": outcome,
            "checked": checked,
            "catalog": catalog,
            "answers": after.answer_seconds - before.answer_seconds,
            "limiter": after.limiter_wait_seconds - before.limiter_wait_seconds,
            "cpu": cpu,
        }
    finally:
        providers.use_platform(tiktok.NAME, previous)
        client.close()


def report(name: str, r: dict[str, Any], args: argparse.Namespace) -> float:
    per, qps = args.per_activity, args.qps
    # Writes, per activity: each recorded write (every removal chunk, then the deactivation of
    # the emptied activity) reads the activity first (a call a killed worker made and never
    # recorded is seen there, not sent twice), calls, and reads back. The verification: one
    # Get Activity per activity and the catalog's Search Products pages (or one Get Product
    # per item if fewer).
    writes = r["activities"] * (3 * math.ceil(per / PER_CALL) + 3)
    reads = r["activities"] + min(math.ceil(r["catalog"] / PAGE), r["items"])
    needed = writes + reads
    bound = needed / qps
    ratio = bound / r["wall"] if r["wall"] > 0 else 0.0
    requests: dict[str, int] = r["calls"]["requests"]
    made = sum(requests.values()) - r["calls"]["throttled_total"]
    refused = int(r["calls"]["codes"].get(RATE_LIMITED, r["calls"]["throttled_total"]))
    t = Table(
        f"{name}: {r['items']:,} enrollments in {r['activities']} activities, {qps} QPS, "
        f"{args.threads} worker thread(s)"
    )
    t.add("wall time (cancel + platform + verification)", f"{r['wall']:,.1f} s")
    t.add("  batch and platform writes (worker passes)", f"{r['cancel']:,.1f} s", f"{r['passes']}")
    t.add("    the batch until its first platform write", f"{r['batch_part']:,.1f} s")
    t.add(
        "    platform writes (intents to the last read-back)",
        f"{r['cancel'] - r['batch_part']:,.1f} s",
    )
    t.add("  batch verification", f"{r['verify']:,.2f} s", str(r["checked"]))
    t.add("    its platform reads (prefetch)", f"{r['read_back']:,.2f} s")
    t.add("    its check (one transaction)", f"{r['verify'] - r['read_back']:,.2f} s")
    t.add(
        "rate-limit lower bound",
        f"{bound:,.1f} s",
        f"{needed} calls needed ({writes} writes and read-backs, {reads} verification) / QPS",
    )
    t.add("ratio bound / wall", f"{ratio:.2f}", verdict(ratio, RATIO_AIM))
    t.add(
        "calls made / QPS",
        f"{made / qps:,.1f} s",
        f"{made} calls; pacing {made / qps / r['wall']:.2f}",
    )
    local = r["wall"] - r["answers"] - r["limiter"]
    t.add("  waiting for the platform's answers", f"{r['answers']:,.1f} s")
    t.add("  waiting for the rate limiter", f"{r['limiter']:,.1f} s")
    t.add("  the rest (local work between calls)", f"{local:,.1f} s", "with 1 thread")
    t.add("  CPU time of this process", f"{r['cpu']:,.1f} s")
    for path, n in sorted(requests.items()):
        t.add(f"  {path}", f"{n}")
    t.add("36009002 answers", f"{refused}", f"aim 0: {'met' if refused == 0 else 'NOT met'}")
    t.add("intents", "", ", ".join(f"{k} {v}" for k, v in sorted(r["intents"].items())))
    t.add("batch (status, done, failed)", str(r["batch"]))
    t.add("peak RSS", f"{peak_rss_mib():,.0f} MiB")
    t.print()
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=10, help="activities cancelled")
    parser.add_argument("--per-activity", type=int, default=200, help="products in each")
    parser.add_argument("--qps", type=int, default=10, help="sandbox limit per shop")
    parser.add_argument("--threads", type=int, default=1, help="worker threads (as the worker's)")
    parser.add_argument("--full", action="store_true", help="10,000 enrollments, 50 activities")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    load_handlers()  # every job handler, as in ``promodesk worker``
    if args.full:
        args.activities, args.per_activity = 50, 200
    with tempfile.TemporaryDirectory() as data:
        # The link's tokens are encrypted with a key of the run (never the checkout's var/).
        os.environ.setdefault("PROMODESK_DATA_DIR", data)
        os.environ.setdefault("PROMODESK_SECRET_KEY", uuid.uuid4().hex)
        print(
            f"shop platform cancel bench: {args.activities} activities x {args.per_activity} "
            f"enrollments, {args.qps} QPS per shop"
        )
        with shop_sandbox(args) as base:
            if args.postgres:
                import psycopg

                name = f"pd_bench_{uuid.uuid4().hex[:10]}"
                with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
                    admin.execute(f'CREATE DATABASE "{name}"')
                url = (PG_ADMIN.rsplit("/", 1)[0] + "/" + name).replace(
                    "postgresql://", "postgresql+psycopg://", 1
                )
                try:
                    upgrade(url)
                    db = Database(url)
                    try:
                        report("PostgreSQL", run(db, base, args), args)
                    finally:
                        db.dispose()
                finally:
                    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                db = Database(f"sqlite:///{Path(data) / 'bench.db'}")
                upgrade(db.url)
                try:
                    report("SQLite", run(db, base, args), args)
                finally:
                    db.dispose()


if __name__ == "__main__":
    main()
