"""What one report page costs the local sandbox: ``report/integrated/get/`` pages of 1,000 daily
rows of one ad account (campaigns, ad groups, ads) over a 30-day window, with a history of
``--history`` days behind it, through the sandbox's ASGI app in this process (no rate limit).

Printed per level: the first page of a window (it computes the window), the median and p95 of
every page, and the reference measured in the same run: the same page's rows, already
computed, made into the wire's JSON (what any server answering that page must at least do).
Ratio = reference median / page median (1.0: the spend model costs nothing on top). Beside the
wall time, the CPU time of this process per page (the sandbox and the test client's thread):
on a machine shared with other work, the figure that does not move with its load.

    python bench/sandbox_report.py                       # 1,000 of each, 95 days of history
    python bench/sandbox_report.py --history 400 --campaigns 2000
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from starlette.testclient import TestClient

from _common import Table, peak_rss_mib
from promodesk.sandbox import Sandbox, SandboxConfig, create_sandbox_app
from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET

API = "/open_api/v1.3/"
LEVELS = ("AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD")
METRICS = ["spend", "impressions", "clicks", "conversion", "video_play_actions", "reach"]


def token(client: TestClient) -> tuple[str, str]:
    answer = client.post(
        "/portal/auth/approve",
        data={"app_id": DEFAULT_APP_ID, "redirect_uri": "http://bench.invalid/cb", "state": "b"},
        follow_redirects=False,
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["auth_code"][0]
    body = client.post(
        f"{API}oauth2/access_token/",
        json={"app_id": DEFAULT_APP_ID, "secret": DEFAULT_SECRET, "auth_code": code},
    ).json()
    return body["data"]["access_token"], body["data"]["advertiser_ids"][0]


def params(level: str, advertiser: str, since: date, until: date, page: int) -> dict[str, Any]:
    id_dim = level.removeprefix("AUCTION_").lower() + "_id"
    status = id_dim.removesuffix("_id") + "_status"
    metrics = METRICS + ([] if level == "AUCTION_CAMPAIGN" else ["campaign_id"])
    return {
        "advertiser_id": advertiser,
        "report_type": "BASIC",
        "data_level": level,
        "dimensions": msgspec.json.encode([id_dim, "stat_time_day"]).decode(),
        "metrics": msgspec.json.encode(metrics).decode(),
        "start_date": since.isoformat(),
        "end_date": until.isoformat(),
        "filtering": msgspec.json.encode(
            [{"field_name": status, "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}]
        ).decode(),
        "page": page,
        "page_size": 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--history", type=int, default=95, help="days since the campaigns began")
    parser.add_argument("--windows", type=int, default=3, help="30-day windows per level")
    args = parser.parse_args()
    now = datetime.now(UTC)
    config = SandboxConfig(
        accounts=1,
        campaigns=args.campaigns,
        adgroups=args.campaigns,
        ads=args.campaigns,
        audiences=0,
        rate_limit=False,
        epoch=now - timedelta(days=args.history),
    )
    app = create_sandbox_app(Sandbox(config, inline=True))
    encoder = msgspec.json.Encoder(decimal_format="number")
    with TestClient(app) as client:
        access, advertiser = token(client)
        headers = {"Access-Token": access}
        today = now.astimezone(UTC).date()
        table = Table(
            f"sandbox report pages: 1 ad account x {args.campaigns:,} campaigns, ad groups and "
            f"ads, {args.history} days of history, {args.windows} windows of 30 days per level"
        )
        everything: list[float] = []
        all_cpus: list[float] = []
        for level in LEVELS:
            firsts, pages, refs, cpus = [], [], [], []
            for w in range(args.windows):
                until = today - timedelta(days=30 * w)
                since = until - timedelta(days=29)
                page, total = 1, 1
                while page <= total:
                    started, cpu = time.perf_counter(), time.process_time()
                    answer = client.get(
                        f"{API}report/integrated/get/",
                        params=params(level, advertiser, since, until, page),
                        headers=headers,
                    )
                    took = time.perf_counter() - started
                    cpus.append(time.process_time() - cpu)
                    body = answer.json()
                    if body["code"] != 0:
                        raise SystemExit(f"report refused: {body}")
                    total = int(body["data"]["page_info"]["total_page"])
                    (firsts if page == 1 else pages).append(took)
                    # The reference: the same answer, computed already, made into bytes and
                    # carried over the same in-process transport.
                    started = time.perf_counter()
                    encoder.encode(body)
                    refs.append(time.perf_counter() - started)
                    page += 1
            every = firsts + pages
            everything += every
            median = statistics.median(every)
            table.add(
                f"{level}: first page of a window",
                f"{statistics.median(firsts) * 1000:,.1f} ms",
                f"median of {len(firsts)}",
            )
            table.add(
                f"{level}: every page",
                f"{median * 1000:,.1f} ms",
                f"median of {len(every)}; p95 {quantile(every, 0.95) * 1000:,.1f} ms",
            )
            table.add(
                f"{level}: CPU per page",
                f"{statistics.median(cpus) * 1000:,.1f} ms",
                f"median; p95 {quantile(cpus, 0.95) * 1000:,.1f} ms; "
                f"first pages {sum(sorted(cpus)[-args.windows :]) * 1000:,.0f} ms together",
            )
            all_cpus += cpus
            ref = statistics.median(refs)
            table.add(
                f"{level}: reference (encode the page)",
                f"{ref * 1000:,.2f} ms",
                f"ratio reference / page {ref / median:.2f}",
            )
        table.add(
            "all pages",
            f"{statistics.median(everything) * 1000:,.1f} ms",
            f"median of {len(everything)}; aim well within 100 ms",
        )
        table.add("all pages, CPU", f"{statistics.median(all_cpus) * 1000:,.1f} ms", "median")
        table.add("peak RSS", f"{peak_rss_mib():,.0f} MiB")
        table.print()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
