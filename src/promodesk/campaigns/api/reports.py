"""Report history: start a report sync of an ad account and read where it stands."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.campaigns.schemas.reports import ReportSyncRead
from promodesk.campaigns.service.report_sync import progress as sync_progress
from promodesk.campaigns.service.report_sync import start as sync_start
from promodesk.web import ApiRoute, Caller, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["tiktok reports"])


@router.post(
    "/ad-accounts/{ad_account_id}/report-sync", response_model=ReportSyncRead, status_code=202
)
def start_report_sync(ad_account_id: int, uow: Uow, caller: Writer) -> ReportSyncRead:
    """Enqueue a report sync: daily rows of the whole history on the first sync, then the
    attribution window and any newer day; hourly rows for the last days. One open sync per
    ad account: asking again returns it. 409 ``Conflict`` (reason ``authorization_revoked``)
    when the ad account must be imported again."""
    sync_start.start(uow, caller.workspace_id, ad_account_id, actor=caller.actor)
    uow.flush()
    return ReportSyncRead(**sync_progress.where(uow, caller.workspace_id, ad_account_id))


@router.get("/ad-accounts/{ad_account_id}/report-sync", response_model=ReportSyncRead)
def report_sync_state(ad_account_id: int, uow: Uow, caller: Caller) -> ReportSyncRead:
    """Where the report history stands: stored and final days, rows, the last sync's progress."""
    return ReportSyncRead(**sync_progress.where(uow, caller.workspace_id, ad_account_id))
