"""Report sync against the rate limit: how close syncing the report history of many ad accounts
comes to the fastest the report endpoint's limit allows, and the memory it takes.

Starts the local sandbox as a subprocess (``promodesk sandbox``) with ``--accounts`` ad accounts
of ``--campaigns`` campaigns (and as many ad groups and ads: one of each per campaign by
default), limited to ``--qps`` calls per second per endpoint. Imports every ad account through
the sandbox's authorization page, then runs each account's first report sync as the worker
does (``report_sync.prefetch`` with no transaction open, then ``report_sync.step`` writes), one
thread per account up to ``--workers``, the product's client with its limiter on, into a fresh
database (a temporary SQLite file, or with ``--postgres`` a database created for the run).
The sync reads ``--days`` days of daily rows for campaigns, ad groups and ads (the product's
levels), and ``--hourly-days`` of hourly rows (0 by default: the issue's figure is daily).

Printed figures:
- calls made (accepted by the sandbox), 40100 answers (aim 0), rows written;
- wall time of the syncs (import and database setup are off the clock);
- the lower bound the rate limit allows: report calls / QPS; the ratio bound / wall (aim >= 0.9);
- peak RSS of this process, the one that syncs; the sandbox runs in its own (aim <= 250 MB).

    python bench/report_sync.py                 # quick: 10 accounts x 200 campaigns x 30 days
    python bench/report_sync.py --full          # the issue's 100 x 1,000 x 90 days
    python bench/report_sync.py --accounts 20 --campaigns 500 --days 60 --qps 20 --postgres
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from _common import Table, peak_rss_mib, timed, verdict
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants, imports
from promodesk.accounts.tiktok import client as tiktok_port
from promodesk.campaigns.service.report_sync import progress as sync_progress
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.campaigns.service.report_sync import write as sync_write
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.operations import service as operations
from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET
from promodesk.settings import get_settings
from promodesk.tenancy import service as tenancy
from tiktok_sync import PG_ADMIN, SandboxProcess, free_port, grant, wait_until_up

REPORT = "report/integrated/get/"
RATIO_AIM = 0.9
RSS_AIM_MIB = 250.0


def serve_sandbox(args: argparse.Namespace) -> None:
    """The sandbox of this benchmark (``--serve-sandbox PORT``, run as a subprocess): its
    campaigns start ``--days`` + 5 days ago (the sandbox works out an account's history once,
    when its first report asks, so a longer one only costs that first answer more)."""
    import uvicorn

    from promodesk.sandbox import Sandbox, SandboxConfig, create_sandbox_app
    from promodesk.sandbox.spend.model import settle_history

    config = SandboxConfig(
        accounts=args.accounts,
        campaigns=args.campaigns,
        adgroups=args.adgroups,
        ads=args.ads,
        audiences=0,
        qps=args.qps,
        qpm=args.qps * 60,
        epoch=datetime.now(UTC) - timedelta(days=args.days + 5),
        kept_accounts=32 if args.cold else max(32, args.accounts),
    )
    # Answers built on the event loop, as ``promodesk sandbox`` runs it (no thread hand-over).
    sandbox = Sandbox(config, inline=True)
    if not args.cold:
        # As ``promodesk sandbox --settle``: the history is worked out before the clock starts,
        # as a platform keeps its reports (cold, a window's first page works it out on the
        # sandbox's event loop and every other answer waits behind it).
        settle_history(sandbox.world)
    app = create_sandbox_app(sandbox)
    uvicorn.run(app, host="127.0.0.1", port=args.serve_sandbox, log_level="warning")


@contextmanager
def sandbox_process(args: argparse.Namespace) -> Iterator[SandboxProcess]:
    port = free_port()
    command = [sys.executable, __file__, "--serve-sandbox", str(port)]
    for name in ("accounts", "campaigns", "adgroups", "ads", "days", "qps"):
        command += [f"--{name}", str(getattr(args, name))]
    if args.cold:
        command.append("--cold")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            # Settling the history takes a few seconds per 1,000 campaigns of an account.
            wait_until_up(
                base, proc, log, timeout=60.0 + 6.0 * args.accounts * args.campaigns / 1000
            )
            yield SandboxProcess(base, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def product_settings(args: argparse.Namespace) -> Iterator[None]:
    """The sync's days as settings (``PROMODESK_ACCOUNTS_REPORT_*``), for this run only."""
    values = {
        "PROMODESK_ACCOUNTS_REPORT_HISTORY_DAYS": str(args.days),
        "PROMODESK_ACCOUNTS_REPORT_HOURLY_DAYS": str(args.hourly_days),
    }
    if args.pages_per_step:
        values["PROMODESK_ACCOUNTS_REPORT_PAGES_PER_STEP"] = str(args.pages_per_step)
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    campaigns_settings.cache_clear()
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        campaigns_settings.cache_clear()


def sync_all(db: Database, sandbox: SandboxProcess, args: argparse.Namespace) -> dict[str, Any]:
    base = sandbox.base
    token = grant(base)
    client = TikTokClient(
        TikTokSettings(
            base_url=base,
            app_id=DEFAULT_APP_ID,
            secret=SecretStr(DEFAULT_SECRET),
            qps=float(args.qps),
            qpm=args.qps * 60,
            limiter_enabled=True,
        )
    )
    previous = tiktok_port.use_client(client)
    os.environ.setdefault("PROMODESK_SECRET_KEY", "report-bench")  # the token vault's key
    get_settings.cache_clear()
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, f"bench-{uuid.uuid4().hex[:8]}", "Report bench")
            imported = imports.import_token(
                uow, ws.id, token["access_token"], token["advertiser_ids"], known={}
            )
            op_ids = [
                int(sync_start.start(uow, ws.id, a.id, actor="bench").last_operation_id or 0)
                for a in imported.accounts
            ]
        httpx.post(f"{base}/sandbox-admin/reset")
        reference = bare_fetch(db, client, op_ids, args) if args.reference else None
        httpx.post(f"{base}/sandbox-admin/reset")
        sandbox_cpu = sandbox.cpu_seconds()
        own_cpu = time.process_time()
        with timed() as wall, ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(lambda op_id: sync_write.run(db, op_id), op_ids))
        own_cpu = time.process_time() - own_cpu
        after = sandbox.cpu_seconds()
        if sandbox_cpu is not None and after is not None:
            sandbox_cpu = after - sandbox_cpu
        stats: dict[str, Any] = httpx.get(f"{base}/sandbox-admin/stats").json()
        rows = pages = 0
        states: dict[str, int] = {}
        with db.transaction() as uow:
            for op_id in op_ids:
                op = operations.get(uow, ws.id, op_id)
                states[op.state] = states.get(op.state, 0) + 1
                rows += int((op.result or {}).get("rows", 0))
                pages += int((op.result or {}).get("pages", 0))
        return {
            "wall": wall.seconds,
            "cpu": own_cpu,
            "sandbox_cpu": sandbox_cpu,
            "stats": stats,
            "accounts": len(op_ids),
            "states": states,
            "rows": rows,
            "pages": pages,
            "client": client.stats.snapshot(),
            "reference": reference,
        }
    finally:
        tiktok_port.use_client(previous)
        client.close()


def bare_fetch(
    db: Database, client: TikTokClient, op_ids: list[int], args: argparse.Namespace
) -> tuple[float, int]:
    """The reference, in the same run: the same report pages fetched through the same client
    and limiter by as many threads, with nothing else (no parsing into rows, no database).
    Returns (seconds, calls)."""
    plans: list[tuple[str, str, list[Any]]] = []
    with db.read() as uow:
        for op_id in op_ids:
            op = operations.get_unscoped(uow, op_id)
            plan = dict(op.result or {})
            account = accounts_alloc.get_ad_account(
                uow, op.workspace_id, int(plan["ad_account_id"])
            )
            access = grants.tiktok_access(uow, account)
            assert access is not None
            plans.append((access.advertiser_id, access.token, list(sync_progress.windows_of(plan))))
    calls = 0

    def fetch(item: tuple[str, str, list[Any]]) -> int:
        advertiser_id, token, windows = item
        api = client.for_token(token)
        n = 0
        for w in windows:
            for _ in api.basic_report_pages(
                advertiser_id,
                data_level=w.data_level,
                dimensions=w.dimensions(),
                metrics=w.metrics(),
                start_date=w.since.isoformat(),
                end_date=w.until.isoformat(),
            ):
                n += 1
        return n

    with timed() as wall, ThreadPoolExecutor(args.workers) as pool:
        calls = sum(pool.map(fetch, plans))
    return wall.seconds, calls


def report(name: str, result: dict[str, Any], args: argparse.Namespace) -> float:
    stats = result["stats"]
    throttled = stats.get("throttled", {})
    accepted = {e: n - throttled.get(e, 0) for e, n in stats["requests"].items()}
    calls = accepted.get(REPORT, 0)
    bound = calls / args.qps
    wall = result["wall"]
    ratio = bound / wall if wall > 0 else 0.0
    rss = peak_rss_mib()
    rejected = int(stats.get("codes", {}).get("40100", stats.get("throttled_total", 0)))
    table = Table(
        f"{name}: {result['accounts']} ad accounts x {args.campaigns:,} campaigns x "
        f"{args.days} days, {args.workers} workers, {args.qps} QPS"
    )
    table.add("report calls (accepted)", f"{calls:,}", f"{result['pages']:,} pages written")
    table.add("40100 answers", f"{rejected}", "aim 0: " + ("met" if rejected == 0 else "NOT met"))
    table.add("rows written", f"{result['rows']:,}", "campaign, ad group and ad days")
    table.add("sync wall time", f"{wall:,.1f} s")
    table.add("rate-limit lower bound", f"{bound:,.1f} s", f"{calls:,} calls / {args.qps} QPS")
    table.add("ratio bound / wall", f"{ratio:.2f}", verdict(ratio, RATIO_AIM))
    if result["reference"] is not None:
        ref_wall, ref_calls = result["reference"]
        table.add(
            "reference: the same calls alone",
            f"{ref_wall:,.1f} s",
            f"{ref_calls:,} calls, same client, limiter and threads; no rows, no database",
        )
        table.add("ratio reference / wall", f"{ref_wall / wall:.2f}", "the product's own cost")
    table.add(
        "peak RSS (syncing process)",
        f"{rss:,.0f} MiB",
        f"aim <= {RSS_AIM_MIB:.0f}: " + ("met" if rss <= RSS_AIM_MIB else "NOT met"),
    )
    client = result["client"]
    if client.requests:
        answer_ms = client.answer_seconds / client.requests * 1000
        table.add("mean answer time", f"{answer_ms:,.0f} ms", "sent to the answer's head")
    table.add("CPU of the syncing process", f"{result['cpu']:,.1f} s", "during the sync")
    if result["sandbox_cpu"] is not None:
        table.add("CPU of the sandbox", f"{result['sandbox_cpu']:,.1f} s", "during the sync")
    table.add("CPUs of this machine", f"{os.cpu_count()}")
    table.add("syncs", ", ".join(f"{k} {v}" for k, v in sorted(result["states"].items())))
    table.print()
    return ratio


def bench_sqlite(args: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'reports.db'}"
        upgrade(url)
        db = Database(url, pool_size=args.workers + 2)
        try:
            with sandbox_process(args) as sandbox:
                return report("SQLite", sync_all(db, sandbox, args), args)
        finally:
            db.dispose()


def bench_postgres(args: argparse.Namespace) -> float:
    import psycopg

    name = f"pd_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL unreachable at {PG_ADMIN} ({exc})") from exc
    url = (PG_ADMIN.rsplit("/", 1)[0] + "/" + name).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    try:
        upgrade(url)
        db = Database(url, pool_size=args.workers + 2)
        try:
            with sandbox_process(args) as sandbox:
                return report("PostgreSQL", sync_all(db, sandbox, args), args)
        finally:
            db.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10, help="ad accounts")
    parser.add_argument("--campaigns", type=int, default=200, help="campaigns per ad account")
    parser.add_argument("--adgroups", type=int, default=0, help="ad groups (0: one per campaign)")
    parser.add_argument("--ads", type=int, default=0, help="ads (0: one per ad group)")
    parser.add_argument("--days", type=int, default=30, help="days of daily history")
    parser.add_argument("--hourly-days", type=int, default=0, help="days of hourly rows")
    parser.add_argument("--qps", type=int, default=10, help="sandbox limit per endpoint")
    parser.add_argument("--workers", type=int, default=8, help="sync threads")
    parser.add_argument("--pages-per-step", type=int, default=0, help="0: the product setting")
    parser.add_argument(
        "--no-reference", dest="reference", action="store_false", help="skip the bare fetch"
    )
    parser.add_argument("--full", action="store_true", help="100 accounts x 1,000 x 90 days")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="the sandbox works out each account's history when its first report asks",
    )
    parser.add_argument("--serve-sandbox", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.adgroups = args.adgroups or args.campaigns
    args.ads = args.ads or args.adgroups
    if args.serve_sandbox:
        serve_sandbox(args)
        return
    if args.full:
        args.accounts, args.campaigns, args.days = 100, 1000, 90
    print(
        f"report sync bench: {args.accounts} ad accounts x ({args.campaigns:,} campaigns, "
        f"{args.adgroups:,} ad groups, {args.ads:,} ads) x {args.days} days, "
        f"{args.qps} QPS per endpoint; sandbox history "
        + ("worked out on first ask (--cold)" if args.cold else "worked out before the clock")
    )
    with product_settings(args):
        bench_postgres(args) if args.postgres else bench_sqlite(args)


if __name__ == "__main__":
    main()
