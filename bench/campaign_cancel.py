"""Cancel many campaigns across many ad accounts against the rate limit, verification included:
how close the cancel comes to the fastest TikTok's per-endpoint limit allows.

Starts the local sandbox as a subprocess (``promodesk sandbox``, ``--qps`` calls per second per
endpoint), imports its ad accounts and syncs their campaigns into a fresh database (a
temporary SQLite file, or with ``--postgres`` a database created for the run): all off the
clock. Then, on the clock, what an operator's confirm sets off:
``cancellations.confirm`` of every live campaign (one cancellation, delete: the items with their
money figures), the job's steps (``prefetch_step``: status updates of 20 ids with no
transaction open, the snapshots of the next step's objects stored meanwhile; ``run_step``: the
results written) until none is pending, and one verification round (``cancellations.readback``:
the objects, their children and the hourly spend after the stop read back;
``cancellations.verification``: the verdicts written), with the product's client and its limiter.

Printed figures:
- wall time of cancel + verification;
- the lower bound the rate limit allows: per phase, the busiest endpoint's accepted calls
  divided by the QPS (the verification can only start once the cancel is done), summed;
  the ratio is bound / wall (aim >= 0.9);
- 40100 answers the sandbox sent (aim 0).

    python bench/campaign_cancel.py            # quick: 200 campaigns over 4 ad accounts
    python bench/campaign_cancel.py --full     # the issue's size: 2,000 over 20 ad accounts
    python bench/campaign_cancel.py --postgres
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from _common import Table, timed, verdict
from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.accounts.tiktok import client as tiktok_port
from promodesk.campaigns.service.cancellations import confirm as cancel_confirm
from promodesk.campaigns.service.cancellations import readback as cancel_readback
from promodesk.campaigns.service.cancellations import run as cancel_run
from promodesk.campaigns.service.cancellations import verification as cancel_verification
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.models import CampaignCancellationItem, TikTokCampaign
from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET
from promodesk.settings import get_settings
from promodesk.tenancy import service as tenancy
from tiktok_sync import PG_ADMIN, grant, sandbox_process

RATIO_AIM = 0.9


ADMIN = httpx.Client(timeout=30)  # one client: a new one per call costs a TLS context


def accepted(base: str) -> dict[str, int]:
    stats: dict[str, Any] = ADMIN.get(f"{base}/sandbox-admin/stats").json()
    throttled = stats.get("throttled", {})
    return {e: n - throttled.get(e, 0) for e, n in stats["requests"].items()}


def rejected(base: str) -> int:
    stats: dict[str, Any] = ADMIN.get(f"{base}/sandbox-admin/stats").json()
    return int(stats.get("codes", {}).get("40100", stats.get("throttled_total", 0)))


def run(db: Database, base: str, args: argparse.Namespace) -> dict[str, Any]:
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
    os.environ.setdefault("PROMODESK_SECRET_KEY", "cancel-bench")  # the token vault's key
    get_settings.cache_clear()
    os.environ["PROMODESK_ACCOUNTS_CANCEL_VERIFY_SETTLE_SECONDS"] = "0"
    os.environ["PROMODESK_ACCOUNTS_CANCEL_CHUNKS_PER_STEP"] = str(args.chunks_per_step)
    campaigns_settings.cache_clear()
    try:
        with db.transaction() as uow:
            ws = tenancy.create_workspace(uow, f"bench-{uuid.uuid4().hex[:8]}", "Cancel bench")
            found = imports.import_token(uow, ws.id, token["access_token"], token["advertiser_ids"])
            accounts = [a.id for a in found.accounts]
        for account_id in accounts:
            with db.transaction() as uow:
                run_id = sync_service.start(uow, ws.id, account_id, "campaigns").id
            while True:
                fetched = sync_service.prefetch(db, run_id, max_pages=50)
                with db.transaction() as uow:
                    if sync_service.step(uow, run_id, max_pages=50, fetched=fetched):
                        break
        with db.read() as uow:
            rows = list(
                uow.session.execute(
                    select(TikTokCampaign.id, TikTokCampaign.ad_account_id)
                    .where(
                        TikTokCampaign.workspace_id == ws.id,
                        TikTokCampaign.deleted.is_(False),
                    )
                    .order_by(TikTokCampaign.id)
                ).all()
            )
        per: Counter[int] = Counter()
        ids: list[int] = []
        for row_id, account_id in rows:
            if per[account_id] < args.per_account:
                per[account_id] += 1
                ids.append(int(row_id))
        httpx.post(f"{base}/sandbox-admin/reset")

        with timed() as wall:
            calls = writes = 0.0
            with timed() as cancel:
                with timed() as confirm, db.transaction() as uow:
                    c = cancel_confirm.confirm(
                        uow, ws.id, "campaign", ids, "delete", "strategy_change", "", actor="bench"
                    )
                    cancellation_id = c.id
                while True:
                    with timed() as sent:
                        step = cancel_run.prefetch_step(db, cancellation_id)
                    calls += sent.seconds
                    with timed() as written, db.transaction() as uow:
                        last = cancel_run.run_step(uow, cancellation_id, step) is None
                    writes += written.seconds
                    if last:
                        break
            cancel_calls = accepted(base)
            with timed() as verify:
                checked = cancel_readback.prefetch(db, cancellation_id)
                with db.transaction() as uow:
                    cancel_verification.verify_step(uow, cancellation_id, 1, checked)
        total_calls = accepted(base)
        with db.read() as uow:
            outcome = Counter(
                f"{s}/{v}"
                for s, v in uow.session.execute(
                    select(
                        CampaignCancellationItem.status, CampaignCancellationItem.verify_status
                    ).where(CampaignCancellationItem.cancellation_id == cancellation_id)
                ).all()
            )
            problems = Counter(
                str(p)[:90]
                for (d,) in uow.session.execute(
                    select(CampaignCancellationItem.verify_detail).where(
                        CampaignCancellationItem.cancellation_id == cancellation_id,
                        CampaignCancellationItem.verify_status == "failed",
                    )
                ).all()
                for p in (d or {}).get("problems", [])
            )
        verify_calls = {e: n - cancel_calls.get(e, 0) for e, n in total_calls.items()}
        return {
            "objects": len(ids),
            "accounts": len(per),
            "wall": wall.seconds,
            "cancel": cancel.seconds,
            "confirm": confirm.seconds,
            "calls": calls,
            "writes": writes,
            "verify": verify.seconds,
            "cancel_calls": cancel_calls,
            "verify_calls": {e: n for e, n in verify_calls.items() if n},
            "rejected": rejected(base),
            "outcome": outcome,
            "problems": problems,
        }
    finally:
        tiktok_port.use_client(previous)


def report(name: str, r: dict[str, Any], qps: int) -> float:
    def busiest(calls: dict[str, int]) -> tuple[str, int]:
        if not calls:
            return "-", 0
        endpoint = max(calls, key=lambda e: calls[e])
        return endpoint, calls[endpoint]

    c_end, c_n = busiest(r["cancel_calls"])
    v_end, v_n = busiest(r["verify_calls"])
    bound = c_n / qps + v_n / qps
    ratio = bound / r["wall"] if r["wall"] > 0 else 0.0
    t = Table(f"{name}: {r['objects']:,} campaigns over {r['accounts']} ad accounts, {qps} QPS")
    t.add("wall time (cancel + verification)", f"{r['wall']:,.1f} s")
    t.add("  cancel", f"{r['cancel']:,.1f} s", f"{c_n} calls to {c_end}")
    t.add("    confirm (money figures, items)", f"{r['confirm']:,.1f} s")
    t.add("    status updates (steps' calls; snapshots meanwhile)", f"{r['calls']:,.1f} s")
    t.add("    steps' writes", f"{r['writes']:,.1f} s")
    t.add("  verification", f"{r['verify']:,.1f} s", f"busiest: {v_n} calls to {v_end}")
    t.add("rate-limit lower bound", f"{bound:,.1f} s", "per phase: busiest endpoint / QPS")
    t.add("ratio bound / wall", f"{ratio:.2f}", verdict(ratio, RATIO_AIM))
    met = "met" if r["rejected"] == 0 else "NOT met"
    t.add("40100 answers", f"{r['rejected']}", f"aim 0: {met}")
    for endpoint, n in sorted({**r["verify_calls"]}.items()):
        t.add(f"  verification calls: {endpoint}", f"{n}")
    t.add("items (result/verification)", ", ".join(f"{k} {v}" for k, v in r["outcome"].items()))
    for problem, n in r["problems"].most_common(5):
        t.add("  verification problem", f"{n}", problem)
    t.print()
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=4, help="ad accounts")
    parser.add_argument("--per-account", type=int, default=50, help="campaigns cancelled in each")
    parser.add_argument("--qps", type=int, default=10, help="sandbox limit per endpoint")
    parser.add_argument("--chunks-per-step", type=int, default=10, help="20-id calls per step")
    parser.add_argument("--full", action="store_true", help="2,000 campaigns over 20 accounts")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if args.full:
        args.accounts, args.per_account = 20, 100
    # what the sandbox generates per ad account (some are deleted: a few more than needed)
    sandbox = argparse.Namespace(
        accounts=args.accounts,
        campaigns=args.per_account + args.per_account // 4 + 5,
        adgroups=args.per_account * 2,
        ads=args.per_account * 3,
        qps=args.qps,
    )
    print(
        f"campaign cancel bench: {args.accounts} ad accounts x {args.per_account} campaigns, "
        f"{args.qps} QPS per endpoint"
    )
    with sandbox_process(sandbox) as proc:
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
                    report("PostgreSQL", run(db, proc.base, args), args.qps)
                finally:
                    db.dispose()
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
                url = f"sqlite:///{Path(tmp) / 'cancel.db'}"
                upgrade(url)
                db = Database(url)
                try:
                    report("SQLite", run(db, proc.base, args), args.qps)
                finally:
                    db.dispose()


if __name__ == "__main__":
    main()
