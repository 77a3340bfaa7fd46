"""What an Idempotency-Key costs a write through the HTTP API, against the same write without one.

Since a key's outcome commits in the same transaction as the work (``kit/idempotency``), a keyed
request claims its key (one transaction before the work) and writes the stored response inside
the work's transaction (one more statement). This measures that price on the real server
(``promodesk serve --no-worker``, its own database) with one keep-alive httpx client, posting
``POST /api/v1/promote/creators`` (one row and an audit row per request):

- plain: no key. The reference.
- keyed: a fresh key per request.  ratio = keyed requests/s / plain requests/s (aim >= 0.6).
- replay: the keyed round's keys sent again; answered from the store without running the work.
  ratio = replay / plain (no aim; a replay should cost less than the work).

It also times the event-loop guard that every database statement passes
(``kit.loopguard.forbid_on_event_loop``) against an empty call, in this process.

Rounds alternate the modes so a busy machine moves all of them; the medians are quoted.

    python bench/api_idempotency.py [--requests 1000] [--rounds 3] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import timeit
import uuid
from pathlib import Path

import httpx

from _common import Table, fmt_rate, rate, timed, verdict
from promodesk.kit.loopguard import forbid_on_event_loop
from promote_delivery import Server, pg_database, prepare, start_product

PATH = "/api/v1/promote/creators"
AIM_KEYED = 0.6


def _body(tag: str) -> dict[str, str]:
    return {
        "handle": f"b{tag}",
        "birth_date": "1990-01-01",
        "account_type": "business",
        "device_os": "android",
        "app_version": "21.0",
        "region": "US",
    }


Sent = list[tuple[str, dict[str, str]]]


def _post_round(
    server: Server, count: int, keyed: bool, again: Sent | None = None
) -> tuple[float, Sent]:
    """Post ``count`` creators (``keyed``: a fresh key each), or send ``again`` the same keys
    and bodies. Returns the seconds and what was sent."""
    run = uuid.uuid4().hex[:10]
    sent: Sent = again or [
        (uuid.uuid4().hex if keyed else "", _body(f"{run}{n}")) for n in range(count)
    ]
    expected = {200, 201}
    with httpx.Client(base_url=server.base_url, timeout=120.0, trust_env=False) as client:
        client.get("/healthz")  # the connection is open before the clock starts
        with timed() as t:
            for key, body in sent:
                headers = dict(server.headers)
                if key:
                    headers["Idempotency-Key"] = key
                response = client.post(PATH, json=body, headers=headers)
                if response.status_code not in expected:
                    raise SystemExit(f"{PATH} answered {response.status_code}: {response.text}")
    return t.seconds, sent


def run_backend(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    setup = prepare(url, data_dir, 0)
    plain: list[float] = []
    keyed: list[float] = []
    replay: list[float] = []
    with start_product(setup) as server:
        _post_round(server, min(100, args.requests), False)  # warm-up
        for round_no in range(args.rounds):
            order = ["plain", "keyed"] if round_no % 2 == 0 else ["keyed", "plain"]
            for mode in order:
                if mode == "plain":
                    seconds, _ = _post_round(server, args.requests, False)
                    plain.append(rate(args.requests, seconds))
                else:
                    seconds, sent = _post_round(server, args.requests, True)
                    keyed.append(rate(args.requests, seconds))
                    seconds, _ = _post_round(server, args.requests, True, sent)
                    replay.append(rate(args.requests, seconds))
    p, k, r = (statistics.median(x) for x in (plain, keyed, replay))
    t = Table(f"{label}: {args.requests:,} POST {PATH} per round, median of {args.rounds} rounds")
    t.add("plain (reference)", fmt_rate(p, "req"), ", ".join(f"{x:,.0f}" for x in plain))
    t.add("keyed", fmt_rate(k, "req"), f"ratio {k / p:.2f}  {verdict(k / p, AIM_KEYED)}")
    t.add("replay of those keys", fmt_rate(r, "req"), f"ratio {r / p:.2f}")
    t.print()


def guard_cost() -> None:
    def empty(_what: str) -> None:
        return None

    n = 1_000_000
    guard = min(timeit.repeat(lambda: forbid_on_event_loop("x"), number=n, repeat=5)) / n
    bare = min(timeit.repeat(lambda: empty("x"), number=n, repeat=5)) / n
    t = Table("event-loop guard per database statement (best of 5 x 1,000,000 calls)")
    t.add("forbid_on_event_loop", f"{guard * 1e9:,.0f} ns", f"empty call {bare * 1e9:,.0f} ns")
    t.print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="200 requests, 3 rounds")
    args = parser.parse_args()
    if args.quick:
        args.requests = 200
    guard_cost()
    with tempfile.TemporaryDirectory(prefix="pd-bench-idem-") as tmp:
        run_backend("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), args)
    if args.postgres:
        with pg_database() as url, tempfile.TemporaryDirectory(prefix="pd-bench-idem-") as tmp:
            if url:
                run_backend("PostgreSQL", url, Path(tmp), args)


if __name__ == "__main__":
    main()
