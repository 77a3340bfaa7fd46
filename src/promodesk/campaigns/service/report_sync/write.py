"""Write a report sync's steps, and drive a sync to its end here.

- ``step`` writes the prefetched rows in the caller's transaction: rows upserted on (ad
  account, level, grain, object, stat time), the cursor moved, the window counted done; after
  the last window, days before the attribution window are marked final and the account's
  ``TikTokReportSync`` (first_day, last_day, final_through, synced_at) moves. Prefetched pages
  of another cursor are ignored (someone else moved the sync): the driver prefetches again.
- TikTok's rate limit: every call goes through the process-wide client and its limiter.
  A passing failure (40100, 50000, a timeout) after some pages keeps those pages; with none,
  the step raises and the job's backoff retries it. 40105 revokes the grant and fails the sync.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.campaigns.service.report_sync.fetch import Fetched, prefetch
from promodesk.campaigns.service.report_sync.progress import cursor_of, plan_of
from promodesk.integrations.tiktok.errors import AuthRevoked, TikTokError
from promodesk.kit import clock
from promodesk.kit.db import BUSY_ERRORS, Database, UnitOfWork
from promodesk.models import TikTokReportSync
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES

RUN_BUSY_ATTEMPTS = 5  # ``run``: writes of one step tried on a busy database


def step(
    uow: UnitOfWork, operation_id: int, fetched: Fetched | None, *, last_attempt: bool = False
) -> bool:
    """Write prefetched pages and move the cursor. True once the sync is final.

    A retryable failure with nothing fetched raises (the job's backoff retries) unless
    ``last_attempt``; any other failure finishes the sync as failed, with the error kept."""
    op = operations.get_unscoped(uow, operation_id)
    if op.state in FINAL_STATES:
        return True
    plan_ = plan_of(op)
    repo = ReportSyncRepository(uow)
    state = repo.state(int(plan_["ad_account_id"]), lock=True)
    if state is None or state.last_operation_id != op.id:
        operations.finish(uow, op.id, state="failed", result=plan_)
        return True
    if fetched is None:
        _fail(uow, op.id, plan_, "AuthorizationRevoked", "authorize the app again")
        return True
    if fetched.cursor != cursor_of(plan_):
        return False  # someone moved the sync meanwhile: fetch again
    plan_["throttles"] = int(plan_["throttles"]) + fetched.throttles
    plan_["retries"] = int(plan_["retries"]) + fetched.retries
    error = fetched.error
    if isinstance(error, AuthRevoked):
        account = accounts_alloc.get_ad_account(uow, op.workspace_id, int(plan_["ad_account_id"]))
        access = grants.tiktok_access(uow, account)
        if access is not None:
            grants.revoke(uow, op.workspace_id, access.grant_id, reason=str(error.message))
        _fail(uow, op.id, plan_, type(error).__name__, error.message, error.code)
        return True
    if error is not None and not fetched.rows:
        if error.retryable and not last_attempt:
            _save(uow, op.id, plan_)
            raise error
        _fail(uow, op.id, plan_, type(error).__name__, error.message, error.code)
        return True
    written = repo.upsert_rows(fetched.rows, clock.now())
    plan_["rows"] = int(plan_["rows"]) + written
    plan_["pages"] = int(plan_["pages"]) + fetched.pages
    if fetched.malformed:
        plan_["malformed"] = int(plan_.get("malformed", 0)) + fetched.malformed
    if fetched.parts is not None:
        plan_["parts"] = fetched.parts
        plan_["splits"] = int(plan_.get("splits") or 0) + 1
    if fetched.truncated:
        plan_["truncated_pages"] = int(plan_.get("truncated_pages") or 0) + fetched.truncated
        warning = {
            "error": "ReportTruncated",
            "code": None,
            "detail": f"TikTok truncated {fetched.truncated} page(s) of one campaign with more "
            "ads than a report covers; some of its ad rows are missing",
            "at": clock.now().isoformat(),
        }
        operations.progress(uow, op.id, errors=[warning])
    if fetched.next_cursor is not None:
        if fetched.next_cursor["window"] != int(plan_["window"]):
            plan_["parts"] = None
        plan_.update(fetched.next_cursor)
    if fetched.window_done:
        operations.progress(uow, op.id, done=1)
    if int(plan_["window"]) < int(plan_["windows"]):
        _save(uow, op.id, plan_)
        return False
    _complete(uow, state, op.id, plan_)
    return True


def _complete(uow: UnitOfWork, state: TikTokReportSync, op_id: int, plan_: dict[str, Any]) -> None:
    repo = ReportSyncRepository(uow)
    plan_["finalized"] = repo.mark_final(state.ad_account_id, plan_["final_before"])
    since, today = plan_["since"], plan_["today"]
    state.first_day = min(state.first_day, since) if state.first_day else since
    state.last_day = max(state.last_day, today) if state.last_day else today
    through = (date.fromisoformat(plan_["final_before"]) - timedelta(days=1)).isoformat()
    state.final_through = max(state.final_through, through) if state.final_through else through
    state.synced_at = clock.now()
    uow.flush()
    operations.finish(uow, op_id, state="succeeded", result=plan_)


def _fail(
    uow: UnitOfWork,
    op_id: int,
    plan_: dict[str, Any],
    name: str,
    detail: str,
    code: int | None = None,
) -> None:
    error = {"error": name, "code": code, "detail": detail[:300], "at": clock.now().isoformat()}
    operations.progress(uow, op_id, errors=[error])
    operations.finish(uow, op_id, state="failed", result=plan_)


def _save(uow: UnitOfWork, op_id: int, plan_: dict[str, Any]) -> None:
    """The cursor commits with the rows it covers (in the operation's ``result``)."""
    op = operations.get_unscoped(uow, op_id)
    op.result = dict(plan_)
    uow.flush()


def run(db: Database, operation_id: int, *, max_pages: int | None = None) -> None:
    """Drive a sync to its end here (the CLI's ``--wait``, tests, benchmarks): prefetch, then
    write in a short transaction, until final. A write that found the database busy (its lock
    wait ran out) is tried again with the same pages, as the job's retry would: nothing of it
    was committed, so the cursor still matches them."""
    attempts = 0
    while True:
        fetched = prefetch(db, operation_id, max_pages=max_pages)
        busy = 0
        while True:
            try:
                with db.transaction() as uow:
                    if step(uow, operation_id, fetched, last_attempt=attempts >= 5):
                        return
                attempts = 0
            except TikTokError:
                attempts += 1
            except BUSY_ERRORS:
                busy += 1
                if busy >= RUN_BUSY_ATTEMPTS:
                    raise
                continue
            break
