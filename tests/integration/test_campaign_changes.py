"""Changing a campaign's status and budget on TikTok (the sandbox, over real HTTP), on both
databases: the change reaches TikTok and a re-sync shows it, the campaign becomes initialized
and stays allocated, a revoked token marks the grant revoked, TikTok's refusals and outages
become clear errors, deleted campaigns and unlimited budgets are refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from promodesk.accounts.domain import Refusal
from promodesk.accounts.errors import AuthorizationRevoked, TikTokUnavailable
from promodesk.campaigns.errors import TikTokRefused
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.campaigns.service import change_steps
from promodesk.campaigns.service import changes as changes_service
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import AuditEvent, TikTokAd, TikTokAdGroup, TikTokAuthorization
from tests.integration.campaign_changes_support import (
    ACCOUNT,
    ad_group_statuses,
    allocate,
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
    sync,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


BUDGETED = ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL")


def test_status_change_reaches_tiktok_initializes_and_resyncs(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb, delivering_groups=True)
        campaign = row(db, s.account_id, cid)
        alloc_id = allocate(db, s.workspace_id, s.account_id, campaign.id)
        assert "ADGROUP_STATUS_DELIVERY_OK" in ad_group_statuses(db, s.account_id, cid)

        out = changes_service.change_status(
            db, s.workspace_id, campaign.id, "DISABLE", actor="tester"
        )
        assert out["operation_status"] == "DISABLE"
        assert out["secondary_status"] == "CAMPAIGN_STATUS_DISABLE"
        assert out["allocation"]["initialized"] is True
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"

        # initialized: the campaign may no longer leave its client account
        with pytest.raises(Refusal) as refused, db.transaction() as uow:
            camp_alloc.deallocate_campaign(uow, s.workspace_id, alloc_id)
        assert refused.value.reason == "campaign_initialized"

        with db.transaction() as uow:
            event = uow.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.workspace_id == s.workspace_id,
                    AuditEvent.action == "campaign.status",
                )
            ).one()
            assert event.actor == "tester"
            assert event.before == {
                "operation_status": "ENABLE",
                "secondary_status": "CAMPAIGN_STATUS_ENABLE",
            }
            assert event.after is not None
            assert event.after["operation_status"] == "DISABLE"
            assert event.after["initialized"] is True

        # a re-sync shows TikTok's state, the children's included
        sync(db, s.workspace_id, s.account_id)
        again = row(db, s.account_id, cid)
        assert (again.operation_status, again.secondary_status) == (
            "DISABLE",
            "CAMPAIGN_STATUS_DISABLE",
        )
        groups = ad_group_statuses(db, s.account_id, cid)
        assert "ADGROUP_STATUS_CAMPAIGN_DISABLE" in groups
        assert "ADGROUP_STATUS_DELIVERY_OK" not in groups

        out = changes_service.change_status(db, s.workspace_id, campaign.id, "enable")
        assert out["operation_status"] == "ENABLE"
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"


def test_delete_is_final_and_deleted_campaigns_are_refused(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = imported(db, sb)
        already = row(db, s.account_id, pick(sb, deleted=True))
        assert already.deleted
        before = sb.stats()
        with pytest.raises(Refusal) as refused:
            changes_service.change_status(db, s.workspace_id, already.id, "ENABLE")
        assert refused.value.reason == "campaign_deleted"
        with pytest.raises(Refusal):
            changes_service.change_budget(db, s.workspace_id, already.id, "100")
        assert sb.stats() == before  # refused before anything reached TikTok

        cid = pick(sb, delivering_groups=True)
        campaign = row(db, s.account_id, cid)
        out = changes_service.change_status(db, s.workspace_id, campaign.id, "DELETE")
        assert out["deleted"] is True
        assert out["secondary_status"] == "CAMPAIGN_STATUS_DELETE"
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DELETE"
        with pytest.raises(Refusal) as refused:
            changes_service.change_status(db, s.workspace_id, campaign.id, "ENABLE")
        assert refused.value.reason == "campaign_deleted"
        sync(db, s.workspace_id, s.account_id)
        assert row(db, s.account_id, cid).deleted
        assert "ADGROUP_STATUS_CAMPAIGN_DELETE" in ad_group_statuses(db, s.account_id, cid)
        assert ad_group_statuses(db, s.account_id, cid) <= {
            "ADGROUP_STATUS_DELETE",
            "ADGROUP_STATUS_CAMPAIGN_DELETE",
        }


def test_budget_change_reaches_tiktok(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb, modes=BUDGETED)
        campaign = row(db, s.account_id, cid)
        alloc_id = allocate(db, s.workspace_id, s.account_id, campaign.id)
        out = changes_service.change_budget(
            db, s.workspace_id, campaign.id, " 120.50 ", actor="tester"
        )
        assert out["budget_minor"] == 12050
        assert out["currency"] == "USD"
        assert out["allocation"]["initialized"] is True
        assert sb.sandbox.world.changes[cid]["budget"] == 120.5
        with pytest.raises(Refusal), db.transaction() as uow:
            camp_alloc.deallocate_campaign(uow, s.workspace_id, alloc_id)
        sync(db, s.workspace_id, s.account_id)
        assert row(db, s.account_id, cid).budget_minor == 12050


def test_invalid_input_and_unlimited_budgets_are_refused(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = imported(db, sb)
        campaign = row(db, s.account_id, pick(sb, modes=BUDGETED))
        for bad in ("12.345", "-5", "0", "abc", "", "1e3x", "NaN", "99999999999999999999999"):
            with pytest.raises(ValidationFailed) as invalid:
                changes_service.change_budget(db, s.workspace_id, campaign.id, bad)
            assert invalid.value.field == "budget", bad
        with pytest.raises(ValidationFailed) as invalid:
            changes_service.change_status(db, s.workspace_id, campaign.id, "PAUSE")
        assert invalid.value.field == "status"
        with pytest.raises(NotFound):
            changes_service.change_status(db, s.workspace_id, 2**62, "ENABLE")

        # TikTok's own rule (a minimum budget): its message, nothing changed here
        with pytest.raises(TikTokRefused) as tiktok:
            changes_service.change_budget(db, s.workspace_id, campaign.id, "10")
        assert tiktok.value.extra["reason"] == "tiktok_bad_parameter"
        assert "at least" in tiktok.value.detail
        assert row(db, s.account_id, campaign.campaign_id).budget_minor == campaign.budget_minor

        unlimited = row(db, s.account_id, pick(sb, modes=("BUDGET_MODE_INFINITE",)))
        with pytest.raises(Refusal) as refused:
            changes_service.change_budget(db, s.workspace_id, unlimited.id, "100")
        assert refused.value.reason == "budget_unlimited"
        assert "BUDGET_MODE_INFINITE" in refused.value.detail


def test_revoked_token_marks_the_grant_revoked(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        token = sb.access_token()
        s = imported(db, sb, token)
        cid = pick(sb)
        campaign = row(db, s.account_id, cid)
        answer = httpx.post(
            sb.api("oauth2/revoke_token/"),
            json={"app_id": sb.app_id, "secret": sb.secret, "access_token": token},
        )
        assert answer.json()["code"] == 0
        with pytest.raises(AuthorizationRevoked) as revoked:
            changes_service.change_status(db, s.workspace_id, campaign.id, "DISABLE")
        assert revoked.value.status_code == 409
        assert revoked.value.extra["reason"] == "authorization_revoked"
        assert "re-authorize" in revoked.value.detail
        with db.transaction() as uow:
            grant = uow.session.scalars(
                select(TikTokAuthorization).where(
                    TikTokAuthorization.workspace_id == s.workspace_id
                )
            ).one()
            assert grant.status == "revoked"
        assert row(db, s.account_id, cid).operation_status == "ENABLE"
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"
        # from now on refused before calling TikTok
        with pytest.raises(AuthorizationRevoked):
            changes_service.change_budget(db, s.workspace_id, campaign.id, "100")


def test_tiktok_outage_is_a_clear_error_and_changes_nothing(
    db: Database, sb: SandboxHandle
) -> None:
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb)
        campaign = row(db, s.account_id, cid)
        sb.update(fail_next=10)  # more than the client's retries
        with pytest.raises(TikTokUnavailable) as down:
            changes_service.change_status(db, s.workspace_id, campaign.id, "DISABLE")
        assert down.value.extra["reason"] == "tiktok_unavailable"
        assert "nothing was changed" in down.value.detail
        sb.update(fail_next=0)
        assert row(db, s.account_id, cid).operation_status == "ENABLE"
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"


def test_the_sandbox_account_is_the_usd_one(sb: SandboxHandle) -> None:
    assert sb.sandbox.world.currency(ACCOUNT) == "USD"


def _ad_statuses(db: Database, account_id: int, campaign_id: str) -> set[tuple[str, bool]]:
    with db.transaction() as uow:
        return {
            (a.secondary_status, a.deleted)
            for a in uow.session.scalars(
                select(TikTokAd).where(
                    TikTokAd.ad_account_id == account_id, TikTokAd.campaign_id == campaign_id
                )
            )
        }


def test_the_mirror_shows_the_children_right_after_a_change(
    db: Database, sb: SandboxHandle
) -> None:
    """No re-sync: the ad groups and ads show what TikTok now says about them."""
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb, delivering_groups=True)
        campaign = row(db, s.account_id, cid)
        assert "ADGROUP_STATUS_DELIVERY_OK" in ad_group_statuses(db, s.account_id, cid)

        changes_service.change_status(db, s.workspace_id, campaign.id, "DISABLE")
        groups = ad_group_statuses(db, s.account_id, cid)
        assert "ADGROUP_STATUS_CAMPAIGN_DISABLE" in groups
        assert "ADGROUP_STATUS_DELIVERY_OK" not in groups
        assert not any(
            status.endswith("DELIVERY_OK") for status, _ in _ad_statuses(db, s.account_id, cid)
        )

        changes_service.change_status(db, s.workspace_id, campaign.id, "ENABLE")
        assert "ADGROUP_STATUS_DELIVERY_OK" in ad_group_statuses(db, s.account_id, cid)

        changes_service.change_status(db, s.workspace_id, campaign.id, "DELETE")
        assert ad_group_statuses(db, s.account_id, cid) <= {
            "ADGROUP_STATUS_DELETE",
            "ADGROUP_STATUS_CAMPAIGN_DELETE",
        }
        ads = _ad_statuses(db, s.account_id, cid)
        assert ads
        assert all(deleted for _, deleted in ads)
        with db.transaction() as uow:
            groups_deleted = {
                g.deleted
                for g in uow.session.scalars(
                    select(TikTokAdGroup).where(
                        TikTokAdGroup.ad_account_id == s.account_id,
                        TikTokAdGroup.campaign_id == cid,
                    )
                )
            }
        assert groups_deleted == {True}


def test_without_a_read_back_the_children_follow_the_cascade(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TikTok's own sandbox lists no ``secondary_status``, and a read-back may fail: then a
    deleted campaign's ad groups and ads are shown deleted, a disabled one's not delivering."""
    with wired(sb):
        s = imported(db, sb)
        monkeypatch.setattr(change_steps, "read_back", lambda target: None)
        off = pick(sb, delivering_groups=True)
        changes_service.change_status(db, s.workspace_id, row(db, s.account_id, off).id, "DISABLE")
        groups = ad_group_statuses(db, s.account_id, off)
        assert "ADGROUP_STATUS_CAMPAIGN_DISABLE" in groups
        assert "ADGROUP_STATUS_DELIVERY_OK" not in groups

        gone = pick(sb, delivering_groups=True)
        changes_service.change_status(db, s.workspace_id, row(db, s.account_id, gone).id, "DELETE")
        assert ad_group_statuses(db, s.account_id, gone) <= {
            "ADGROUP_STATUS_DELETE",
            "ADGROUP_STATUS_CAMPAIGN_DELETE",
        }
        ads = _ad_statuses(db, s.account_id, gone)
        assert ads
        assert all(deleted for _, deleted in ads)
