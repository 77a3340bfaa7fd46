"""Sync an ad account's report history: BASIC metrics per campaign, ad group and ad, per day for
the whole history and per hour for the last days, into the report store.

How a report sync runs:
- ``start`` plans the sync (``campaigns.domain.report_sync``: which days, which windows) in the
  ad account's zone, and writes its operation (the progress bar: one unit per window) and a
  durable job in the caller's transaction. One open sync per ad account: asking again returns
  the open one. The plan and the cursor (window, page) live in the operation's ``result``, so
  the job, the CLI and the API all see where it stands.
- ``prefetch`` makes a step's TikTok calls with no transaction open: up to ``pages_per_step``
  pages of the cursor's window (1,000 rows each, every status: deleted objects included), turned
  into store rows (spend parsed exactly into minor units of the account's currency).
- ``step`` writes them in the caller's transaction: rows upserted on (ad account, level, grain,
  object, stat time), the cursor moved, the window counted done; after the last window, days
  before the attribution window are marked final and the account's ``TikTokReportSync``
  (first_day, last_day, final_through, synced_at) moves. Prefetched pages of another cursor are
  ignored (someone else moved the sync): the driver prefetches again.
- Truncated reports: TikTok cuts an answer short past 20,000 ads and says so in a header
  (spec §6.9). A truncated page is not stored; the window is read again in parts, each
  narrowed to at most 100 campaigns (every campaign that can have rows in the window: those
  with campaign rows stored, the campaign level being read first, and every mirrored one), and
  a part still truncated is halved, down to one campaign. The parts live in the plan beside the
  cursor (window, part, page). Only a single campaign over the limit keeps its truncated rows,
  counted in ``truncated_pages`` and reported as an error of the operation, never silently.
- TikTok's rate limit: every call goes through the process-wide client and its limiter.
  A passing failure (40100, 50000, a timeout) after some pages keeps those pages; with none,
  the step raises and the job's backoff retries it. 40105 revokes the grant and fails the sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.audit.service import record
from promodesk.campaigns.domain.report_sync import (
    METRICS,
    TIME_DIMENSION,
    Window,
    count,
    is_final,
    local_day_of,
    local_today,
    plan,
    spend_minor,
    stat_time,
    windows,
    zone,
)
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok.api.reports import REPORT_ID_FILTER_MAX
from promodesk.integrations.tiktok.errors import AuthRevoked, TikTokError
from promodesk.kit import clock
from promodesk.kit.db import BUSY_ERRORS, Database, UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.jobs.service import enqueue
from promodesk.models import Operation, TikTokReportSync
from promodesk.operations import service as operations
from promodesk.operations.domain import FINAL_STATES

JOB = "campaigns.report_sync"
# Enqueued by a successful entity sync of an ad account: start its report sync.
START_JOB = "campaigns.report_sync.start"
KIND = "tiktok.report_sync"
RUN_BUSY_ATTEMPTS = 5  # ``run``: writes of one step tried on a busy database


@dataclass
class Fetched:
    """A step's pages, fetched before its transaction: rows for the store and the cursor after."""

    cursor: dict[str, int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    next_cursor: dict[str, int] | None = None  # None: nothing fetched (see ``error``)
    window_done: bool = False
    malformed: int = 0
    throttles: int = 0
    retries: int = 0
    error: TikTokError | None = None
    # The window's campaign-id parts after this step, when it split them (see the module).
    parts: list[list[str]] | None = None
    truncated: int = 0  # truncated pages kept (one campaign over TikTok's limit)


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


def _plan_of(op: Operation) -> dict[str, Any]:
    result = dict(op.result or {})
    if "window" not in result:
        raise ValidationFailed(f"operation {op.id} is not a report sync")
    return result


def _windows(plan_: dict[str, Any]) -> tuple[Window, ...]:
    return windows(
        date.fromisoformat(plan_["since"]),
        date.fromisoformat(plan_["today"]),
        int(plan_["hourly_days"]),
    )


def _cursor(plan_: dict[str, Any]) -> dict[str, int]:
    return {
        "window": int(plan_["window"]),
        "page": int(plan_["page"]),
        "part": int(plan_.get("part") or 0),
    }


def _parts(plan_: dict[str, Any]) -> list[list[str]] | None:
    parts = plan_.get("parts")
    return [[str(i) for i in part] for part in parts] if parts else None


def split_parts(
    parts: list[list[str]] | None, part: int, campaign_ids: list[str]
) -> list[list[str]] | None:
    """The parts of a window after a truncated page of ``part``: a whole window (no parts yet)
    becomes ``campaign_ids`` in chunks of TikTok's 100-id filter; a part of several campaigns
    is halved in place. None when nothing narrower exists (one campaign, or no ids known)."""
    if parts is None:
        if not campaign_ids:
            return None
        size = REPORT_ID_FILTER_MAX
        return [campaign_ids[i : i + size] for i in range(0, len(campaign_ids), size)]
    ids = parts[part]
    if len(ids) < 2:
        return None
    half = len(ids) // 2
    return [*parts[:part], ids[:half], ids[half:], *parts[part + 1 :]]


def prefetch(db: Database, operation_id: int, *, max_pages: int | None = None) -> Fetched | None:
    """The next pages of the sync, fetched with no transaction open (None: nothing to do)."""
    with db.read() as uow:
        op = operations.get_unscoped(uow, operation_id)
        if op.state in FINAL_STATES:
            return None
        plan_ = _plan_of(op)
        account = accounts_alloc.get_ad_account(uow, op.workspace_id, int(plan_["ad_account_id"]))
        access = grants.tiktok_access(uow, account)
    if access is None:
        return None
    cursor = _cursor(plan_)
    all_windows = _windows(plan_)
    fetched = Fetched(cursor)
    if cursor["window"] >= len(all_windows):
        fetched.next_cursor = cursor
        return fetched
    window = all_windows[cursor["window"]]
    parts = _parts(plan_)
    part = cursor["part"]
    api = access.api()
    settings = campaigns_settings()
    budget = max_pages or settings.report_pages_per_step
    before = api.client.stats.snapshot()
    page_no = cursor["page"]

    def after_last() -> dict[str, int]:
        """The cursor after the last page of the current part (or of the whole window)."""
        if parts is not None and part + 1 < len(parts):
            return {"window": cursor["window"], "page": 1, "part": part + 1}
        fetched.window_done = True
        return {"window": cursor["window"] + 1, "page": 1, "part": 0}

    try:
        pages = api.basic_report_pages(
            access.advertiser_id,
            data_level=window.data_level,  # type: ignore[arg-type]
            dimensions=window.dimensions(),
            metrics=window.metrics(),
            start_date=window.since.isoformat(),
            end_date=window.until.isoformat(),
            start_page=page_no,
            page_size=settings.report_page_size,
            campaign_ids=parts[part] if parts is not None else None,
        )
        for page in pages:
            if page.truncated:
                split = _split(db, plan_, window, parts, part)
                if split is not None:  # read the window again, narrower; this page is dropped
                    fetched.parts = split
                    fetched.next_cursor = {"window": cursor["window"], "page": 1, "part": part}
                    break
                fetched.truncated += 1
            _convert(fetched, window, page.items, plan_)
            fetched.pages += 1
            last = not page.items or (
                page.total_page <= page.page
                if page.total_page is not None
                else len(page.items) < page.page_size
            )
            if last:
                fetched.next_cursor = after_last()
                break
            fetched.next_cursor = {"window": cursor["window"], "page": page.page + 1, "part": part}
            if fetched.pages >= budget:
                break
        else:  # the generator ended by itself: the part (or window) is complete
            fetched.next_cursor = after_last()
    except TikTokError as exc:
        fetched.error = exc
    delta = api.client.stats.snapshot() - before
    fetched.throttles, fetched.retries = int(delta.throttles), int(delta.retries)
    return fetched


def _split(
    db: Database,
    plan_: dict[str, Any],
    window: Window,
    parts: list[list[str]] | None,
    part: int,
) -> list[list[str]] | None:
    ids: list[str] = []
    if parts is None:
        with db.read() as uow:
            ids = ReportSyncRepository(uow).campaign_ids(
                int(plan_["ad_account_id"]), window.since.isoformat(), window.until.isoformat()
            )
    return split_parts(parts, part, ids)


def _convert(fetched: Fetched, window: Window, items: list[Any], plan_: dict[str, Any]) -> None:
    level, grain = window.level, window.grain
    id_key, time_key = f"{level.value}_id", TIME_DIMENSION[grain]
    currency = str(plan_["currency"])
    final_before = date.fromisoformat(plan_["final_before"])
    for item in items:
        object_id = str(item.dimensions.get(id_key) or "")
        stamp = stat_time(grain, str(item.dimensions.get(time_key) or ""))
        if not object_id or stamp is None:
            fetched.malformed += 1
            continue
        campaign_id = (
            object_id if level == Level.CAMPAIGN else str(item.metric("campaign_id") or "")
        )
        row: dict[str, Any] = {
            "workspace_id": 0,  # set by the step
            "ad_account_id": int(plan_["ad_account_id"]),
            "level": level.value,
            "grain": grain.value,
            "object_id": object_id[:32],
            "campaign_id": campaign_id[:32],
            "stat_time": stamp,
            "time_zone": str(plan_["time_zone"])[:64],
            "currency": currency,
            "final": is_final(stamp, final_before),
        }
        for metric, column in METRICS.items():
            value = item.metric(metric)
            row[column] = spend_minor(value, currency) if metric == "spend" else count(value)
        fetched.rows.append(row)


def step(
    uow: UnitOfWork, operation_id: int, fetched: Fetched | None, *, last_attempt: bool = False
) -> bool:
    """Write prefetched pages and move the cursor. True once the sync is final.

    A retryable failure with nothing fetched raises (the job's backoff retries) unless
    ``last_attempt``; any other failure finishes the sync as failed, with the error kept."""
    op = operations.get_unscoped(uow, operation_id)
    if op.state in FINAL_STATES:
        return True
    plan_ = _plan_of(op)
    repo = ReportSyncRepository(uow)
    state = repo.state(int(plan_["ad_account_id"]), lock=True)
    if state is None or state.last_operation_id != op.id:
        operations.finish(uow, op.id, state="failed", result=plan_)
        return True
    if fetched is None:
        _fail(uow, op.id, plan_, "AuthorizationRevoked", "authorize the app again")
        return True
    if fetched.cursor != _cursor(plan_):
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
    now = clock.now()
    for row in fetched.rows:
        row["workspace_id"] = op.workspace_id
        row["synced_at"] = now
    written = repo.upsert_rows(fetched.rows)
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


def where(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> dict[str, Any]:
    """Where the ad account's report history stands: stored days, final days, rows per level
    and grain, and the last sync's operation (its progress and cursor)."""
    account = accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    repo = ReportSyncRepository(uow)
    state = repo.state(account.id)
    out: dict[str, Any] = {
        "ad_account_id": account.id,
        "time_zone": account.timezone or "UTC",
        "currency": account.currency,
        "first_day": None,
        "last_day": None,
        "final_through": None,
        "synced_at": None,
        "rows": {},
        "operation": None,
    }
    if state is None:
        return out
    out.update(
        first_day=state.first_day or None,
        last_day=state.last_day or None,
        final_through=state.final_through or None,
        synced_at=state.synced_at,
        rows={f"{lv}_{gr}": n for (lv, gr), n in sorted(repo.row_counts(account.id).items())},
    )
    if state.last_operation_id:
        op = operations.get(uow, workspace_id, state.last_operation_id)
        out["operation"] = operations.as_dict(op)
    return out


__all__ = [
    "JOB",
    "START_JOB",
    "Fetched",
    "TikTokError",
    "prefetch",
    "run",
    "start",
    "start_after_entity_sync",
    "step",
    "where",
]
