"""Shared set-up of the cancellation tests: a sandbox imported and synced into a workspace,
settings with no delays, and a runner of the workspace's jobs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

import promodesk.accounts.jobs
import promodesk.campaigns.jobs
import promodesk.notify.jobs  # noqa: F401
from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job, TikTokCampaign, Workspace
from promodesk.notify import settings as notify_settings
from promodesk.tenancy import service as tenancy
from tests.conftest import make_workspace
from tests.sandbox_support import SandboxHandle

HOOK = "http://127.0.0.1:9/promodesk-alerts"


@pytest.fixture
def cancel_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Verification due at once, alerts captured in the outbox (nothing is sent)."""
    monkeypatch.setenv("PROMODESK_ACCOUNTS_CANCEL_VERIFY_SETTLE_SECONDS", "0")
    monkeypatch.setenv("PROMODESK_ACCOUNTS_CANCEL_VERIFY_LATER_SECONDS", "0")
    monkeypatch.setenv("PROMODESK_ACCOUNTS_CANCEL_ALERT_WEBHOOK_URL", HOOK)
    monkeypatch.setenv("PROMODESK_ACCOUNTS_CANCEL_ALERT_WEBHOOK_SECRET", "cancel-test-secret")
    monkeypatch.setenv("PROMODESK_NOTIFY_CAPTURE", "true")
    monkeypatch.setenv("PROMODESK_SECRET_KEY", "cancel-test-secret-key")
    campaigns_settings.cache_clear()
    notify_settings.reload()
    yield monkeypatch
    monkeypatch.undo()
    campaigns_settings.cache_clear()
    notify_settings.reload()


def imported(
    db: Database, sb: SandboxHandle, workspace: Workspace | None = None
) -> tuple[int, list[int]]:
    """A workspace (new unless given) with an operator who gets alerts, the sandbox's ad
    accounts imported and their campaigns synced."""
    workspace = workspace or make_workspace(db)
    with db.transaction() as uow:
        tenancy.create_user(
            uow,
            f"op-{uuid.uuid4().hex[:8]}@agency.example",
            "operator-password",
            name="Olga Operator",
            workspace=workspace,
            role="operator",
        )
        result = imports.import_token(uow, workspace.id, sb.access_token(), sb.advertiser_ids)
        accounts = [a.id for a in result.accounts]
    for account_id in accounts:
        with db.transaction() as uow:
            run_id = sync_service.start(uow, workspace.id, account_id, "campaigns").id
        while True:
            with db.transaction() as uow:
                if sync_service.step(uow, run_id, max_pages=50):
                    break
    return workspace.id, accounts


def live_campaigns(db: Database, account_id: int, n: int, **where: Any) -> list[TikTokCampaign]:
    with db.read() as uow:
        q = (
            select(TikTokCampaign)
            .where(
                TikTokCampaign.ad_account_id == account_id,
                TikTokCampaign.deleted.is_(False),
                TikTokCampaign.operation_status == "ENABLE",
            )
            .order_by(TikTokCampaign.id)
        )
        for key, value in where.items():
            q = q.where(getattr(TikTokCampaign, key) == value)
        rows = list(uow.session.execute(q.limit(n)).scalars())
        for r in rows:
            uow.session.expunge(r)
    assert len(rows) == n
    return rows


def drain(db: Database, workspace_id: int, rounds: int = 300) -> None:
    """Run the workspace's due jobs until none is left."""
    worker = Worker(db, backoff_base=0.0, workspace_id=workspace_id)
    for _ in range(rounds):
        with db.read() as uow:
            due = uow.session.execute(
                select(func.count())
                .select_from(Job)
                .where(
                    Job.workspace_id == workspace_id,
                    Job.status.in_(["queued", "running"]),
                    Job.run_at <= clock.now(),
                )
            ).scalar_one()
        if not due:
            return
        worker.run_once()
    raise AssertionError("the workspace's jobs did not drain")
