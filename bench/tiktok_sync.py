"""TikTok sync against the rate limit: how close a full sync of many ad accounts comes to the
fastest the API's per-endpoint limit allows (issue 4).

Starts the local sandbox as a subprocess (``promodesk sandbox``) with ``--accounts`` ad accounts
of 1,000 campaigns, 3,000 ad groups and 5,000 ads each, limited to ``--qps`` calls per second
per endpoint. Imports every ad account through the sandbox's authorization page
(``portal/auth/approve`` + ``oauth2/access_token/``), then syncs them all as the worker does:
``sync_service.step`` in a thread pool, one run per ad account, the product's client with its
limiter on, into a fresh database (a temporary SQLite file, or with ``--postgres`` a PostgreSQL
database created for the run and dropped after it).

Printed figures:
- wall time of the sync (import and database setup are off the clock);
- the lower bound the rate limit allows: the sandbox's accepted calls per endpoint
  (``/sandbox-admin/stats``) divided by the QPS, endpoints in parallel, so the busiest endpoint
  sets it; the ratio is bound / wall (aim >= 0.9);
- 40100 answers ("App reaches the QPS limit") the sandbox sent (aim 0);
- peak RSS of this process, the one that syncs; the sandbox runs in its own (aim <= 250 MB).

    python bench/tiktok_sync.py [--accounts 100] [--quick] [--postgres] [--workers 8]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import SecretStr

from _common import Table, peak_rss_mib, timed, verdict
from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.accounts.settings import accounts_settings
from promodesk.accounts.tiktok import client as tiktok_port
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET
from promodesk.settings import get_settings
from promodesk.tenancy import service as tenancy

PG_ADMIN = os.environ.get(
    "PROMODESK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
API = "/open_api/v1.3/"
RATIO_AIM = 0.9
RSS_AIM_MIB = 250.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class SandboxProcess:
    base: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the sandbox so far (Linux ``/proc``; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def sandbox_process(args: argparse.Namespace) -> Iterator[SandboxProcess]:
    """The sandbox in its own process (so its CPU and memory are not ours); stopped by pid."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "promodesk"),
        "sandbox",
        "--port",
        str(port),
        "--accounts",
        str(args.accounts),
        "--campaigns",
        str(args.campaigns),
        "--adgroups",
        str(args.adgroups),
        "--ads",
        str(args.ads),
        "--qps",
        str(args.qps),
        "--qpm",
        str(args.qps * 60),
    ]
    # Its output goes to a file, not a pipe: a pipe nobody reads would block it once full.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, proc, log)
            yield SandboxProcess(base, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until_up(
    base: str, proc: subprocess.Popen[bytes], log: IO[bytes], timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            out = log.read().decode(errors="replace")
            raise SystemExit(f"the sandbox exited with {proc.returncode}:\n{out[-2000:]}")
        try:
            if httpx.get(f"{base}/sandbox-admin/stats", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the sandbox did not answer at {base} within {timeout:.0f} s")


def grant(base: str) -> dict[str, Any]:
    """Approve every ad account on the sandbox's authorization page, exchange the code."""
    answer = httpx.post(
        f"{base}/portal/auth/approve",
        data={"app_id": DEFAULT_APP_ID, "redirect_uri": "http://bench.invalid/cb", "state": "b"},
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["auth_code"][0]
    body = httpx.post(
        f"{base}{API}oauth2/access_token/",
        json={"app_id": DEFAULT_APP_ID, "secret": DEFAULT_SECRET, "auth_code": code},
    ).json()
    if body.get("code") != 0:
        raise SystemExit(f"access_token refused: {body}")
    data: dict[str, Any] = body["data"]
    return data


def time_answers(client: TikTokClient) -> dict[str, list[float]]:
    """Seconds from sending to the answer's head, per endpoint: how long each call holds its
    limiter place beyond the window (the client gives the place back at the answer's head)."""
    times: dict[str, list[float]] = {}
    send = client._http.send

    def timed_send(request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = send(request, **kwargs)
        endpoint = request.url.path.split(API, 1)[-1]
        times.setdefault(endpoint, []).append(time.perf_counter() - started)
        times.setdefault(f"sent {endpoint}", []).append(started)
        return response

    client._http.send = timed_send  # type: ignore[method-assign]
    return times


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
            **({"limiter_margin_seconds": args.margin} if args.margin is not None else {}),
        )
    )
    answer_times = time_answers(client)
    previous = tiktok_port.use_client(client)
    os.environ.setdefault("PROMODESK_SECRET_KEY", "tiktok-bench")  # the token vault's key
    get_settings.cache_clear()
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, f"bench-{uuid.uuid4().hex[:8]}", "TikTok bench")
            imported = imports.import_token(
                uow, ws.id, token["access_token"], token["advertiser_ids"], known={}
            )
            run_ids = [sync_service.start(uow, ws.id, a.id).id for a in imported.accounts]
        httpx.post(f"{base}/sandbox-admin/reset")
        pages = args.pages_per_step or accounts_settings().pages_per_step

        def work(run_id: int) -> None:
            # What the job does: fetch a step's pages with no transaction open, then write them
            # in one transaction; until the run is final.
            while True:
                fetched = sync_service.prefetch(db, run_id, max_pages=pages)
                with db.transaction() as uow:
                    if sync_service.step(uow, run_id, max_pages=pages, fetched=fetched):
                        return

        sandbox_cpu = sandbox.cpu_seconds()
        own_cpu = time.process_time()
        started = time.perf_counter()
        with timed() as wall, ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(work, run_ids))
        own_cpu = time.process_time() - own_cpu
        after = sandbox.cpu_seconds()
        if sandbox_cpu is not None and after is not None:
            sandbox_cpu = after - sandbox_cpu
        stats: dict[str, Any] = httpx.get(f"{base}/sandbox-admin/stats").json()
        statuses: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        with db.transaction() as uow:
            for run_id in run_ids:
                run = sync_service.get_run(uow, ws.id, run_id)
                statuses[str(run.status)] += 1
                for stage, counts in (run.counts or {}).items():
                    seen[stage] += int(counts.get("seen", 0))
        return {
            "wall": wall.seconds,
            "cpu": own_cpu,
            "sandbox_cpu": sandbox_cpu,
            "stats": stats,
            "runs": len(run_ids),
            "statuses": statuses,
            "seen": seen,
            "client": client.stats.snapshot(),
            "answer_times": answer_times,
            "started": started,
        }
    finally:
        tiktok_port.use_client(previous)


def report(name: str, result: dict[str, Any], args: argparse.Namespace) -> float:
    stats = result["stats"]
    throttled = stats.get("throttled", {})
    accepted = {e: n - throttled.get(e, 0) for e, n in stats["requests"].items()}
    busiest = max(accepted, key=lambda e: accepted[e]) if accepted else "-"
    bound = accepted.get(busiest, 0) / args.qps
    wall = result["wall"]
    ratio = bound / wall if wall > 0 else 0.0
    rss = peak_rss_mib()
    rejected = int(stats.get("codes", {}).get("40100", stats.get("throttled_total", 0)))
    table = Table(
        f"{name}: {result['runs']} ad accounts, {args.workers} workers, {args.qps} QPS per endpoint"
    )
    table.add("sync wall time", f"{wall:,.1f} s")
    table.add("rate-limit lower bound", f"{bound:,.1f} s", f"{accepted.get(busiest, 0)} {busiest}")
    table.add("ratio bound / wall", f"{ratio:.2f}", verdict(ratio, RATIO_AIM))
    table.add("40100 answers", f"{rejected}", "aim 0: " + ("met" if rejected == 0 else "NOT met"))
    table.add(
        "peak RSS (syncing process)",
        f"{rss:,.0f} MiB",
        f"aim <= {RSS_AIM_MIB:.0f}: " + ("met" if rss <= RSS_AIM_MIB else "NOT met"),
    )
    calls = result["client"]
    if calls.requests:
        answer_ms = calls.answer_seconds / calls.requests * 1000
        table.add("mean answer time", f"{answer_ms:,.0f} ms", "sent to the answer's head")
    table.add("CPU of the syncing process", f"{result['cpu']:,.1f} s", "during the sync")
    if result["sandbox_cpu"] is not None:
        table.add("CPU of the sandbox", f"{result['sandbox_cpu']:,.1f} s", "during the sync")
    table.add("CPUs of this machine", f"{os.cpu_count()}")
    answers = result["answer_times"]
    sent = sorted(answers.get(f"sent {busiest}") or [0.0])
    table.add(
        f"{busiest} calls sent",
        f"{sent[-1] - sent[0]:,.1f} s",
        f"first {sent[0] - result['started']:,.1f} s after the start, last "
        f"{result['started'] + wall - sent[-1]:,.1f} s before the end",
    )
    for endpoint, n in sorted(accepted.items(), key=lambda kv: -kv[1]):
        times = sorted(answers.get(endpoint) or [0.0])
        p90 = times[int(len(times) * 0.9)]
        table.add(
            f"  {endpoint}",
            f"{n}",
            f"{n / args.qps:,.1f} s at the limit; answer median {median(times) * 1000:,.0f} ms,"
            f" p90 {p90 * 1000:,.0f} ms",
        )
    for stage, n in sorted(result["seen"].items()):
        table.add(f"  rows seen: {stage}", f"{n:,}")
    table.add("runs", ", ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items())))
    table.print()
    return ratio


def bench_sqlite(args: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'tiktok.db'}"
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
    parser.add_argument("--accounts", type=int, default=100, help="ad accounts")
    parser.add_argument("--campaigns", type=int, default=1000, help="campaigns per ad account")
    parser.add_argument("--adgroups", type=int, default=3000, help="ad groups per ad account")
    parser.add_argument("--ads", type=int, default=5000, help="ads per ad account")
    parser.add_argument("--qps", type=int, default=10, help="sandbox limit per endpoint")
    parser.add_argument("--workers", type=int, default=8, help="sync threads")
    parser.add_argument(
        "--pages-per-step", type=int, default=0, help="pages per step (0: the product setting)"
    )
    parser.add_argument(
        "--margin", type=float, default=None, help="client limiter margin, s (default: product's)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs; the median ratio is printed")
    parser.add_argument("--quick", action="store_true", help="10 ad accounts")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if args.quick:
        args.accounts = min(args.accounts, 10)
    print(
        f"tiktok sync bench: {args.accounts} ad accounts x ({args.campaigns:,} campaigns, "
        f"{args.adgroups:,} ad groups, {args.ads:,} ads), {args.qps} QPS per endpoint"
    )
    ratios = [
        bench_postgres(args) if args.postgres else bench_sqlite(args)
        for _ in range(max(1, args.repeats))
    ]
    if len(ratios) > 1:
        listed = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"\nmedian ratio over {len(ratios)} runs: {median(ratios):.2f} ({listed})")


if __name__ == "__main__":
    main()
