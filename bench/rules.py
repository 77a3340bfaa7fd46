"""Automated rules at agency scale: one evaluation cycle of every rule, through the product
(``rules.service.evaluation``: tick, then each evaluation job's work as a worker runs it), against
the bare SQL aggregate of the same conditions run by the driver in the same run, on SQLite and
PostgreSQL (wall time, and the CPU time of this process: the steadier figure on a shared
machine; ``--profile`` profiles one more cycle); and the time from a data change to the rule's
action with a worker running.

Data (made by the database, off the clock; ``campaign_list``'s report rows): ``--objects``
campaigns (10,000; ``--full``: 100,000) over ``objects / 1,000`` ad accounts in three zones,
allocated evenly to ``--rules`` advertisers (100; ``--full``: 1,000), 90 days of daily rows.
Rule k is scoped to advertiser k (``objects / rules`` campaigns): "(spend > S AND cost per
result > C) OR CTR < 0.5 %" over 7 days (every fourth rule 30 days), judged after 1,000
impressions, action pause in dry run (the log is written, no TikTok call).

Timed, ``--repeats`` times: the product's cycle (the due rules found, their evaluations made,
each decision logged, in the transactions a worker would use), against the reference: for each
rule, one ``GROUP BY … HAVING`` of the same conditions over the same local days, run by the
bare driver. Printed: medians and the ratio reference / product (aim ≥ 0.5).

Latency: a worker thread runs (ticks every ``--tick`` seconds); a rule "every 1 minute" is
enabled on one campaign; its rows change so that the rule holds; the time until the action's
log row appears (median of ``--samples``; aim < 60 s, against TikTok's 30 minutes).

    python bench/rules.py [--full] [--objects N] [--rules N] [--repeats 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from _common import Table, peak_rss_mib, timed, verdict
from campaign_list import ZONES, _report_rows_sql, database
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import (
    CampaignAllocation,
    ClientAccount,
    ClientAdvertiser,
    Job,
    Rule,
    RuleDecision,
    TikTokAdAccount,
    TikTokCampaign,
    TikTokReportRow,
    Workspace,
)
from promodesk.rules.service import evaluation
from promodesk.rules.service import rules as rules_service
from promodesk.rules.settings import rules_settings

DAYS = 90
AIM = 0.5
LAST = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def prepare(db: Database, objects: int, rules: int) -> tuple[int, list[int]]:
    """The data set and the rules; returns (workspace id, advertiser ids)."""
    accounts_n = max(10, objects // 1000)
    with db.transaction() as uow:
        s = uow.session
        ws = Workspace(slug=f"bench-{uuid.uuid4().hex[:8]}", name="bench")
        s.add(ws)
        s.flush()
        s.execute(insert(TikTokAdAccount), [
            {"workspace_id": ws.id, "advertiser_id": str(7_000_000 + n), "name": f"Account {n}",
             "currency": "USD", "timezone": ZONES[n % len(ZONES)], "status": "STATUS_ENABLE",
             "raw": {}} for n in range(accounts_n)
        ])  # fmt: skip
        accounts = list(
            s.scalars(
                select(TikTokAdAccount.id)
                .where(TikTokAdAccount.workspace_id == ws.id)
                .order_by(TikTokAdAccount.id)
            )
        )
        client = ClientAccount(workspace_id=ws.id, name="Agency client")
        s.add(client)
        s.flush()
        s.execute(insert(ClientAdvertiser), [
            {"workspace_id": ws.id, "client_account_id": client.id, "name": f"Brand {n}"}
            for n in range(rules)
        ])  # fmt: skip
        advertisers = list(
            s.scalars(
                select(ClientAdvertiser.id)
                .where(ClientAdvertiser.workspace_id == ws.id)
                .order_by(ClientAdvertiser.id)
            )
        )
        for part in range(0, objects, 10_000):
            s.execute(insert(TikTokCampaign), [
                {"workspace_id": ws.id, "ad_account_id": accounts[n % accounts_n],
                 "campaign_id": str(1_800_000_000 + n), "name": f"Campaign {n:06d}",
                 "operation_status": "ENABLE", "secondary_status": "CAMPAIGN_STATUS_ENABLE",
                 "objective_type": "TRAFFIC", "budget_mode": "BUDGET_MODE_DAY",
                 "budget_minor": 10_000 + n % 500 * 100, "raw": {}}
                for n in range(part, min(objects, part + 10_000))
            ])  # fmt: skip
        rows = s.execute(
            select(TikTokCampaign.id, TikTokCampaign.ad_account_id)
            .where(TikTokCampaign.workspace_id == ws.id)
            .order_by(TikTokCampaign.id)
        ).all()
        allocs = [
            {"workspace_id": ws.id, "campaign_row_id": row_id, "ad_account_id": account,
             "client_account_id": client.id, "advertiser_id": advertisers[n % rules]}
            for n, (row_id, account) in enumerate(rows)
        ]  # fmt: skip
        for part in range(0, len(allocs), 10_000):
            s.execute(insert(CampaignAllocation), allocs[part : part + 10_000])
        ws_id = ws.id
    first = (LAST.date() - timedelta(days=DAYS - 1)).isoformat()
    values = {"ws": ws_id, "first": first, "last": DAYS - 1, "synced": LAST.replace(tzinfo=None)}
    if db.url.startswith("sqlite"):
        conn = sqlite3.connect(db.url.removeprefix("sqlite:///"))
        with conn:
            conn.execute(_report_rows_sql(False), {**values, "synced": str(values["synced"])})
        conn.execute("ANALYZE")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db.url.replace("+psycopg", "")) as conn:
            conn.execute(_report_rows_sql(True), values)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
    with db.transaction() as uow:
        for k, adv in enumerate(advertisers):
            rules_service.create_rule(
                uow, ws_id, name=f"Rule {k}", definition_raw=definition(k, adv), enabled=True
            )
    return ws_id, advertisers


def definition(k: int, advertiser: int) -> dict[str, Any]:
    spend = 150 + (k % 10) * 50  # major units over the lookback
    return {
        "scope": {"channel": "tiktok_campaign", "owner_ids": [advertiser]},
        "conditions": {
            "op": "or",
            "items": [
                {
                    "op": "and",
                    "items": [
                        {"metric": "spend", "cmp": ">", "value": str(spend)},
                        {"metric": "cost_per_result", "cmp": ">", "value": "4"},
                    ],
                },
                {"metric": "ctr", "cmp": "<", "value": "0.5"},
            ],
        },
        "action": {"kind": "pause"},
        "lookback_days": 30 if k % 4 == 0 else 7,
        "minimum": {"impressions": 1000},
        "guardrails": {"dry_run": True, "max_actions": 1000, "cooldown_minutes": 0},
    }


def cycle(db: Database, ws: int, due: datetime) -> tuple[float, float, int]:
    """Make every rule due at ``due``, then tick and evaluate as the workers would; returns
    (seconds, CPU seconds of this process, evaluations made)."""
    with db.transaction() as uow:
        uow.session.execute(update(Rule).where(Rule.workspace_id == ws).values(next_due_at=due))
    start, cpu = time.perf_counter(), time.process_time()
    with db.transaction() as uow:
        evaluation.tick(uow, now=due, workspace_id=ws)
        jobs = uow.session.scalars(
            select(Job.payload).where(
                Job.workspace_id == ws,
                Job.name == evaluation.EVALUATE_JOB,
                Job.status == "queued",
            )
        ).all()
    made = 0
    for payload in jobs:
        with db.transaction() as uow:
            made += len(
                evaluation.evaluate_due(
                    uow,
                    ws,
                    datetime.fromisoformat(payload["due_at"]),
                    payload["rule_ids"],
                    now=LAST,
                )
            )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with db.transaction() as uow:
        uow.session.execute(
            update(Job).where(Job.workspace_id == ws, Job.status == "queued").values(status="done")
        )
    return seconds, cpu, made


def profiled(db: Database, ws: int, due: datetime) -> None:
    """One cycle under cProfile (CPU time): the product's own functions by time spent."""
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)
    profile.runcall(cycle, db, ws, due)
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def bare(db: Database, ws: int, advertisers: list[int]) -> tuple[float, float]:
    """Every rule's conditions as one GROUP BY … HAVING by the bare driver; (seconds, CPU
    seconds of this process)."""
    postgres = not db.url.startswith("sqlite")
    ph = "%s" if postgres else "?"
    tzs = ZONES
    if postgres:
        import psycopg

        conn: Any = psycopg.connect(db.url.replace("+psycopg", ""), autocommit=True)
    else:
        conn = sqlite3.connect(db.url.removeprefix("sqlite:///"))

    def windows(days: int) -> tuple[str, list[str]]:
        parts, params = [], []
        for z in tzs:
            last = LAST.astimezone(ZoneInfo(z)).date()
            parts.append(f"(r.time_zone = {ph} AND r.stat_time >= {ph} AND r.stat_time <= {ph})")
            params += [z, (last - timedelta(days=days - 1)).isoformat(), last.isoformat()]
        return " OR ".join(parts), params

    start, cpu = time.perf_counter(), time.process_time()
    cur = conn.cursor()
    for k, adv in enumerate(advertisers):
        d = definition(k, adv)
        spend = d["conditions"]["items"][0]["items"][0]["value"]
        where, params = windows(d["lookback_days"])
        sql = f"""
            SELECT c.id, SUM(r.spend_minor), SUM(r.impressions), SUM(r.clicks),
                   SUM(r.conversions)
            FROM tiktok_campaigns c
            JOIN campaign_allocations al ON al.campaign_row_id = c.id
            JOIN tiktok_report_rows r ON r.ad_account_id = c.ad_account_id
              AND r.campaign_id = c.campaign_id AND r.object_id = c.campaign_id
              AND r.workspace_id = c.workspace_id AND r.level = 'campaign' AND r.grain = 'day'
            WHERE c.workspace_id = {ph} AND al.advertiser_id = {ph} AND ({where})
            GROUP BY c.id
            HAVING SUM(r.impressions) >= 1000 AND (
              (SUM(r.spend_minor) > {ph} * 100 AND SUM(r.conversions) > 0
               AND SUM(r.spend_minor) > 4 * 100 * SUM(r.conversions))
              OR SUM(r.clicks) * 100 < 0.5 * SUM(r.impressions))"""
        cur.execute(sql, [ws, adv, *params, int(spend)])
        cur.fetchall()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    return seconds, cpu


def latency(db: Database, ws: int, tick: float, samples: int) -> list[float]:
    """Seconds from a data change to the action's log row, with a worker thread running."""
    from promodesk.app import load_handlers
    from promodesk.kit.jobs.service import ensure_schedule
    from promodesk.kit.jobs.worker import Worker

    load_handlers()
    with db.transaction() as uow:
        uow.session.execute(update(Rule).where(Rule.workspace_id == ws).values(enabled=False))
        c = uow.session.scalars(
            select(TikTokCampaign).where(TikTokCampaign.workspace_id == ws).limit(1)
        ).one()
        campaign_id, account_id = c.campaign_id, c.ad_account_id
        zone = uow.session.get(TikTokAdAccount, account_id).timezone  # type: ignore[union-attr]
        ensure_schedule(
            uow, f"bench-tick-{ws}", evaluation.TICK_JOB, interval_seconds=tick, workspace_id=ws
        )
    worker = Worker(db, workspace_id=ws, poll_seconds=0.2)
    worker.start()
    out = []
    try:
        for n in range(samples):
            with db.transaction() as uow:
                rule = rules_service.create_rule(
                    uow,
                    ws,
                    name=f"Latency {n}",
                    definition_raw={
                        "scope": {"channel": "tiktok_campaign", "object_ids": [campaign_id]},
                        "conditions": {
                            "op": "and",
                            "items": [
                                {"metric": "spend", "cmp": ">", "value": str(n * 10**10 + 10**9)}
                            ],
                        },
                        "action": {"kind": "notify"},
                        "lookback_days": 1 + n,
                    },
                    schedule={"kind": "every", "every_minutes": 1},
                    enabled=True,
                )
                rule_id = rule.id
            time.sleep(5 + (17 * n) % 40)  # a data change at some moment of the minute
            changed = time.perf_counter()
            with db.transaction() as uow:  # a new day's row arrives, as a report sync writes it
                uow.session.add(
                    TikTokReportRow(
                        workspace_id=ws, ad_account_id=account_id, level="campaign",
                        grain="day", object_id=campaign_id, campaign_id=campaign_id,
                        stat_time=(datetime.now(ZoneInfo(zone)).date() - timedelta(days=n))
                        .isoformat(),
                        time_zone=zone, currency="USD", spend_minor=10**12, impressions=1,
                    )
                )  # fmt: skip
            while True:
                with db.read() as uow:
                    seen = uow.session.scalar(
                        select(RuleDecision.id).where(RuleDecision.rule_id == rule_id).limit(1)
                    )
                if seen is not None:
                    break
                time.sleep(0.2)
            out.append(time.perf_counter() - changed)
            with db.transaction() as uow:
                rules_service.set_enabled(uow, ws, rule_id, False)
    finally:
        worker.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="100,000 objects, 1,000 rules")
    parser.add_argument("--objects", type=int, default=None)
    parser.add_argument("--rules", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--tick", type=float, default=rules_settings().tick_seconds)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="then profile one more cycle (CPU time)"
    )
    args = parser.parse_args()
    objects = args.objects or (100_000 if args.full else 10_000)
    rules = args.rules or (1_000 if args.full else 100)
    samples = args.samples or (3 if args.full else 1)
    engines = [
        e for e, off in (("sqlite", args.no_sqlite), ("postgres", args.no_postgres)) if not off
    ]
    for engine in engines:
        with database(engine == "postgres") as db:
            with timed() as load:
                ws, advertisers = prepare(db, objects, rules)
            previous = clock.set_clock(clock.FrozenClock(LAST))
            try:
                cycle(db, ws, LAST)  # warm, off the record
                ours, refs, made = [], [], 0
                cpus: tuple[list[float], list[float]] = ([], [])
                for r in range(args.repeats):
                    seconds, cpu, made = cycle(db, ws, LAST + timedelta(minutes=r + 1))
                    ours.append(seconds)
                    cpus[0].append(cpu)
                    seconds, cpu = bare(db, ws, advertisers)
                    refs.append(seconds)
                    cpus[1].append(cpu)
                if args.profile:
                    profiled(db, ws, LAST + timedelta(minutes=args.repeats + 1))
            finally:
                clock.set_clock(previous)
            waits = [] if args.no_latency else latency(db, ws, args.tick, samples)
        product, reference = statistics.median(ours), statistics.median(refs)
        ratio = reference / product if product else float("inf")
        t = Table(
            f"rules, {engine}: {rules:,} rules over {objects:,} campaigns × {DAYS} days "
            f"({objects * DAYS:,} report rows)"
        )
        t.add("data load", f"{load.seconds:.1f} s", "off the clock")
        t.add(
            "evaluation cycle (product)",
            f"{product:.2f} s",
            f"median of {len(ours)}; "
            f"{made} evaluations, {product / max(1, made) * 1000:.1f} ms each",
        )
        t.add("bare SQL aggregate", f"{reference:.2f} s", "same conditions, GROUP BY … HAVING")
        t.add("ratio reference / product", f"{ratio:.2f}", verdict(ratio, AIM))
        # CPU of this process: the steadier figure on a shared machine (on SQLite it includes
        # the database's own work; on PostgreSQL the server's is not in it)
        t.add(
            "CPU: product / bare (this process)",
            f"{statistics.median(cpus[0]):.2f} s / {statistics.median(cpus[1]):.2f} s",
            "medians; " + ("with SQLite's own work" if engine == "sqlite" else "client only"),
        )
        if waits:
            t.add(
                "data change → action",
                f"{statistics.median(waits):.1f} s",
                f"median of {len(waits)}; rule every 1 min, tick {args.tick:g} s; aim < 60 s",
            )
        t.add("peak memory", f"{peak_rss_mib():.0f} MiB")
        t.print()


if __name__ == "__main__":
    main()
