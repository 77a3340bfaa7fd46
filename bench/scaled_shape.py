"""The scaled shape under load and faults, against the embedded shape under the same load.

Scaled: 2 ``promodesk serve --no-worker`` processes and 3 ``promodesk worker`` processes on one
PostgreSQL database with Redis (the shared TikTok rate limit), the Marketing API sandbox as a
process of its own (10 QPS / 600 QPM per endpoint), one worker and one API process SIGKILLed at
random moments and started again. Reference, in the same run: one ``promodesk serve`` with its
embedded worker on its own fresh database, the same load, no kills.

The load (``tests/scaled_shape.py``, shared with the reliability test): ``--clients`` threads
for ``--seconds``, each drawing its next call: reads 45 % (order list, an order, a wallet, ad
accounts, shop batches), writes 20 % (place an order or approve one, with Idempotency-Key),
Promote delivery batches 25 % (20 events each), stops 10 %; plus, at the start, a sync of each
ad account and one shop batch cancel (600 items). A client fails over to the other API process
when a connection breaks, resending with the same key.

Printed per endpoint class: answers acknowledged within the load window per second, and the
p50 and p99 latency of the answers (a resent request: its last send); the jobs run (and why
any took more than one attempt); ratio = scaled / reference throughput. Then the rules of the
shape, checked after the jobs drained (every acknowledged write there, every job's effect
once, zero 40100, ledger check): "ok" or the broken ones. Speed is not asserted.

    python bench/scaled_shape.py [--seconds 30] [--clients 4] [--full]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the orchestration is shared with the reliability test

from tests.scaled_shape import CLASSES, REDIS_URL, Outcome, Shape, run  # noqa: E402

from _common import Table  # noqa: E402
from promodesk.kit.migrate import upgrade  # noqa: E402
from promote_delivery import pg_database  # noqa: E402


def one(label: str, shape: Shape) -> Outcome:
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"  [{time.monotonic() - started:6.1f} s] {label}: {message}", flush=True)

    with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp, pg_database() as url:
        if url is None:
            raise SystemExit("PostgreSQL is needed for the scaled shape")
        upgrade(url)
        return run(shape, url, Path(tmp), REDIS_URL, say=say)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="load window (30)")
    parser.add_argument("--clients", type=int, default=4, help="load threads (4)")
    parser.add_argument("--full", action="store_true", help="120 s with 8 clients")
    args = parser.parse_args()
    if args.full:
        args.seconds, args.clients = 120.0, 8
    print(f"load: {args.clients} clients for {args.seconds:.0f} s each run")
    load = Shape(seconds=args.seconds, clients=args.clients)
    reference = one("reference", replace(load, apis=1, workers=0, kills=False))
    scaled = one("scaled", replace(load, apis=2, workers=3, worker_threads=2, kills=True))
    report(scaled, reference)


def report(scaled: Outcome, reference: Outcome) -> None:
    t = Table(
        "per class: acknowledged answers/s, p50 / p99 latency "
        "(scaled: 2 API + 3 worker processes, kills; reference: 1 serve, embedded worker)"
    )
    for cls in CLASSES:
        ratio = scaled.throughput(cls) / reference.throughput(cls)
        t.add(
            f"{cls} scaled",
            f"{scaled.throughput(cls):,.1f} /s",
            f"p50 {ms(scaled.median(cls))}, p99 {ms(scaled.percentile(cls, 0.99))}; "
            f"ratio to reference {ratio:.2f}",
        )
        t.add(
            f"{cls} reference",
            f"{reference.throughput(cls):,.1f} /s",
            f"p50 {ms(reference.median(cls))}, p99 {ms(reference.percentile(cls, 0.99))}",
        )
    both = scaled.throughput(), reference.throughput()
    t.add("all scaled", f"{both[0]:,.1f} /s", f"ratio to reference {both[0] / both[1]:.2f}")
    t.add("all reference", f"{both[1]:,.1f} /s")
    t.add(
        "jobs drained after the load",
        f"scaled {scaled.drain_seconds:,.1f} s",
        f"reference {reference.drain_seconds:,.1f} s; ratio "
        f"{reference.drain_seconds / max(scaled.drain_seconds, 0.001):.2f} (reference / scaled)",
    )
    t.print()

    for label, o in (("scaled", scaled), ("reference", reference)):
        jobs = Table(f"{label}: jobs and faults")
        done: Counter[str] = Counter({n: c.get("done", 0) for n, c in o.jobs.items()})
        for name, n in sorted(done.items()):
            if n:
                jobs.add(name, f"{n:,} done")
        other = {f"{n}:{s}": c for n, st in o.jobs.items() for s, c in st.items() if s != "done"}
        jobs.add("not done", ", ".join(f"{k} {v}" for k, v in sorted(other.items())) or "none")
        jobs.add("more than one attempt", f"{o.retried_jobs:,}")
        for reason, n in o.retry_reasons.most_common(4):
            jobs.add("", f"{n:,}", reason)
        for kill in o.kills:
            jobs.add(
                f"SIGKILL {kill.what}",
                f"at {kill.at:.1f} s",
                f"held {kill.held_jobs} jobs; answering again {kill.restart_seconds:.0f} s "
                "after its restart",
            )
        jobs.add("requests resent", f"{sum(o.records.retries.values()):,}", "failover or 503/409")
        jobs.add("sandbox calls", f"{o.sandbox.get('requests_total', 0):,}",
                 f"40100 answers: {o.sandbox.get('throttled_total')}")  # fmt: skip
        jobs.add("drain after the load", f"{o.drain_seconds:.1f} s")
        jobs.add("rules of the shape", "ok" if not o.problems else "BROKEN")
        for problem in o.problems:
            jobs.add("", "", problem[:300])
        jobs.print()


if __name__ == "__main__":
    main()
