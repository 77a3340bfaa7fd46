"""Sync against the sandbox over real HTTP, on both databases: counts equal the sandbox's,
deleted entities are present, a second sync changes nothing, an interrupted sync resumes, a
revoked token marks the grant revoked and keeps allocations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from promodesk.accounts.domain import STAGES, SyncScope
from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.kit.db import Database
from promodesk.models import (
    TikTokAd,
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokAudience,
    TikTokAuthorization,
    TikTokCampaign,
    TikTokSyncRun,
)
from promodesk.operations import service as operations
from tests.conftest import make_workspace
from tests.integration.accounts_factories import make_advertiser, make_client
from tests.integration.tiktok_sync_support import expected, wired
from tests.sandbox_support import SandboxHandle, running_sandbox

MODELS: dict[str, Any] = {
    "campaigns": TikTokCampaign,
    "adgroups": TikTokAdGroup,
    "ads": TikTokAd,
    "audiences": TikTokAudience,
}


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=2, campaigns=23, adgroups=41, ads=67, audiences=5, qps=1000, qpm=100000
    ) as handle:
        yield handle


def _import(db: Database, sb: SandboxHandle) -> tuple[int, list[int]]:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        result = imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
        return workspace_id, [a.id for a in result.accounts]


def _run(db: Database, workspace_id: int, account_id: int, *, max_pages: int = 3) -> TikTokSyncRun:
    with db.transaction() as uow:
        run_id = sync_service.start(uow, workspace_id, account_id).id
    while True:
        with db.transaction() as uow:
            if sync_service.step(uow, run_id, max_pages=max_pages):
                break
    with db.transaction() as uow:
        return sync_service.get_run(uow, workspace_id, run_id)


def _counts(db: Database, account_id: int) -> dict[str, tuple[int, int]]:
    out = {}
    with db.transaction() as uow:
        for stage, model in MODELS.items():
            total = uow.session.scalar(
                select(func.count()).select_from(model).where(model.ad_account_id == account_id)
            )
            deleted = uow.session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.ad_account_id == account_id, model.deleted.is_(True))
            )
            out[stage] = (int(total or 0), int(deleted or 0))
    return out


def _snapshot(db: Database, account_id: int) -> list[tuple[Any, ...]]:
    with db.transaction() as uow:
        rows: list[tuple[Any, ...]] = []
        for model in MODELS.values():
            rows.extend(
                tuple(r)
                for r in uow.session.execute(
                    select(
                        model.id,
                        model.modify_time,
                        model.secondary_status,
                        model.synced_at,
                        model.vanished,
                    )
                    .where(model.ad_account_id == account_id)
                    .order_by(model.id)
                ).all()
            )
        return rows


def test_sync_matches_sandbox_and_second_sync_changes_nothing(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        first = _run(db, workspace_id, accounts[0])
        assert first.status == "succeeded", first.errors
        assert _counts(db, accounts[0]) == expected(sb, 0)
        assert first.counts["campaigns"]["deleted"] > 0
        assert first.pages >= 3 + 5 + 7 + 1
        with db.transaction() as uow:
            op = operations.get(uow, workspace_id, first.operation_id or 0)
            assert op.state == "succeeded"
            assert op.done == op.total > 0
            account = uow.session.get(TikTokAdAccount, accounts[0])
            assert account is not None
            assert account.last_synced_at is not None
            assert account.currency == sb.sandbox.world.currency(0)
        before = _snapshot(db, accounts[0])
        second = _run(db, workspace_id, accounts[0])
        assert second.status == "succeeded"
        assert _snapshot(db, accounts[0]) == before
        assert all(
            c.get("inserted", 0) == 0 and c.get("updated", 0) == 0 for c in second.counts.values()
        )


def _killed_step(db: Database, run_id: int) -> None:
    with db.transaction() as uow:
        sync_service.step(uow, run_id, max_pages=2)
        raise RuntimeError("killed")


def test_interrupted_sync_resumes(db: Database, sb: SandboxHandle) -> None:
    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace_id, accounts[1], "campaigns").id
        with db.transaction() as uow:
            assert not sync_service.step(uow, run_id, max_pages=2)
        # the process dies mid-step: the step's pages are rolled back, the cursor too
        with pytest.raises(RuntimeError):
            _killed_step(db, run_id)
        with db.transaction() as uow:
            run = sync_service.get_run(uow, workspace_id, run_id)
            assert run.cursor == {"stage": STAGES[SyncScope.CAMPAIGNS][0], "page": 3}
        while True:
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=2):
                    break
        counts = _counts(db, accounts[1])
        exp = expected(sb, 1)
        for stage in ("campaigns", "adgroups", "ads"):
            assert counts[stage] == exp[stage]


def test_revoked_token_marks_grant_revoked_and_keeps_allocations(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb, page_size=10):
        workspace_id = make_workspace(db).id
        token = sb.access_token()
        with db.transaction() as uow:
            result = imports.import_token(uow, workspace_id, token, sb.advertiser_ids)
            account_id = result.accounts[0].id
            client = make_client(uow, workspace_id)
            adv = make_advertiser(uow, workspace_id, client)
            allocation_service.allocate(
                uow, workspace_id, account_id, client_account_id=client, advertiser_id=adv
            )
        answer = httpx.post(
            sb.api("oauth2/revoke_token/"),
            json={"app_id": sb.app_id, "secret": sb.secret, "access_token": token},
        )
        assert answer.json()["code"] == 0
        run = _run(db, workspace_id, account_id)
        assert run.status == "failed"
        assert run.errors[-1]["error"] == "AuthRevoked"
        with db.transaction() as uow:
            grant = uow.session.scalars(
                select(TikTokAuthorization).where(TikTokAuthorization.workspace_id == workspace_id)
            ).one()
            assert grant.status == "revoked"
            assert allocation_service.allocations_by_account(uow, workspace_id, [account_id])[
                account_id
            ]
            with pytest.raises(Exception, match="revoked"):
                sync_service.start(uow, workspace_id, account_id)
        # re-authorizing brings the grant back without losing the allocation
        with db.transaction() as uow:
            again = imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
            assert account_id in [a.id for a in again.accounts]
            assert allocation_service.allocations_by_account(uow, workspace_id, [account_id])[
                account_id
            ]
        assert _run(db, workspace_id, account_id).status == "succeeded"


def test_vanished_rows_are_flagged_and_retries_counted(db: Database, sb: SandboxHandle) -> None:
    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            uow.session.add(
                TikTokCampaign(
                    workspace_id=workspace_id,
                    ad_account_id=accounts[0],
                    campaign_id="1",
                    name="purged on TikTok",
                    raw={},
                )
            )
        sb.update(fail_next=2)
        run = _run(db, workspace_id, accounts[0])
        assert run.status == "succeeded"
        assert run.retries >= 2
        assert run.counts["campaigns"]["vanished"] == 1
        with db.transaction() as uow:
            gone = uow.session.scalars(
                select(TikTokCampaign).where(
                    TikTokCampaign.ad_account_id == accounts[0], TikTokCampaign.campaign_id == "1"
                )
            ).one()
            assert gone.vanished


def test_prefetched_steps_sync_everything_and_keep_raw_json(
    db: Database, sb: SandboxHandle
) -> None:
    """What the worker does: fetch with no transaction open, then only write."""
    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace_id, accounts[0]).id
        steps = 0
        while True:
            fetched = sync_service.prefetch(db, run_id, max_pages=3)
            assert fetched is not None
            assert fetched.error is None
            steps += 1
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=3, fetched=fetched):
                    break
        assert sync_service.prefetch(db, run_id) is None  # final: nothing to fetch
        counts = _counts(db, accounts[0])
        exp = expected(sb, 0)
        for stage in MODELS:
            assert counts[stage] == exp[stage]
        with db.transaction() as uow:
            campaign = uow.session.scalars(
                select(TikTokCampaign).where(TikTokCampaign.ad_account_id == accounts[0])
            ).first()
            assert campaign is not None
            # raw is the item as TikTok sent it: budgets stay JSON numbers
            assert campaign.raw["campaign_id"] == campaign.campaign_id
            assert isinstance(campaign.raw["budget"], int | float)


def test_stale_prefetch_is_ignored_and_the_step_fetches_itself(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace_id, accounts[1], "campaigns").id
        stale = sync_service.prefetch(db, run_id, max_pages=2)
        with db.transaction() as uow:  # another worker moved the run meanwhile
            assert not sync_service.step(uow, run_id, max_pages=2)
        with db.transaction() as uow:
            assert not sync_service.step(uow, run_id, max_pages=2, fetched=stale)
            run = sync_service.get_run(uow, workspace_id, run_id)
            assert run.cursor == {"stage": STAGES[SyncScope.CAMPAIGNS][0], "page": 5}
        while True:
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=5):
                    break
        counts = _counts(db, accounts[1])
        exp = expected(sb, 1)
        for stage in ("campaigns", "adgroups", "ads"):
            assert counts[stage] == exp[stage]


def test_pages_fetched_before_a_passing_failure_are_kept(db: Database, sb: SandboxHandle) -> None:
    from promodesk.integrations.tiktok.errors import ServerError

    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace_id, accounts[0], "campaigns").id
        fetched = sync_service.prefetch(db, run_id, max_pages=2)
        assert fetched is not None
        assert [e.kind for e in fetched.events] == ["page", "page", "totals"]
        fetched.error = ServerError("System error.", code=50000, endpoint="ad/get/")
        with db.transaction() as uow:
            assert not sync_service.step(uow, run_id, max_pages=2, fetched=fetched)
        with db.transaction() as uow:
            run = sync_service.get_run(uow, workspace_id, run_id)
            assert run.cursor == {"stage": STAGES[SyncScope.CAMPAIGNS][0], "page": 3}
            assert run.status == "running"
        # with nothing fetched before it, the failure fails the attempt (the job backs off)
        empty = sync_service.prefetch(db, run_id, max_pages=2)
        assert empty is not None
        empty.events, empty.error = [], ServerError("System error.", code=50000)
        with pytest.raises(ServerError), db.transaction() as uow:
            sync_service.step(uow, run_id, max_pages=2, fetched=empty)


def test_the_progress_total_is_whole_after_the_first_step(db: Database, sb: SandboxHandle) -> None:
    """The bar never reaches 100% early: every list's size is counted in the first step."""
    with wired(sb, page_size=10):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            run = sync_service.start(uow, workspace_id, accounts[0])
            run_id, op_id = run.id, run.operation_id
        with db.transaction() as uow:
            assert not sync_service.step(uow, run_id, max_pages=2)
        exp = expected(sb, 0)
        whole = 1 + sum(exp[s][0] for s in ("campaigns", "adgroups", "ads", "audiences"))
        with db.transaction() as uow:
            op = operations.get_unscoped(uow, op_id or 0)
            assert op.total == whole
            assert 0 < op.done < op.total
        while True:
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=5):
                    break
        with db.transaction() as uow:
            op = operations.get_unscoped(uow, op_id or 0)
            assert op.done == op.total == whole
