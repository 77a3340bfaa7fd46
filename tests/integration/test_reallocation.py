"""Reallocating freed budget to campaigns on TikTok (the sandbox over real HTTP), on both
databases: the budgets go up on TikTok and are read back, the pool goes down by exactly what
was used; more than the pool is refused with what is left; a campaign TikTok refuses gets its
money back into the pool; the same request key never takes money twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from promodesk.campaigns.errors import PoolTooSmall, ReallocationRefused
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.reallocation import plan as realloc_plan
from promodesk.campaigns.service.reallocation import settle as realloc_settle
from promodesk.campaigns.service.reallocation import start as realloc_start
from promodesk.campaigns.service.reallocation import views as realloc_views
from promodesk.campaigns.service.reallocation.plan import Target
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import AuditEvent
from tests.integration.budget_support import (
    delete_on_tiktok,
    enabled_budgeted,
    sandbox_budget,
    setup,
)
from tests.integration.campaign_changes_support import fresh_sandbox, row
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def pool_balance(db: Database, workspace_id: int, pool: freed.Pool) -> int:
    with db.read() as uow:
        state = freed.pool_state(uow, workspace_id, pool)
        return 0 if state is None else state.balance_minor


def test_reallocation_raises_budgets_reads_back_and_uses_the_pool(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb):
        s = setup(db, sb, pool_minor=300_00)
        first, second = s.campaigns
        before = [row(db, s.account_id, cid).budget_minor for cid in s.tiktok_ids]
        targets = [Target(first, "100.00"), Target(second, "50.50")]

        with db.read() as uow:
            plan = realloc_plan.preview(uow, s.workspace_id, s.pool, targets)
        assert plan.ok, plan.problems
        assert (plan.pool_before_minor, plan.total_minor, plan.pool_after_minor) == (
            300_00,
            150_50,
            149_50,
        )
        assert [line.after_minor for line in plan.lines] == [before[0] + 100_00, before[1] + 50_50]

        out = realloc_start.reallocate(
            db, s.workspace_id, s.pool, targets, actor="ana", request_key="k-1"
        )
        assert out["status"] == "done"
        assert (out["total_minor"], out["returned_minor"], out["used_minor"]) == (150_50, 0, 150_50)
        assert [i["status"] for i in out["items"]] == ["done", "done"]
        assert all(i["verified"] for i in out["items"])
        assert [i["read_back_minor"] for i in out["items"]] == [
            i["after_minor"] for i in out["items"]
        ]
        # TikTok has the new budgets, the mirror too, and the pool holds exactly the rest
        assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before[0] + 100_00
        assert sandbox_budget(sb, s.tiktok_ids[1]) * 100 == before[1] + 50_50
        assert row(db, s.account_id, s.tiktok_ids[0]).budget_minor == before[0] + 100_00
        assert pool_balance(db, s.workspace_id, s.pool) == 149_50

        # the same key again: the first reallocation, nothing taken twice
        again = realloc_start.reallocate(
            db, s.workspace_id, s.pool, targets, actor="ana", request_key="k-1"
        )
        assert again["id"] == out["id"]
        assert pool_balance(db, s.workspace_id, s.pool) == 149_50

        with db.read() as uow:
            state = freed.pool_state(uow, s.workspace_id, s.pool)
            assert state is not None
            assert (state.freed_minor, state.reallocated_minor) == (300_00, 150_50)
            actions = list(
                uow.session.scalars(
                    select(AuditEvent.action).where(
                        AuditEvent.workspace_id == s.workspace_id, AuditEvent.actor == "ana"
                    )
                )
            )
        assert actions.count("campaign.reallocation") == 1
        assert actions.count("campaign.budget.reallocated") == 2
        assert "campaign.reallocation.finished" in actions


def test_more_than_the_pool_is_refused_with_what_is_left(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = setup(db, sb, pool_minor=80_00)
        before = sb.stats()
        with pytest.raises(PoolTooSmall) as refused:
            realloc_start.reallocate(
                db, s.workspace_id, s.pool, [Target(s.campaigns[0], "80.01")], actor="ana"
            )
        assert refused.value.detail.startswith("only 80.00 USD left in the pool")
        assert refused.value.extra["left_minor"] == 80_00
        assert pool_balance(db, s.workspace_id, s.pool) == 80_00
        assert sb.stats() == before  # nothing reached TikTok

        other = freed.pool_of(s.advertiser_id + 1000, s.account_id, "USD")
        with pytest.raises(ReallocationRefused) as wrong:
            realloc_start.reallocate(db, s.workspace_id, other, [Target(s.campaigns[0], "1")])
        codes = {p["code"] for p in wrong.value.extra["problems"]}
        assert codes == {"not_in_pool", "pool_too_small"}


def test_an_ad_account_pool_funds_only_its_account_s_unallocated_campaigns(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb):
        s = setup(db, sb, campaigns=2)
        unallocated = row(db, s.account_id, enabled_budgeted(sb, 3)[2]).id
        pool = freed.pool_of(None, s.account_id, "USD")
        with db.transaction() as uow:
            freed.post_freed(uow, s.workspace_id, pool, 100_00, "item:acct-1", memo="test")
            # the campaigns allocated to the advertiser are not the ad account pool's to fund
            plan = realloc_plan.preview(
                uow, s.workspace_id, pool, [Target(c, "1.00") for c in s.campaigns]
            )
            assert [x.code for x in plan.problems] == ["not_in_pool", "not_in_pool"]
            # the ad account is allocated to the advertiser alone: its pool may fund the
            # account's unallocated campaign too
            offered = {c["id"] for c in realloc_plan.candidates(uow, s.workspace_id, pool)}
            assert unallocated in offered
            assert not offered & set(s.campaigns)
            own = realloc_plan.preview(uow, s.workspace_id, s.pool, [Target(unallocated, "1")])
            assert [x.code for x in own.problems] == ["pool_too_small"]  # but in scope
            # another ad account's pool funds nothing here
            other = freed.pool_of(None, s.account_id + 1000, "USD")
            assert [
                x.code
                for x in realloc_plan.preview(
                    uow, s.workspace_id, other, [Target(unallocated, "1")]
                ).problems
            ] == ["not_in_pool", "pool_too_small"]
        out = realloc_start.reallocate(
            db, s.workspace_id, pool, [Target(unallocated, "10.00")], actor="ana"
        )
        assert out["status"] == "done"
        assert pool_balance(db, s.workspace_id, pool) == 90_00
        with pytest.raises(ReallocationRefused) as refused:
            realloc_start.reallocate(db, s.workspace_id, pool, [Target(s.campaigns[0], "1.00")])
        assert {p["code"] for p in refused.value.extra["problems"]} == {"not_in_pool"}
        assert pool_balance(db, s.workspace_id, pool) == 90_00


def test_campaign_tiktok_refuses_gets_its_money_back(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = setup(db, sb, pool_minor=200_00)
        delete_on_tiktok(sb, s.tiktok_ids[1])  # the mirror does not know yet
        out = realloc_start.reallocate(
            db,
            s.workspace_id,
            s.pool,
            [Target(s.campaigns[0], "60.00"), Target(s.campaigns[1], "40.00")],
            actor="ana",
        )
        assert out["status"] == "partial"
        ok, refused = out["items"]
        assert ok["status"] == "done"
        assert ok["verified"]
        assert refused["status"] == "failed"
        assert refused["returned"]
        assert "TikTok refused" in refused["error"]
        assert "40.00 USD went back to the pool" in refused["error"]
        assert (out["returned_minor"], out["used_minor"]) == (40_00, 60_00)
        assert pool_balance(db, s.workspace_id, s.pool) == 140_00
        with db.read() as uow:
            state = freed.pool_state(uow, s.workspace_id, s.pool)
            assert state is not None
            assert state.reallocated_minor == 60_00


def test_tiktok_not_answering_keeps_the_item_for_a_retry(db: Database, sb: SandboxHandle) -> None:
    with wired(sb, max_attempts=1):
        s = setup(db, sb, pool_minor=100_00)
        sb.update(fail_next=1)
        out = realloc_start.reallocate(
            db, s.workspace_id, s.pool, [Target(s.campaigns[0], "25.00")], actor="ana"
        )
        assert out["status"] == "reserved"
        assert out["items"][0]["status"] == "pending"
        assert out["items"][0]["error"].startswith("not settled yet")
        assert pool_balance(db, s.workspace_id, s.pool) == 75_00  # held while unsettled

        done = realloc_settle.retry(db, s.workspace_id, out["id"], actor="ana")
        assert done["status"] == "done"
        assert done["items"][0]["verified"]
        assert pool_balance(db, s.workspace_id, s.pool) == 75_00


@pytest.fixture
def settle_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_REALLOCATION_SETTLE_SECONDS", "0")
    campaigns_settings.cache_clear()
    yield
    monkeypatch.undo()
    campaigns_settings.cache_clear()


def test_the_job_settles_what_the_request_left(
    db: Database, sb: SandboxHandle, settle_now: None
) -> None:
    import promodesk.campaigns.jobs  # noqa: F401 - registers the handlers

    with wired(sb, max_attempts=1):
        s = setup(db, sb, pool_minor=100_00)
        before = row(db, s.account_id, s.tiktok_ids[0]).budget_minor
        # the process stops right after the money left the pool: nothing reached TikTok yet
        first = realloc_start.start(db, s.workspace_id, s.pool, [Target(s.campaigns[0], "10.00")])
        # TikTok does not answer the request's own attempt
        sb.update(fail_next=1)
        second = realloc_start.reallocate(
            db, s.workspace_id, s.pool, [Target(s.campaigns[1], "20.00")], actor="ana"
        )
        assert second["status"] == "reserved"
        assert pool_balance(db, s.workspace_id, s.pool) == 70_00

        Worker(db, backoff_base=0.0, workspace_id=s.workspace_id).run_until_idle()
        with db.read() as uow:
            done = [realloc_views.view(uow, s.workspace_id, r) for r in (first, second["id"])]
        assert [r["status"] for r in done] == ["done", "done"]
        assert all(r["items"][0]["verified"] for r in done)
        assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before + 10_00
        assert pool_balance(db, s.workspace_id, s.pool) == 70_00
