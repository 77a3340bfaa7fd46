"""Report sync against the sandbox over real HTTP, on SQLite and PostgreSQL: the first sync
stores daily and hourly rows of every level with exact spend, deleted objects included, in the
account's zone; a later sync picks up late conversions and finalizes the days past the window;
the durable job runs it in steps, and a successful entity sync starts it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import promodesk.campaigns.jobs  # noqa: F401 - registers the report sync's handlers
from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.accounts.tiktok import client as tiktok_port
from promodesk.campaigns.service.report_sync import progress as sync_progress
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.campaigns.service.report_sync import write as sync_write
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job, TikTokReportRow, TikTokReportSync
from promodesk.operations import service as operations
from promodesk.sandbox import generate as gen
from promodesk.sandbox.spend.model import SpendModel
from promodesk.sandbox.world.status import DELETED
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.conftest import make_workspace
from tests.integration.tiktok_client_support import make_client
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
HISTORY = 40  # days of spend before NOW


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pages of 7 rows, so that windows span several pages and steps."""
    monkeypatch.setenv("PROMODESK_ACCOUNTS_REPORT_PAGE_SIZE", "7")
    campaigns_settings.cache_clear()
    yield
    monkeypatch.delenv("PROMODESK_ACCOUNTS_REPORT_PAGE_SIZE")
    campaigns_settings.cache_clear()


@pytest.fixture
def sb(frozen: clock.FrozenClock) -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=2,
        campaigns=6,
        adgroups=9,
        ads=14,
        audiences=0,
        deleted_percent=40,
        epoch=NOW - timedelta(days=HISTORY),
        rate_limit=False,
    ) as handle:
        yield handle


def _imported(db: Database, sb: SandboxHandle) -> tuple[int, list[int]]:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        result = imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
        ids = [a.id for a in result.accounts]
    for account_id in ids:  # the entities first: campaign create times, zone and currency
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace_id, account_id).id
        while True:
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=50):
                    break
    return workspace_id, ids


def _sync(db: Database, workspace_id: int, account_id: int) -> int:
    with db.transaction() as uow:
        state = sync_start.start(uow, workspace_id, account_id, actor="tester")
        op_id = int(state.last_operation_id or 0)
    sync_write.run(db, op_id, max_pages=2)
    return op_id


def _rows(db: Database, account_id: int) -> list[TikTokReportRow]:
    with db.transaction() as uow:
        rows = list(
            uow.session.scalars(
                select(TikTokReportRow).where(TikTokReportRow.ad_account_id == account_id)
            )
        )
        uow.session.expunge_all()
        return rows


def _expected_days(sb: SandboxHandle, account: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(campaign id, day) -> (spend in hundredths, conversions) as the sandbox has them now."""
    world = sb.sandbox.world
    model = SpendModel(world, account)
    today = model.now.astimezone(model.zone).date()
    out = {}
    for index in range(world.size("campaign", account)):
        day = today - timedelta(days=HISTORY + 1)
        while day <= today:
            spend = model.campaign_day(index, day)
            if spend:
                counts = model.counts(index, spend, day)
                out[(gen.entity_id("campaign", account, index), day.isoformat())] = (
                    spend,
                    counts.conversion,
                )
            day += timedelta(days=1)
    return out


def _delete_a_spender(sb: SandboxHandle, frozen: clock.FrozenClock, account: int) -> str:
    """Delete a campaign that spent, five days ago: its history must stay in the store."""
    early = (NOW - timedelta(days=6)).astimezone(UTC).date().isoformat()
    spender = min(cid for cid, day in _expected_days(sb, account) if day < early)
    frozen.set(NOW - timedelta(days=5))
    try:
        answer = httpx.post(
            sb.api("campaign/status/update/"),
            json={
                "advertiser_id": sb.advertiser_ids[account],
                "campaign_ids": [spender],
                "operation_status": "DELETE",
            },
            headers={"Access-Token": sb.access_token()},
        ).json()
        assert answer["code"] == 0, answer
    finally:
        frozen.set(NOW)
    return spender


def test_first_sync_stores_every_level_exactly(
    db: Database, sb: SandboxHandle, frozen: clock.FrozenClock
) -> None:
    deleted_spender = _delete_a_spender(sb, frozen, 0)
    with wired(sb, page_size=7):
        workspace_id, accounts = _imported(db, sb)
        op_id = _sync(db, workspace_id, accounts[0])
    world = sb.sandbox.world
    zone_name = world.timezone(0)
    today = NOW.astimezone(ZoneInfo(zone_name)).date()
    rows = _rows(db, accounts[0])
    by = defaultdict(list)
    for r in rows:
        by[(r.level, r.grain)].append(r)
    for level in ("campaign", "adgroup", "ad"):
        assert by[(level, "day")], level
        assert by[(level, "hour")], level
    assert {r.time_zone for r in rows} == {zone_name}
    assert {r.currency for r in rows} == {world.currency(0)}

    # Campaign days equal the sandbox's spend to the minor unit (USD: hundredths).
    expected = _expected_days(sb, 0)
    stored = {
        (r.object_id, r.stat_time): (r.spend_minor, r.conversions) for r in by[("campaign", "day")]
    }
    assert stored == expected

    # Ad groups and ads add up to their campaign, day by day.
    for level in ("adgroup", "ad"):
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for r in by[(level, "day")]:
            assert r.campaign_id
            sums[(r.campaign_id, r.stat_time)] += r.spend_minor
        assert sums == {k: v[0] for k, v in expected.items()}

    # A day's hours add up to the day (hourly rows for the last three days).
    hours: dict[str, int] = defaultdict(int)
    for r in by[("campaign", "hour")]:
        hours[r.stat_time[:10]] += r.spend_minor
    days = dict.fromkeys(hours, 0)
    for (_, day), (spend, _) in expected.items():
        if day in days:
            days[day] += spend
    assert hours == days
    assert min(hours) >= (today - timedelta(days=2)).isoformat()

    # Deleted campaigns that spent are in the store.
    deleted = {
        gen.entity_id("campaign", 0, i)
        for i in range(world.size("campaign", 0))
        if world.status("campaign", 0, i) in DELETED
    }
    assert deleted_spender in deleted
    assert deleted_spender in {r.object_id for r in by[("campaign", "day")]}
    assert deleted_spender in {r.campaign_id for r in by[("ad", "day")]}

    # Days before the attribution window are final, the others are not.
    cutoff = (today - timedelta(days=7)).isoformat()
    assert all(r.final == (r.stat_time[:10] < cutoff) for r in rows)
    assert any(r.final for r in rows)
    assert any(not r.final for r in rows)

    with db.transaction() as uow:
        op = operations.get(uow, workspace_id, op_id)
        assert op.state == "succeeded", op.errors
        assert op.done == op.total == op.result["windows"] > 0
        assert op.result["rows"] == len(rows)
        assert op.result["pages"] > op.result["windows"]  # windows of several pages
        state = uow.session.scalars(
            select(TikTokReportSync).where(TikTokReportSync.ad_account_id == accounts[0])
        ).one()
        assert state.last_day == today.isoformat()
        assert state.final_through == (today - timedelta(days=8)).isoformat()
        assert state.first_day == min(r.stat_time for r in by[("campaign", "day")])
        assert state.synced_at is not None
        where = sync_progress.where(uow, workspace_id, accounts[0])
        assert where["final_through"] == state.final_through
        assert where["rows"]["campaign_day"] == len(by[("campaign", "day")])
        assert where["operation"]["state"] == "succeeded"


def test_second_sync_takes_late_conversions_and_finalizes(
    db: Database, sb: SandboxHandle, frozen: clock.FrozenClock
) -> None:
    with wired(sb, page_size=50):
        workspace_id, accounts = _imported(db, sb)
        _sync(db, workspace_id, accounts[1])
        first = {(r.level, r.grain, r.object_id, r.stat_time): r for r in _rows(db, accounts[1])}
        frozen.advance(timedelta(days=2))
        op_id = _sync(db, workspace_id, accounts[1])
    second = {(r.level, r.grain, r.object_id, r.stat_time): r for r in _rows(db, accounts[1])}
    zone_name = sb.sandbox.world.timezone(1)
    today = clock.now().astimezone(ZoneInfo(zone_name)).date()
    cutoff = (today - timedelta(days=7)).isoformat()

    expected = _expected_days(sb, 1)
    stored = {
        (k[2], k[3]): (r.spend_minor, r.conversions)
        for k, r in second.items()
        if k[:2] == ("campaign", "day")
    }
    assert stored == expected
    # Late conversions landed on days read again; final days were not read again.
    revised = [k for k, r in second.items() if k in first and r.conversions != first[k].conversions]
    assert revised
    assert all(k[3][:10] >= (today - timedelta(days=9)).isoformat() for k in revised)
    untouched = [k for k, r in first.items() if r.final]
    assert untouched
    assert all(second[k].synced_at == first[k].synced_at for k in untouched)
    assert all(r.final == (r.stat_time[:10] < cutoff) for r in second.values())
    with db.transaction() as uow:
        op = operations.get(uow, workspace_id, op_id)
        assert op.state == "succeeded"
        assert op.result["first"] is False
        assert op.result["since"] == (today - timedelta(days=9)).isoformat()


def test_job_runs_the_sync_and_an_entity_sync_starts_it(db: Database, sb: SandboxHandle) -> None:
    with wired(sb, page_size=50):
        workspace_id, accounts = _imported(db, sb)
        with db.transaction() as uow:
            starts = list(
                uow.session.scalars(
                    select(Job).where(
                        Job.workspace_id == workspace_id, Job.name == sync_start.START_JOB
                    )
                )
            )
            assert len(starts) == 2  # one per ad account's successful entity sync
            first = sync_start.start(uow, workspace_id, accounts[0], actor="tester")
            again = sync_start.start(uow, workspace_id, accounts[0], actor="tester")
            assert again.last_operation_id == first.last_operation_id  # one open sync
        Worker(db, backoff_base=0.0, workspace_id=workspace_id).run_until_idle()
        with db.transaction() as uow:
            for account_id in accounts:
                where: dict[str, Any] = sync_progress.where(uow, workspace_id, account_id)
                assert where["operation"]["state"] == "succeeded", where
                assert where["rows"]["ad_day"] > 0
                assert where["last_day"] == date.fromisoformat(where["last_day"]).isoformat()


def test_api_starts_and_reports_the_sync(db: Database, sb: SandboxHandle, tmp_path: Path) -> None:
    with wired(sb, page_size=50):
        workspace = new_workspace(db)
        with db.transaction() as uow:
            result = imports.import_token(uow, workspace.id, sb.access_token(), sb.advertiser_ids)
            account_id = result.accounts[0].id
        operator = bearer(new_key(db, workspace, "operator"))
        viewer = bearer(new_key(db, workspace, "viewer"))
        with TestClient(make_app(db, tmp_path)) as http:
            url = f"/api/v1/ad-accounts/{account_id}/report-sync"
            before = http.get(url, headers=viewer)
            assert before.status_code == 200, before.text
            assert before.json()["operation"] is None
            assert before.json()["last_day"] is None
            denied = http.post(url, headers=viewer)
            assert denied.status_code == 403, denied.text
            key = {**operator, "Idempotency-Key": "report-sync-1"}
            started = http.post(url, headers=key)
            assert started.status_code == 202, started.text
            op = started.json()["operation"]
            assert op["kind"] == "tiktok.report_sync"
            assert op["total"] == op["result"]["windows"] > 0
            replay = http.post(url, headers=key)
            assert replay.json()["operation"]["id"] == op["id"]
            missing = http.post("/api/v1/ad-accounts/999999999/report-sync", headers=operator)
            assert missing.status_code == 404, missing.text
            Worker(db, backoff_base=0.0, workspace_id=workspace.id).run_until_idle()
            done = http.get(url, headers=viewer).json()
            assert done["operation"]["state"] == "succeeded", done
            assert done["time_zone"] == sb.sandbox.world.timezone(0)
            assert done["rows"]["campaign_day"] > 0
            assert done["final_through"] < done["last_day"]


def test_the_entity_sync_enqueues_the_report_sync_start_job_by_its_name() -> None:
    assert sync_service.REPORT_SYNC_JOB == sync_start.START_JOB


def test_syncs_at_once_stay_under_the_rate_limit(
    db: Database, frozen: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_REPORT_PAGE_SIZE", "40")
    monkeypatch.setenv("PROMODESK_ACCOUNTS_REPORT_HOURLY_DAYS", "1")
    campaigns_settings.cache_clear()
    knobs = {"qps": 5, "qpm": 300, "audiences": 0, "epoch": NOW - timedelta(days=12)}
    with running_sandbox(accounts=3, campaigns=4, adgroups=5, ads=6, **knobs) as sandbox:
        with make_client(sandbox, qps=5, qpm=300) as client:
            previous = tiktok_port.use_client(client)
            try:
                workspace_id = make_workspace(db).id
                with db.transaction() as uow:
                    imported = imports.import_token(
                        uow, workspace_id, sandbox.access_token(), sandbox.advertiser_ids
                    )
                    ops = [
                        int(sync_start.start(uow, workspace_id, a.id).last_operation_id or 0)
                        for a in imported.accounts
                    ]
                with ThreadPoolExecutor(3) as pool:
                    list(pool.map(lambda op_id: sync_write.run(db, op_id), ops))
                counts = client.stats.snapshot()
            finally:
                tiktok_port.use_client(previous)
        assert counts.requests >= 3 * 3 * 2  # 3 accounts x 3 levels x (days + hours) pages
        assert counts.throttles == 0
        assert counts.limiter_waits > 0  # the limiter did hold calls back
        assert sandbox.stats()["throttled_total"] == 0
    with db.transaction() as uow:
        for op_id in ops:
            assert operations.get(uow, workspace_id, op_id).state == "succeeded"
