"""The periodic sync: the schedule exists after an import; the sweep starts one run per ad
account that is due and has an active grant, and none twice."""

from __future__ import annotations

from sqlalchemy import select

from promodesk.accounts import jobs
from promodesk.accounts.service import imports
from promodesk.kit.db import Database
from promodesk.kit.jobs import JobContext
from promodesk.models import Schedule, TikTokSyncRun
from tests.conftest import make_workspace
from tests.integration.accounts_factories import make_ad_account, make_grant


def _sweep(db: Database) -> None:
    with db.transaction() as uow:
        jobs.sync_due(JobContext(uow, 0, imports.SCHEDULE, {}, 1, None))


def test_sweep_starts_due_accounts_once(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        active = make_ad_account(uow, workspace_id, make_grant(uow, workspace_id))
        revoked = make_ad_account(
            uow, workspace_id, make_grant(uow, workspace_id, status="revoked")
        )
        imports.ensure_sync_schedule(uow)
        assert uow.session.scalars(select(Schedule).where(Schedule.name == imports.SCHEDULE)).one()
    _sweep(db)
    _sweep(db)
    with db.transaction() as uow:
        runs = uow.session.scalars(
            select(TikTokSyncRun).where(TikTokSyncRun.workspace_id == workspace_id)
        ).all()
        assert [r.ad_account_id for r in runs] == [active]
        assert revoked not in [r.ad_account_id for r in runs]
