"""Cancel TikTok campaigns, ad groups or ads: the job that runs a confirmed cancellation.

The job (``JOB``) runs in steps: ``prefetch_step`` sends up to ``cancel_chunks_per_step``
status updates of ≤ 20 ids (one ad account and level each) with no transaction open, each
object's snapshot and money figures stored before it is changed; ``run_step`` writes what
TikTok answered: items done or failed with TikTok's words, the mirror rows show the stop at once
(children derive it), the freed money goes into the advertiser's pool (``freed.post_freed``,
once per item by its ledger ref), progress counts. A chunk TikTok refuses as a whole is sent
again one id at a time, so one bad object fails alone. TikTok not answering leaves the rest
pending for the next step. When no item is pending the cancellation ends
``done``/``partial``/``failed`` and the verification (``VERIFY_JOB``) is due after the settle
delay.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from promodesk.accounts.service import grants
from promodesk.campaigns.domain.cancellations import (
    CANCELLATION,
    ITEM,
    Action,
    CancelStatus,
    ItemStatus,
    Level,
    child_stopped,
    chunks,
    status_of_counts,
    stopped,
)
from promodesk.campaigns.repository.cancellations.run import RunRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.cancellations import preview
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs.lease import LeaseKeeper
from promodesk.models import CampaignCancellation
from promodesk.operations import service as operations

JOB = "campaigns.cancel.run"


VERIFY_JOB = "campaigns.cancel.verify"


OPERATION_KIND = "campaigns.cancel"


log = logging.getLogger(__name__)


@dataclass
class StepFetched:
    """What one step's status updates answered: item id → None (done) or TikTok's error."""

    results: dict[int, str | None]
    at: datetime
    unavailable: str = ""


def prefetch_step(
    db: Database, cancellation_id: int, lease: LeaseKeeper | None = None
) -> StepFetched | None:
    """The TikTok calls of one step, with no transaction open (module rules). With the job's
    ``lease``, each chunk is sent only while the job is surely still this worker's (else
    ``LeaseLost``: nothing more is sent and the step records nothing).

    The rule: an object is changed only once its snapshot is stored. The snapshots of this
    step's items are stored already (by the step before, see below), else first, in a
    transaction of their own; an item whose object promodesk no longer has fails unsent. While
    this step's calls are in flight, the snapshots of the next step's items are stored, so
    that taking them costs no time at the rate limit."""
    per_step = campaigns_settings().cancel_chunks_per_step
    with db.read() as uow:
        repo = RunRepository(uow)
        c = repo.get_any(cancellation_id)
        if c is None or c.status != CancelStatus.RUNNING.value:
            return None
        act = Action(c.action)
        pending = RunRepository(uow).pending_keys(cancellation_id)
        if not pending:
            return StepFetched({}, clock.now())
        accounts = repo.accounts(c.workspace_id, {i.ad_account_id for i in pending})
        access = {a.id: grants.tiktok_access(uow, a) for a in accounts.values()}
        groups: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        for i in pending:
            groups[(int(i.ad_account_id), str(i.level))].append((int(i.id), str(i.object_id)))
        taken = {int(i.id) for i in pending if i.taken}
    order: list[tuple[Any, str, list[tuple[int, str]]]] = []
    for (account_id, lvl), members in groups.items():
        for part in chunks([str(n) for n in range(len(members))]):
            order.append((access.get(account_id), lvl, [members[int(n)] for n in part]))
    plan, ahead = order[:per_step], order[per_step : 2 * per_step]

    def untaken(tasks: list[tuple[Any, str, list[tuple[int, str]]]]) -> list[int]:
        ids = [item_id for _, _, members in tasks for item_id, _ in members]
        return [item_id for item_id in ids if item_id not in taken]

    results: dict[int, str | None] = dict(_take_snapshots(db, cancellation_id, untaken(plan)))
    sendable = [
        (grant, lvl, [m for m in members if m[0] not in results]) for grant, lvl, members in plan
    ]
    sendable = [task for task in sendable if task[2]]
    unavailable = ""

    def send(task: tuple[Any, str, list[tuple[int, str]]]) -> dict[int, str | None]:
        grant, lvl, members = task
        if grant is None:
            return {item_id: REVOKED for item_id, _ in members}
        if lease is not None:
            lease.check()
        return _send(grant, lvl, members, act)

    # The chunks go out in parallel; the client's limiter keeps them under TikTok's QPS.
    workers = max(1, min(campaigns_settings().cancel_parallel_calls, len(sendable)))
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(send, task) for task in sendable]
        try:
            _take_snapshots(db, cancellation_id, untaken(ahead))
        except Exception:  # only ahead of time: the next step takes what is missing itself
            log.warning("cancel %s: snapshots ahead not stored", cancellation_id, exc_info=True)
        for future in futures:
            try:
                results.update(future.result())
            except tt.TikTokError as exc:  # not answering: these stay pending for the next step
                unavailable = _said(exc)
    return StepFetched(results, clock.now(), unavailable)


NO_MIRROR = (
    "promodesk no longer has this object, so no snapshot could be taken and nothing was sent: "
    "sync its ad account, then retry"
)


def _take_snapshots(db: Database, cancellation_id: int, item_ids: list[int]) -> dict[int, str]:
    """Store the snapshots and money figures of these items that are pending without a
    snapshot, in a transaction of its own (committed before any of them is changed); item
    id → the error of those whose object promodesk no longer has."""
    if not item_ids:
        return {}
    missing: dict[int, str] = {}
    with db.transaction() as uow:
        bulk = RunRepository(uow)
        c = bulk.get_any(cancellation_id)
        if c is None:
            return {}
        act = Action(c.action)
        by_level: dict[str, list[Any]] = defaultdict(list)
        for row in bulk.without_snapshot(cancellation_id, item_ids):
            by_level[str(row.level)].append(row)
        stored: dict[int, dict[str, Any]] = {}
        for level, members in by_level.items():
            lvl = Level(level)
            rows = [int(m.row_id) for m in members]
            found = preview.snapshots(uow, c.workspace_id, lvl, rows)
            plans = preview.plan(uow, c.workspace_id, lvl, rows, act, strict=False)
            planned = {p.row_id: p for p in plans}
            for m in members:
                snapshot, plan = found.get(int(m.row_id)), planned.get(int(m.row_id))
                if snapshot is None or plan is None:
                    missing[int(m.id)] = NO_MIRROR
                else:
                    stored[int(m.id)] = {"snapshot": snapshot, **preview.item_columns(plan)}
        bulk.store_snapshots(stored)
    return missing


REVOKED = (
    "the TikTok authorization of this ad account is revoked: import the ad account again "
    "(re-authorize), then retry"
)


def _said(exc: tt.TikTokError) -> str:
    return f"{exc.message} (code {exc.code})" if exc.code is not None else exc.message


def _send(
    grant: grants.TikTokAccess, lvl: str, members: list[tuple[int, str]], act: Action
) -> dict[int, str | None]:
    """One chunk; a chunk refused as a whole is sent one id at a time. Retryable failures
    (TikTok unavailable, throttled after the client's retries) propagate. A DELETE of an
    object TikTok says is deleted already is done (it was deleted in Ads Manager meanwhile,
    or a run whose write was lost sent it)."""
    api = grant.api()
    ids = [oid for _, oid in members]
    try:
        answer = api.update_status(lvl, grant.advertiser_id, ids, act.operation_status)  # type: ignore[arg-type]
    except tt.TikTokError as exc:
        if exc.retryable:
            raise
        if len(members) == 1:
            if act is Action.DELETE and _already_deleted(exc):
                return {members[0][0]: None}  # deleted already (elsewhere, or an earlier run)
            return {members[0][0]: f"TikTok refused: {_said(exc)}"}
        out: dict[int, str | None] = {}
        for member in members:
            out.update(_send(grant, lvl, [member], act))
        return out
    changed = set(answer.ids)
    errors = {
        str(e.get(f"{lvl}_id")): str(e.get("error_message") or "refused")
        for e in answer.errors
        if isinstance(e, dict)
    }
    return {
        item_id: None
        if oid in changed
        else f"TikTok refused: {errors.get(oid, 'answered without changing it')}"
        for item_id, oid in members
    }


def _already_deleted(exc: tt.TikTokError) -> bool:
    """TikTok refusing a DELETE because the object is deleted already: what was asked holds."""
    return isinstance(exc, tt.BadParameter) and "has been deleted" in exc.message


def run_step(uow: UnitOfWork, cancellation_id: int, fetched: StepFetched | None) -> datetime | None:
    """Write one step's results; the time to run the next step, None when finished."""
    if fetched is None:
        return None
    repo = RunRepository(uow)
    c = repo.get_any(cancellation_id, lock=True)
    if c is None or c.status != CancelStatus.RUNNING.value:
        return None
    act = Action(c.action)
    bulk = RunRepository(uow)
    pending = {r.id: r for r in bulk.pending_rows(cancellation_id, list(fetched.results))}
    done = failed = 0
    errors: list[dict[str, Any]] = []
    stopped_now: list[Any] = []
    for item_id, error in fetched.results.items():
        item = pending.pop(item_id, None)
        if item is None:  # written by an earlier run of this step
            continue
        if error is None:
            stopped_now.append(item)
            done += 1
        else:
            ITEM.transition(ItemStatus.PENDING, ItemStatus.FAILED)
            bulk.set_items(
                [item.id],
                ITEM.sources_for(ItemStatus.FAILED),
                {"status": ItemStatus.FAILED.value, "error": error[:2000]},
            )
            errors.append({"item": f"{item.level} {item.object_id}", "error": error[:300]})
            failed += 1
    if stopped_now:
        ITEM.transition(ItemStatus.PENDING, ItemStatus.DONE)
        bulk.set_items(
            [i.id for i in stopped_now],
            ITEM.sources_for(ItemStatus.DONE),
            {"status": ItemStatus.DONE.value, "stopped_at": fetched.at, "error": ""},
        )
    _mirror_stop(bulk, act, stopped_now)
    freed.post_freed_many(
        uow,
        c.workspace_id,
        [
            (
                freed.pool_of(i.advertiser_id, i.ad_account_id, i.currency),
                i.freed_minor,
                f"item:{i.id}",
                f"{act.value} {i.level} {i.object_id}",
            )
            for i in stopped_now
        ],
    )
    if c.operation_id and (done or failed):
        operations.progress(uow, c.operation_id, done=done, failed=failed, errors=errors)
    uow.flush()
    if repo.count_items(cancellation_id, ItemStatus.PENDING.value):
        if fetched.unavailable:
            return clock.now() + timedelta(seconds=5)
        return clock.now()
    _finish(uow, c)
    return None


def _finish(uow: UnitOfWork, c: CampaignCancellation) -> None:
    repo = RunRepository(uow)
    final = status_of_counts(repo.status_counts(c.id))
    c.status = CANCELLATION.transition(c.status, final).value
    c.finished_at = clock.now()
    if c.operation_id:
        operations.finish(uow, c.operation_id)
    if repo.to_verify(c.id):
        settle = campaigns_settings().cancel_verify_settle_seconds
        enqueue(
            uow,
            VERIFY_JOB,
            {"cancellation_id": c.id, "round": 1},
            run_at=clock.now() + timedelta(seconds=settle),
            dedupe_key=f"{VERIFY_JOB}:{c.id}:{c.operation_id}",
            workspace_id=c.workspace_id,
        )
    uow.flush()


def _mirror_stop(repo: RunRepository, act: Action, items: list[Any]) -> None:
    """The mirror rows and their children show the stop TikTok accepted, at once (a few
    statements per ad account and level)."""
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for i in items:
        groups[(i.ad_account_id, i.level)].append(i.object_id)
    for (account_id, level), ids in groups.items():
        lvl = Level(level)
        after = stopped(act, lvl)
        values: dict[str, Any] = {
            "secondary_status": after.secondary_status,
            "deleted": after.deleted,
        }
        if after.operation_status is not None:
            values["operation_status"] = after.operation_status
        repo.set_objects(level, account_id, ids, values)
        children = {Level.CAMPAIGN: (Level.ADGROUP, Level.AD), Level.ADGROUP: (Level.AD,)}
        for child in children.get(lvl, ()):
            derived = child_stopped(act, lvl, child, False)
            if derived is not None:
                repo.set_children(
                    level,
                    child.value,
                    account_id,
                    ids,
                    {"secondary_status": derived.secondary_status, "deleted": derived.deleted},
                )
