"""A process that takes places of a shared (Redis) limiter, for the shared limiter tests.

    python -m tests.integration.ratelimit_holder REDIS_URL NAMESPACE QPS CALLS THREADS [hold]

Each of ``THREADS`` threads makes ``CALLS`` calls that each hold their place for a short random
time, and the process prints every call's grant and release times (the Redis clock) as JSON.
With ``hold`` as the last argument it takes ``CALLS`` places, prints their grant times, and
never releases them (the test kills it).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time

from promodesk.kit.ratelimit import Limits
from promodesk.kit.ratelimit_redis import RedisRateLimiter, connect


def main(url: str, namespace: str, qps: str, calls: str, threads: str, *mode: str) -> None:
    limiter = RedisRateLimiter(
        connect(url), namespace, Limits(float(qps), 6000), spread=True, hold=True, longest_call=1.0
    )
    if mode == ("hold",):
        grants = [limiter.acquire("/x/").at for _ in range(int(calls))]
        print(json.dumps(grants), flush=True)
        time.sleep(3600)
        return
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(int(calls)):
            grant = limiter.acquire("/x/")
            time.sleep(random.uniform(0.0, 0.05))  # the call in flight
            released = limiter.release("/x/", grant)
            assert released is not None
            with lock:
                spans.append((grant.at, released))

    workers = [threading.Thread(target=work) for _ in range(int(threads))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(json.dumps(spans), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
