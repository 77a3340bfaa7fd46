"""TikTok truncates a report past 20,000 ads and says so only in the ``X-Tt-Ads-Throttle``
header (spec §6.9). The sandbox does the same past its ``report_ads_limit``; the report sync
splits a truncated window by campaign ids (halving a part that is still truncated) so that no
row is lost, over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.campaigns.service.report_sync import write as sync_write
from promodesk.campaigns.service.report_sync.truncation import split_parts
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import TikTokReportRow
from promodesk.operations import service as operations
from promodesk.sandbox import generate as gen
from promodesk.sandbox.spend.model import SpendModel
from tests.conftest import make_workspace
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
HISTORY = 12
ADS = 14  # 6 campaigns of 2 or 3 ads


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_REPORT_PAGE_SIZE", "9")
    monkeypatch.setenv("PROMODESK_ACCOUNTS_REPORT_HOURLY_DAYS", "1")
    campaigns_settings.cache_clear()
    yield
    campaigns_settings.cache_clear()


def _sandbox(limit: int) -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=6,
        adgroups=9,
        ads=ADS,
        audiences=0,
        deleted_percent=30,
        epoch=NOW - timedelta(days=HISTORY),
        rate_limit=False,
        report_ads_limit=limit,
    ) as handle:
        yield handle


@pytest.fixture
def sb(frozen: clock.FrozenClock) -> Iterator[SandboxHandle]:
    yield from _sandbox(5)


def _report(sb: SandboxHandle, level: str, **extra: str) -> httpx.Response:
    status = level.removeprefix("AUCTION_").lower() + "_status"
    filtering = [{"field_name": status, "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}]
    if "campaign_ids" in extra:
        ids = extra["campaign_ids"]
        filtering.append({"field_name": "campaign_ids", "filter_type": "IN", "filter_value": ids})
    id_dim = level.removeprefix("AUCTION_").lower() + "_id"
    return httpx.get(
        sb.api("report/integrated/get/"),
        params={
            "advertiser_id": sb.advertiser_ids[0],
            "report_type": "BASIC",
            "data_level": level,
            "dimensions": json.dumps([id_dim, "stat_time_day"]),
            "metrics": json.dumps(["spend"]),
            "start_date": (NOW - timedelta(days=10)).date().isoformat(),
            "end_date": NOW.date().isoformat(),
            "filtering": json.dumps(filtering),
            "page_size": 1000,
        },
        headers={"Access-Token": sb.access_token()},
    )


def test_the_sandbox_truncates_an_ad_report_past_its_limit_and_says_so(sb: SandboxHandle) -> None:
    answer = _report(sb, "AUCTION_AD")
    assert answer.json()["code"] == 0
    assert answer.headers["X-Tt-Ads-Throttle"] == "1"
    ads = {row["dimensions"]["ad_id"] for row in answer.json()["data"]["list"]}
    assert 0 < len(ads) <= 5
    assert ads <= {gen.entity_id("ad", 0, i) for i in range(5)}
    # Narrowed to one campaign (2 or 3 ads), or at another level: complete, no header.
    one = json.dumps([gen.entity_id("campaign", 0, 1)])
    narrowed = _report(sb, "AUCTION_AD", campaign_ids=one)
    assert "X-Tt-Ads-Throttle" not in narrowed.headers
    assert narrowed.json()["data"]["list"]
    assert "X-Tt-Ads-Throttle" not in _report(sb, "AUCTION_CAMPAIGN").headers


def _expected_ads(sb: SandboxHandle) -> dict[tuple[str, str], int]:
    """(ad id, day) -> spend of every ad that spent, deleted ones included."""
    model = SpendModel(sb.sandbox.world, 0)
    today = model.now.astimezone(model.zone).date()
    out = {}
    for n in range(HISTORY + 2):
        day = today - timedelta(days=n)
        for index, spend in enumerate(model.level_spend("ad", day)):
            if spend > 0:
                out[(gen.entity_id("ad", 0, index), day.isoformat())] = spend
    return out


def _synced(db: Database, sb: SandboxHandle) -> tuple[dict[str, object], list[TikTokReportRow]]:
    workspace_id = make_workspace(db).id
    with wired(sb, page_size=9):
        with db.transaction() as uow:
            result = imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
            account_id = result.accounts[0].id
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace_id, account_id).id
        while True:
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=50):
                    break
        with db.transaction() as uow:
            state = sync_start.start(uow, workspace_id, account_id, actor="tester")
            op_id = int(state.last_operation_id or 0)
        sync_write.run(db, op_id, max_pages=2)
    with db.transaction() as uow:
        op = operations.get(uow, workspace_id, op_id)
        summary = {"state": op.state, "result": dict(op.result or {}), "errors": op.errors}
        rows = list(
            uow.session.scalars(
                select(TikTokReportRow).where(TikTokReportRow.ad_account_id == account_id)
            )
        )
        uow.session.expunge_all()
    return summary, rows


def test_a_truncated_window_is_read_again_in_parts_and_no_row_is_lost(
    db: Database, sb: SandboxHandle
) -> None:
    summary, rows = _synced(db, sb)
    assert summary["state"] == "succeeded"
    result = summary["result"]
    assert isinstance(result, dict)
    assert result["splits"] >= 2  # the daily window and the hourly one
    assert "truncated_pages" not in result
    stored = {(r.object_id, r.stat_time): r.spend_minor for r in rows if r.level == "ad"}
    expected = _expected_ads(sb)
    assert {k: v for k, v in stored.items() if len(k[1]) == 10} == expected
    assert any(len(k[1]) > 10 for k in stored)  # hourly ad rows too
    first_five = {gen.entity_id("ad", 0, i) for i in range(5)}
    assert {ad for ad, _ in expected} - first_five  # rows a truncated report would have lost


def test_one_campaign_over_the_limit_keeps_what_tiktok_gave_and_says_so(
    db: Database, frozen: clock.FrozenClock
) -> None:
    for sb in _sandbox(1):  # every campaign has two ads or more
        summary, rows = _synced(db, sb)
    assert summary["state"] == "succeeded"
    result = summary["result"]
    assert isinstance(result, dict)
    assert result["truncated_pages"] > 0
    errors = summary["errors"]
    assert isinstance(errors, list)
    assert any(e["error"] == "ReportTruncated" for e in errors)
    assert any(r.level == "ad" for r in rows)


def test_parts_start_as_chunks_of_one_hundred_and_halve_when_still_truncated() -> None:
    ids = [str(1000 + n) for n in range(250)]
    parts = split_parts(None, 0, ids)
    assert parts is not None
    assert [len(p) for p in parts] == [100, 100, 50]
    halved = split_parts(parts, 1, [])
    assert halved is not None
    assert [len(p) for p in halved] == [100, 50, 50, 50]
    assert [i for p in halved for i in p] == ids
    assert split_parts([["7"]], 0, []) is None  # one campaign: nothing narrower
    assert split_parts(None, 0, []) is None  # no campaign known
