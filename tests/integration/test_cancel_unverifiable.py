"""Cancelled objects of an ad account whose TikTok authorization is revoked cannot be read
back: the items end "could not verify: authorization revoked — reconnect" (not pending for
ever), alert like a failed check, and are verified again once the account is reconnected. On
both databases, over the real sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.accounts.service import grants, imports
from promodesk.campaigns.service.cancellations import confirm as cancel_confirm
from promodesk.campaigns.service.cancellations import reads as cancel_reads
from promodesk.campaigns.service.cancellations import run as cancel_run
from promodesk.campaigns.service.cancellations import unverifiable as cancel_unverifiable
from promodesk.campaigns.settings import campaigns_settings
from promodesk.cli import app as cli
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import (
    CampaignCancellationItem,
    Job,
    OutboxEmail,
    TikTokAdAccount,
    Workspace,
)
from tests.integration.cancel_support import cancel_env, drain, imported, live_campaigns
from tests.integration.test_console_support import console_client, log_in, new_member
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

__all__ = ["cancel_env"]
REVOKED = "could not verify: authorization revoked — reconnect"


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=6,
        adgroups=8,
        ads=10,
        audiences=0,
        deleted_percent=0,
        rate_limit=False,
        stop_delay_seconds=0,
    ) as handle:
        yield handle


def _cancel_now_verify_later(
    db: Database, workspace_id: int, row_id: int, env: pytest.MonkeyPatch
) -> int:
    """Cancel (the status update runs); its verification waits until ``_verify_now``."""
    env.setenv("PROMODESK_ACCOUNTS_CANCEL_VERIFY_SETTLE_SECONDS", "3600")
    campaigns_settings.cache_clear()
    with db.transaction() as uow:
        cancellation_id = cancel_confirm.confirm(
            uow, workspace_id, "campaign", [row_id], "pause", "budget", ""
        ).id
    drain(db, workspace_id)
    env.setenv("PROMODESK_ACCOUNTS_CANCEL_VERIFY_SETTLE_SECONDS", "0")
    campaigns_settings.cache_clear()
    return cancellation_id


def _verify_now(db: Database, workspace_id: int) -> None:
    with db.transaction() as uow:
        uow.session.execute(
            update(Job)
            .where(Job.workspace_id == workspace_id, Job.status == "queued")
            .values(run_at=clock.now())
        )
    drain(db, workspace_id)


def _item(db: Database, cancellation_id: int) -> CampaignCancellationItem:
    with db.read() as uow:
        item = uow.session.execute(
            select(CampaignCancellationItem).where(
                CampaignCancellationItem.cancellation_id == cancellation_id
            )
        ).scalar_one()
        uow.session.expunge(item)
        return item


def _alerts(db: Database, item_id: int) -> int:
    with db.read() as uow:
        return len(
            uow.session.execute(
                select(OutboxEmail.id).where(OutboxEmail.ref == f"cancel-verify:{item_id}")
            ).all()
        )


def _has_access(db: Database, account_id: int) -> bool:
    with db.read() as uow:
        account = uow.session.get(TikTokAdAccount, account_id)
        assert account is not None
        return grants.tiktok_access(uow, account) is not None


def test_revoked_on_tiktok_ends_unverifiable_alerts_and_is_verified_after_reconnecting(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cancel_unverifiable.VERIFY_JOB == cancel_run.VERIFY_JOB
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        token = sb.access_token()  # the grant the ad account uses from now on
        with db.transaction() as uow:
            imports.import_token(uow, workspace_id, token, sb.advertiser_ids)
        row = live_campaigns(db, accounts[0], 1)[0]
        cancellation_id = _cancel_now_verify_later(db, workspace_id, row.id, cancel_env)
        assert _item(db, cancellation_id).verify_status == "pending"

        sb.sandbox.auth.revoke(token)  # the advertiser revokes promodesk's access on TikTok
        _verify_now(db, workspace_id)
        item = _item(db, cancellation_id)
        assert item.status == "done"
        assert item.verify_status == "unverifiable"
        assert item.verify_detail["problems"] == [REVOKED]
        assert not _has_access(db, accounts[0])  # TikTok's 40105 revoked the grant here too
        assert _alerts(db, item.id) == 1

        with db.read() as uow:
            shown = cancel_reads.get(uow, workspace_id, cancellation_id)
            workspace = uow.session.get(Workspace, workspace_id)
            assert workspace is not None
            uow.session.expunge(workspace)
        assert shown["verification"].get("unverifiable") == 1
        member = new_member(db, "viewer", workspace=workspace)
        with console_client(db, tmp_path) as client:
            log_in(client, member)
            page = client.get(f"/cancellations/{cancellation_id}").text
        assert "Could not verify" in page
        assert REVOKED in page

        # nothing to verify again while the authorization stays revoked
        with db.transaction() as uow:
            assert cancel_unverifiable.reverify_reconnected(uow) == 0
        assert _item(db, cancellation_id).verify_status == "unverifiable"

        # reconnected: the next watch sends the item to verification again, and it verifies
        with db.transaction() as uow:
            imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
            assert cancel_unverifiable.reverify_reconnected(uow) == 1
        assert _item(db, cancellation_id).verify_status == "pending"
        drain(db, workspace_id)
        again = _item(db, cancellation_id)
        assert again.verify_status == "verified", again.verify_detail
        assert _alerts(db, item.id) == 1  # no second alert


def test_revoked_in_promodesk_before_the_check_and_verified_again_from_the_cli(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        row = live_campaigns(db, accounts[0], 1)[0]
        cancellation_id = _cancel_now_verify_later(db, workspace_id, row.id, cancel_env)
        with db.transaction() as uow:
            account = uow.session.get(TikTokAdAccount, accounts[0])
            assert account is not None
            assert account.authorization_id is not None
            grants.revoke(uow, workspace_id, account.authorization_id, reason="test")
        _verify_now(db, workspace_id)
        item = _item(db, cancellation_id)
        assert item.verify_status == "unverifiable"
        assert item.verify_detail["problems"] == [REVOKED]
        assert _alerts(db, item.id) == 1

        # reconnected: the CLI sends the workspace's items to verification at once
        with db.transaction() as uow:
            imports.import_token(uow, workspace_id, sb.access_token(), sb.advertiser_ids)
            slug = uow.session.get(Workspace, workspace_id).slug  # type: ignore[union-attr]
        cancel_env.setenv("PROMODESK_DATABASE_URL", db.url)
        cancel_env.setenv("PROMODESK_DATA_DIR", str(tmp_path))
        clikit.reset()
        try:
            again = CliRunner().invoke(cli, ["tiktok", "cancel-reverify", "-w", slug])
        finally:
            clikit.reset()
        assert again.exit_code == 0, again.output
        assert "1 item" in again.output
        drain(db, workspace_id)
        assert _item(db, cancellation_id).verify_status == "verified"
