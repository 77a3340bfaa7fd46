"""A ``promodesk worker`` process is SIGKILLed in the middle of a 10,000-item cancel of a linked
shop, while it removes the products from the platform (the shop sandbox over real HTTP, at its
rate limit). A second worker finishes it, and:

- every (activity, product) pair was removed on the platform exactly once, and named in one
  removal call only (counted in the sandbox, per call);
- every activity the cancel emptied is deactivated on the platform through a verified intent of
  its own, and no other activity was touched: no empty "zombie" activity left online, none
  deactivated without a record; the mirror shows what the platform shows;
- every write intent is settled (verified), each removal call at most 300 ids.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

import promodesk.shop.jobs  # noqa: F401  (registers the platform handlers)
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Job, ShopActivity, ShopEnrollment, ShopPlatformIntent
from promodesk.settings import get_settings
from promodesk.shop.service import batches
from promodesk.shop.service.platform_sync import steps
from promodesk.shop_sandbox.app import endpoints
from promodesk.shop_sandbox.context import Call
from tests.api_support import new_workspace
from tests.conftest import own_database
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.shop_platform_support import link_shop, sandbox_platform
from tests.shop_sandbox_support import ShopSandboxHandle

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CANCELLED, PER_ACTIVITY = 25, 400  # 10,000 items: two removal calls (300 + 100) per activity
UNTOUCHED = 1  # one more activity the cancel does not name
WAIT_LIMIT = 900.0  # a bound so a broken build fails instead of hanging; not a speed check
REMOVE_TEMPLATE = "/promotion/202309/activities/{activity_id}/products"


@pytest.fixture
def kill_db() -> Iterator[Database]:
    with own_database("postgres", "pd_platkill") as db:
        yield db


class Removals:
    """Counts, per (activity, product), the removal calls that named it and those that took it
    out of the activity (it was there before the call)."""

    def __init__(self) -> None:
        self.named: Counter[tuple[str, str]] = Counter()
        self.applied: Counter[tuple[str, str]] = Counter()
        self.calls: list[int] = []

    def wrap(self, handler: Callable[[Call], dict[str, Any]]) -> Callable[[Call], Any]:
        def counting(call: Call) -> dict[str, Any]:
            activity_id = call.ids["activity_id"]
            named = [str(p) for p in call.body.values.get("product_ids") or []]
            with call.world.lock:
                activity = call.world.activities.get(activity_id)
                present = set(activity.products) if activity is not None else set()
                answer = handler(call)
                after = set(activity.products) if activity is not None else set()
            self.calls.append(len(named))
            for pid in named:
                self.named[(activity_id, pid)] += 1
                if pid in present and pid not in after:
                    self.applied[(activity_id, pid)] += 1
            return answer

        return counting


@pytest.fixture
def removals(monkeypatch: pytest.MonkeyPatch) -> Removals:
    counter = Removals()
    patterns = [
        (dataclasses.replace(e, handler=counter.wrap(e.handler)), p)
        if e.template == REMOVE_TEMPLATE and e.method == "DELETE"
        else (e, p)
        for e, p in endpoints._PATTERNS
    ]
    monkeypatch.setattr(endpoints, "_PATTERNS", patterns)
    return counter


def _worker(
    db: Database, sb: ShopSandboxHandle, tmp_path: Path, log: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PROMODESK_DATABASE_URL": db.url,
        "PROMODESK_DATA_DIR": str(tmp_path),
        # The tokens of the link were encrypted with this process's key.
        "PROMODESK_SECRET_KEY": get_settings().ensure_secret_key(),
        "PROMODESK_JOB_LEASE_SECONDS": "3",
        "PROMODESK_JOB_POLL_SECONDS": "0.1",
        "PROMODESK_JOB_BACKOFF_BASE_SECONDS": "0.2",
        "PROMODESK_SHOP_BATCH_CHUNK_SIZE": "500",
        "PROMODESK_SHOP_PLATFORM_BASE_URL": sb.base_url,
        "PROMODESK_SHOP_PLATFORM_AUTH_URL": "",
        "PROMODESK_SHOP_PLATFORM_APP_KEY": sb.app_key,
        "PROMODESK_SHOP_PLATFORM_APP_SECRET": sb.app_secret,
        "PROMODESK_SHOP_PLATFORM_BACKOFF_INITIAL_SECONDS": "0.05",
        "PROMODESK_SHOP_PLATFORM_BACKOFF_MAX_SECONDS": "0.5",
        "PROMODESK_LOG_LEVEL": "WARNING",
    }
    with open(tmp_path / log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "promodesk.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _intents(db: Database, workspace_id: int) -> Counter[tuple[str, str]]:
    """(action, status) → count of the workspace's intents."""
    with db.read() as uow:
        rows = uow.session.execute(
            select(ShopPlatformIntent.action, ShopPlatformIntent.status, func.count())
            .where(ShopPlatformIntent.workspace_id == workspace_id)
            .group_by(ShopPlatformIntent.action, ShopPlatformIntent.status)
        ).all()
    return Counter({(a, s): int(n) for a, s, n in rows})


def _sync_to_the_end(db: Database, ws: int) -> None:
    """Run the workspace's jobs until none is left queued or running, a job put a little later
    included: ``drain`` stops as soon as nothing is due now (once, in a long run on a busy
    machine, the set-up found 8,800 of the 10,000 enrollments mirrored)."""
    for _ in range(100):
        drain(db, ws, rounds=5000)
        with db.read() as uow:
            later = uow.session.execute(
                select(func.min(Job.run_at)).where(
                    Job.workspace_id == ws, Job.status.in_(["queued", "running"])
                )
            ).scalar_one()
        if later is None:
            return
        time.sleep(min(5.0, max(0.1, (clock.ensure_utc(later) - clock.now()).total_seconds())))
    raise AssertionError("the sync did not finish")


def _linked_cancel(db: Database, sb: ShopSandboxHandle) -> tuple[int, int, list[str]]:
    """A linked, synced shop and a started 10,000-item cancel batch of ``CANCELLED`` of its
    activities: (workspace, batch, the platform ids of the cancelled activities)."""
    ws = new_workspace(db, "platkill").id
    with db.transaction() as uow:
        shop_id = f.shop(uow, ws).id
    link_shop(db, ws, shop_id, sb)
    with db.transaction() as uow:
        steps.start_sync(uow, ws, shop_id, actor="test")
    _sync_to_the_end(db, ws)
    with db.transaction() as uow:
        rows = list(
            uow.session.execute(
                select(ShopActivity).where(ShopActivity.platform_shop_id == shop_id)
            ).scalars()
        )
        assert len(rows) == CANCELLED + UNTOUCHED
        chosen = sorted(rows, key=lambda a: a.id)[:CANCELLED]
        ids = [a.id for a in chosen]
        # The guardrails allow cancelling every product of these activities.
        uow.session.execute(
            update(ShopActivity)
            .where(ShopActivity.id.in_(ids))
            .values(min_products_per_shop=0, max_cancel_percent=100)
        )
        enrollments = list(
            uow.session.execute(
                select(ShopEnrollment.id)
                .where(ShopEnrollment.activity_id.in_(ids), ShopEnrollment.state == "live")
                .order_by(ShopEnrollment.id)
            ).scalars()
        )
        assert len(enrollments) == CANCELLED * PER_ACTIVITY
        batch = batches.start_batch(
            uow, ws, enrollment_ids=enrollments, reason="plan_change", actor="test", role="admin"
        )
        return ws, batch.id, [str(a.platform_activity_id) for a in chosen]


def test_killed_worker_mid_platform_cancel_removes_each_item_once(
    kill_db: Database, removals: Removals, tmp_path: Path
) -> None:
    db = kill_db
    knobs = {"activity_status": "ONGOING", "rate_limit": False}
    with sandbox_platform(
        shops=1,
        products=CANCELLED * PER_ACTIVITY + 50,
        activities=CANCELLED + UNTOUCHED,
        enrollments=PER_ACTIVITY,
        coupons=0,
        **knobs,
    ) as sb:
        ws, batch_id, cancelled = _linked_cancel(db, sb)
        world = sb.sandbox.world
        wanted = {(a, p) for a in cancelled for p in world.activities[a].products}
        assert len(wanted) == CANCELLED * PER_ACTIVITY
        sb.update(rate_limit=True)  # the workers work at the shop's limit (10 QPS)
        sb.sandbox.reset_stats()
        removes = CANCELLED * 2

        first = _worker(db, sb, tmp_path, "first.log")
        try:
            # Killed once a quarter of the removal calls are verified: in the middle of the
            # platform's part of the cancel (and maybe of the batch's own chunks: an activity
            # leaves the platform with the chunk that finishes it).
            def quarter() -> bool:
                return _intents(db, ws)[("remove_products", "verified")] >= removes // 4

            assert _wait(quarter), (tmp_path / "first.log").read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
        at_kill = _intents(db, ws)
        settled = at_kill[("remove_products", "verified")]
        assert 0 < settled < removes, at_kill  # it died mid-way

        second = _worker(db, sb, tmp_path, "second.log")
        try:

            def finished() -> bool:
                counts = _intents(db, ws)
                return (
                    counts[("remove_products", "verified")] == removes
                    and counts[("deactivate_activity", "verified")] == CANCELLED
                ) or any(s == "failed" for _, s in counts)

            assert _wait(finished), (tmp_path / "second.log").read_text()
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)
        stats = sb.sandbox.stats()

        # Exactly once on the platform, per (activity, product).
        assert set(removals.applied) == wanted
        assert set(removals.applied.values()) == {1}
        assert set(removals.named) == wanted
        assert set(removals.named.values()) == {1}, "an id was sent again"
        assert max(removals.calls) <= 300
        # Every intent settled; one deactivation per emptied activity, none for another.
        assert _intents(db, ws) == Counter(
            {
                ("remove_products", "verified"): removes,
                ("deactivate_activity", "verified"): CANCELLED,
            }
        )
        now = world.now()
        with db.read() as uow:
            deactivated = set(
                uow.session.execute(
                    select(ShopPlatformIntent.platform_activity_id).where(
                        ShopPlatformIntent.workspace_id == ws,
                        ShopPlatformIntent.action == "deactivate_activity",
                    )
                ).scalars()
            )
            mirrored = dict(
                uow.session.execute(
                    select(ShopActivity.platform_activity_id, ShopActivity.platform_status).where(
                        ShopActivity.workspace_id == ws
                    )
                ).all()
            )
            states = dict(
                uow.session.execute(
                    select(ShopEnrollment.state, func.count())
                    .where(ShopEnrollment.workspace_id == ws)
                    .group_by(ShopEnrollment.state)
                ).all()
            )
        assert deactivated == set(cancelled)
        for activity in world.activities.values():
            status = activity.status(now)
            # No zombie: an activity online has products; one offline was deactivated by us.
            assert activity.products or status not in ("DRAFT", "NOT_START", "ONGOING")
            assert (status == "DEACTIVATED") == (activity.id in deactivated)
            assert mirrored[activity.id] == status
        assert states == {"terminated": CANCELLED * PER_ACTIVITY, "live": UNTOUCHED * PER_ACTIVITY}
        with db.read() as uow:
            batch = batches.get_batch(uow, ws, batch_id)
            assert (batch.status, batch.done, batch.failed) == ("done", len(wanted), 0)
    print(
        f"\nshop platform SIGKILL test: {len(wanted)} items, killed with {settled}/{removes} "
        f"removal calls verified; {len(removals.calls)} removal calls, "
        f"{stats.get('throttled_total')} refused for the rate limit"
    )
