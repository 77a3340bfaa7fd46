"""Sync one ad account: advertiser info, campaigns, ad groups, ads and audiences.

How a sync runs:
- ``start`` writes a sync run, its operation (the progress bar) and a durable job in the
  caller's transaction. One open run per ad account: asking again returns the open one.
- ``step`` does up to ``pages_per_step`` pages and commits with the caller (a job handler or
  the CLI). The run's ``cursor`` (stage and next page) commits with the rows, so a sync that
  dies mid-way resumes at the first page not committed; re-reading a page is harmless because
  rows are upserted by TikTok id.
- Lists ask for every status (``*_STATUS_ALL``): deleted campaigns, ad groups and ads are kept
  and flagged ``deleted``. A row whose ``modify_time`` and statuses did not change is not
  rewritten (incremental by ``modify_time``). After a stage's complete listing, rows it did
  not return are flagged ``vanished``.
- Pages are streamed: one page (at most 1,000 objects) is in memory at a time.
- 40105 (token revoked) marks the authorization revoked and fails the run; allocations stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promodesk.accounts.domain import (
    STAGES,
    SYNC_LIFECYCLE,
    SyncScope,
    SyncStatus,
    next_stage,
)
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.accounts.repository.sync import SyncRepository
from promodesk.accounts.service import grants
from promodesk.accounts.settings import accounts_settings
from promodesk.accounts.tiktok import client as tiktok
from promodesk.accounts.tiktok.fetch import Event, Fetched, walk
from promodesk.audit.service import record
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.errors import AuthRevoked, TikTokError
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.jobs.service import enqueue
from promodesk.models import TikTokAdAccount, TikTokSyncRun
from promodesk.operations import service as operations
from promodesk.promotions.domain.links import LINK_JOB

JOB = "tiktok.sync"
# Handled by the campaigns' report sync (``campaigns.service.report_sync.start.START_JOB``).
REPORT_SYNC_JOB = "campaigns.report_sync.start"


def start(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    scope: str = SyncScope.ACCOUNT,
    *,
    actor: str = "system",
) -> TikTokSyncRun:
    if scope not in {s.value for s in SyncScope}:
        raise ValidationFailed("scope is account, campaigns or audiences", field="scope")
    account = AccountsRepository(uow).ad_account(workspace_id, ad_account_id)
    if account is None:
        raise NotFound(f"ad account {ad_account_id} not found")
    if grants.tiktok_access(uow, account) is None:
        raise Conflict(
            "the TikTok authorization of this ad account is revoked: import it again",
            reason="authorization_revoked",
        )
    repo = SyncRepository(uow)
    open_run = repo.open_run(account.id)
    if open_run is not None:
        return open_run
    op = operations.start(
        uow,
        workspace_id,
        "tiktok.sync",
        title=f"Sync {scope} of {account.name or account.advertiser_id}",
        created_by=actor,
    )
    run = TikTokSyncRun(
        workspace_id=workspace_id,
        ad_account_id=account.id,
        operation_id=op.id,
        scope=scope,
        status=SyncStatus.QUEUED,
        cursor={"stage": STAGES[SyncScope(scope)][0], "page": 1},
        counts={},
        errors=[],
    )
    repo.add(run)
    settings = accounts_settings()
    enqueue(
        uow,
        JOB,
        {"run_id": run.id},
        workspace_id=workspace_id,
        dedupe_key=f"{JOB}:{run.id}",
        max_attempts=settings.sync_max_attempts,
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="tiktok.sync.start",
        object_type="ad_account",
        object_id=account.id,
        after={"run_id": run.id, "scope": scope},
    )
    return run


def get_run(uow: UnitOfWork, workspace_id: int, run_id: int) -> TikTokSyncRun:
    run = SyncRepository(uow).get(workspace_id, run_id)
    if run is None:
        raise NotFound(f"sync run {run_id} not found")
    return run


def prefetch(db: Database, run_id: int, *, max_pages: int | None = None) -> Fetched | None:
    """Make a step's TikTok calls before its transaction opens.

    Rule: a job's transaction (on SQLite, the database's single write lock) must not wait on
    TikTok. The run is read in a short transaction, its next pages are fetched and turned into
    rows with no transaction open, and ``step(..., fetched=…)`` only writes them. If the run
    moved meanwhile (its cursor differs), ``step`` ignores the prefetched pages."""
    with db.read() as uow:
        run = SyncRepository(uow).run(run_id)
        if run is None or run.status in SYNC_LIFECYCLE.final:
            return None
        account = AccountsRepository(uow).ad_account_any(run.ad_account_id)
        access = grants.tiktok_access(uow, account) if account is not None else None
        if access is None:
            return None
        cursor = dict(run.cursor or {})
        scope, advertiser_id, currency = run.scope, access.advertiser_id, access.currency
        token = access.token
    client = tiktok.job_client()
    budget = max_pages or accounts_settings().pages_per_step
    events: list[Event] = []
    try:
        for event in walk(client, token, scope, advertiser_id, currency, cursor, budget):
            events.append(event)
    except TikTokError as exc:
        return Fetched(cursor, events, exc)
    return Fetched(cursor, events)


def step(
    uow: UnitOfWork,
    run_id: int,
    *,
    max_pages: int | None = None,
    last_attempt: bool = False,
    client: TikTokClient | None = None,
    fetched: Fetched | None = None,
) -> bool:
    """Advance the run by up to ``max_pages`` pages. True once the run is final.

    With ``fetched`` (from ``prefetch``) the pages are only written; without it they are
    fetched here. A retryable TikTok failure raises (the job retries the step) unless
    ``last_attempt``; any other failure finishes the run as failed, with the error recorded."""
    repo = SyncRepository(uow)
    run = repo.run(run_id, lock=True)
    if run is None or run.status in SYNC_LIFECYCLE.final:
        return True
    account = AccountsRepository(uow).ad_account_any(run.ad_account_id)
    access = grants.tiktok_access(uow, account) if account is not None else None
    if account is None or access is None:
        _finish(
            uow,
            run,
            SyncStatus.FAILED,
            error={"error": "AuthorizationRevoked", "detail": "authorize the app again"},
        )
        return True
    if operations.is_cancelled(uow, run.operation_id or 0) and run.operation_id:
        _finish(uow, run, SyncStatus.FAILED, error={"error": "Cancelled", "detail": "cancelled"})
        return True
    if run.status == SyncStatus.QUEUED:
        run.status = SYNC_LIFECYCLE.transition(run.status, SyncStatus.RUNNING)
        run.started_at = clock.now()
    client = client or tiktok.job_client()
    before = client.stats.snapshot()
    try:
        if fetched is not None and fetched.cursor == dict(run.cursor or {}):
            _apply(uow, run, account, iter(fetched.events))
            error = fetched.error
            # Pages fetched before a passing failure are kept: the next step goes on from them.
            if error is not None and not (error.retryable and fetched.events and not last_attempt):
                raise error
        else:
            token = access.token
            budget = max_pages or accounts_settings().pages_per_step
            cursor = dict(run.cursor or {})
            events = walk(
                client, token, run.scope, account.advertiser_id, account.currency, cursor, budget
            )
            _apply(uow, run, account, events)
    except AuthRevoked as exc:
        _account_stats(run, client, before)
        grants.revoke(uow, access.workspace_id, access.grant_id, reason=str(exc.message))
        _finish(uow, run, SyncStatus.FAILED, error=_error(exc))
        return True
    except TikTokError as exc:
        _account_stats(run, client, before)
        if exc.retryable and not last_attempt:
            raise
        _finish(uow, run, SyncStatus.FAILED, error=_error(exc))
        return True
    _account_stats(run, client, before)
    final = (run.cursor or {}).get("stage") is None
    if final:
        account.last_synced_at = clock.now()
        _finish(uow, run, SyncStatus.PARTIAL if run.errors else SyncStatus.SUCCEEDED)
        if run.scope != SyncScope.AUDIENCES:
            # The entities are fresh: their reports follow (the report sync's start job).
            enqueue(
                uow,
                REPORT_SYNC_JOB,
                {"workspace_id": run.workspace_id, "ad_account_id": account.id},
                workspace_id=run.workspace_id,
                dedupe_key=f"{REPORT_SYNC_JOB}:{run.id}",
            )
            # ... and the product links their ads name (landing pages, product ids).
            enqueue(
                uow,
                LINK_JOB,
                {"workspace_id": run.workspace_id, "ad_account_id": account.id},
                workspace_id=run.workspace_id,
                dedupe_key=f"{LINK_JOB}:{run.id}",
            )
    uow.flush()
    return final


def _apply(
    uow: UnitOfWork, run: TikTokSyncRun, account: TikTokAdAccount, events: Iterator[Event]
) -> None:
    """Write events in order; the run's cursor moves with each, so it commits with the rows."""
    repo = SyncRepository(uow)
    for event in events:
        if event.kind == "totals":
            for stage, total in event.totals.items():
                _count(run, stage, "expected", total)
            if run.operation_id:
                operations.add_total(uow, run.operation_id, sum(event.totals.values()))
        elif event.kind == "advertiser":
            _advertiser(uow, run, account, event.infos)
            run.cursor = {"stage": next_stage(run.scope, event.stage), "page": 1}
        elif event.kind == "page":
            _store(uow, run, account, event)
            run.cursor = {"stage": event.stage, "page": event.page + 1}
        else:
            vanished = repo.mark_vanished(event.stage, account.id, run.id)
            _count(run, event.stage, "vanished", vanished)
            run.cursor = {"stage": next_stage(run.scope, event.stage), "page": 1}


def _store(uow: UnitOfWork, run: TikTokSyncRun, account: TikTokAdAccount, event: Event) -> None:
    stage, rows = event.stage, event.rows()
    if len(rows) < len(event.items):
        _count(run, stage, "malformed", len(event.items) - len(rows))
    result = SyncRepository(uow).upsert_page(stage, account.workspace_id, account.id, run.id, rows)
    run.pages += 1
    _count(run, stage, "seen", len(rows))
    _count(run, stage, "inserted", result.inserted)
    _count(run, stage, "updated", result.updated)
    _count(run, stage, "deleted", sum(1 for r in rows if r.get("deleted")))
    if run.operation_id:
        if event.page == 1 and event.total is not None:
            # Counted at the start (``totals``): only correct by what changed meanwhile.
            expected = int((run.counts or {}).get(stage, {}).get("expected", 0))
            if event.total != expected:
                operations.add_total(uow, run.operation_id, event.total - expected)
        operations.progress(uow, run.operation_id, done=len(rows))


def _advertiser(
    uow: UnitOfWork, run: TikTokSyncRun, account: TikTokAdAccount, infos: list[Any]
) -> None:
    for info in infos:
        if info.advertiser_id != account.advertiser_id:
            continue
        account.name = (info.name or account.name)[:200]
        account.currency = (info.currency or account.currency)[:3].upper()
        account.timezone = (info.timezone or account.timezone)[:64]
        account.status = (info.status or account.status)[:48]
        account.raw = info.raw()
    run.pages += 1
    _count(run, "advertiser", "seen", len(infos))
    if run.operation_id:
        operations.add_total(uow, run.operation_id, 1)
        operations.progress(uow, run.operation_id, done=1)


def _count(run: TikTokSyncRun, stage: str, what: str, n: int) -> None:
    counts = {k: dict(v) for k, v in (run.counts or {}).items()}
    entry = counts.setdefault(stage, {})
    entry[what] = int(entry.get(what, 0)) + n
    run.counts = counts


def _account_stats(run: TikTokSyncRun, client: TikTokClient, before: Any) -> None:
    delta = client.stats.snapshot() - before
    run.throttles += int(delta.throttles)
    run.retries += int(delta.retries)


def _error(exc: TikTokError) -> dict[str, Any]:
    return {
        "error": type(exc).__name__,
        "code": exc.code,
        "detail": exc.message[:300],
        "endpoint": exc.endpoint,
        "at": clock.now().isoformat(),
    }


def _finish(
    uow: UnitOfWork, run: TikTokSyncRun, status: SyncStatus, error: dict[str, Any] | None = None
) -> None:
    if error is not None:
        run.errors = [*(run.errors or []), error][-20:]
    if run.status == SyncStatus.QUEUED and status != SyncStatus.FAILED:
        run.status = SYNC_LIFECYCLE.transition(run.status, SyncStatus.RUNNING)
    run.status = SYNC_LIFECYCLE.transition(run.status, status)
    run.finished_at = clock.now()
    if run.operation_id:
        result = {
            "counts": run.counts,
            "pages": run.pages,
            "throttles": run.throttles,
            "retries": run.retries,
            "run_id": run.id,
        }
        if error is not None:
            operations.progress(uow, run.operation_id, errors=[error])
        state = {"succeeded": "succeeded", "partial": "partial", "failed": "failed"}[status]
        operations.finish(uow, run.operation_id, state=state, result=result)
    uow.flush()


def runs(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> list[TikTokSyncRun]:
    return SyncRepository(uow).runs(workspace_id, ad_account_id)
