"""Start a report sync of an ad account.

``start`` plans the sync (``campaigns.domain.report_sync``: which days, which windows) in the
ad account's zone, and writes its operation (the progress bar: one unit per window) and a
durable job in the caller's transaction. One open sync per ad account: asking again returns
the open one.
"""

from __future__ import annotations

from datetime import date

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.audit.service import record
from promodesk.campaigns.domain.report_sync import local_day_of, local_today, plan, zone
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound
from promodesk.kit.jobs.service import enqueue
from promodesk.models import TikTokReportSync
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES

JOB = "campaigns.report_sync"
# Enqueued by a successful entity sync of an ad account: start its report sync.
START_JOB = "campaigns.report_sync.start"
KIND = "tiktok.report_sync"


def start(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int, *, actor: str = "system"
) -> TikTokReportSync:
    """Plan a report sync of the ad account and enqueue it (or return the open one)."""
    account = accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    if grants.tiktok_access(uow, account) is None:
        raise Conflict(
            "the TikTok authorization of this ad account is revoked: import it again",
            reason="authorization_revoked",
        )
    try:
        zone(account.timezone)
    except ValueError:
        raise Conflict(
            f"the ad account's time zone {account.timezone!r} is unknown: sync the ad account "
            "first",
            reason="unknown_time_zone",
        ) from None
    repo = ReportSyncRepository(uow)
    state = repo.state(account.id, lock=True)
    if state is None:
        state = repo.add_state(
            TikTokReportSync(workspace_id=workspace_id, ad_account_id=account.id)
        )
    if state.last_operation_id:
        current = operations.get_unscoped(uow, state.last_operation_id)
        if current.state not in FINAL_STATES:
            return state
    settings = campaigns_settings()
    today = local_today(clock.now(), account.timezone)
    oldest_text = repo.oldest_campaign_create_time(account.id)
    oldest = local_day_of(oldest_text, account.timezone) if oldest_text else None
    final_through = date.fromisoformat(state.final_through) if state.final_through else None
    p = plan(
        today,
        attribution_days=settings.report_attribution_days,
        hourly_days=settings.report_hourly_days,
        history_days=settings.report_history_days,
        oldest=oldest,
        final_through=final_through,
    )
    op = operations.start(
        uow,
        workspace_id,
        KIND,
        title=f"Sync reports of {account.name or account.advertiser_id}",
        total=len(p.windows),
        created_by=actor,
    )
    op.result = {
        "ad_account_id": account.id,
        "time_zone": account.timezone or "UTC",
        "currency": account.currency,
        "today": p.today.isoformat(),
        "since": p.daily_since.isoformat(),
        "hourly_days": settings.report_hourly_days,
        "final_before": p.final_before.isoformat(),
        "first": final_through is None,
        "windows": len(p.windows),
        "window": 0,
        "page": 1,
        "rows": 0,
        "pages": 0,
        "throttles": 0,
        "retries": 0,
    }
    state.last_operation_id = op.id
    uow.flush()
    enqueue(
        uow,
        JOB,
        {"operation_id": op.id, "ad_account_id": account.id},
        workspace_id=workspace_id,
        dedupe_key=f"{JOB}:{op.id}",
        max_attempts=settings.report_sync_max_attempts,
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="tiktok.report_sync.start",
        object_type="ad_account",
        object_id=account.id,
        after={"operation_id": op.id, "since": p.daily_since.isoformat(), "today": str(today)},
    )
    return state


def start_after_entity_sync(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> None:
    """The periodic sync's follow-up: a report sync once the entities are fresh. A revoked
    authorization or an unknown zone just skips it (the entity sync says why)."""
    try:
        start(uow, workspace_id, ad_account_id, actor="schedule")
    except (Conflict, NotFound):
        return
