"""Cancel TikTok campaigns, ad groups or ads: the money preview, the confirmed cancellation,
its run in chunks, retry of the failed items, and the reads of the log.

Flow:
1. ``preview`` (reads only): per object and in total per currency, the budget and its mode,
   spent to date, spent today (the ad account's local today), what the cancel frees
   (``domain.freed_minor``), live children, the last 7 days of spend and their share of the
   advertiser's (else the ad account's) last 7 days, and what TikTok will do.
2. ``confirm``: the same figures are stored on one item per object with a snapshot of the
   object (its mirror ``raw``, and for a campaign its ad groups' and ads'), an operation with a
   progress bar and a durable job are started, all in the caller's transaction, audited.
3. The job (``JOB``) runs in steps: ``prefetch_step`` sends up to ``cancel_chunks_per_step``
   status updates of ≤ 20 ids (one ad account and level each) with no transaction open;
   ``run_step`` writes what TikTok answered: items done or failed with TikTok's words, the
   mirror rows show the stop at once (children derive it), the freed money goes into the
   advertiser's pool (``freed.post_freed``, once per item by its ledger ref), progress counts.
   A chunk TikTok refuses as a whole is sent again one id at a time, so one bad object fails
   alone. TikTok not answering leaves the rest pending for the next step.
4. When no item is pending the cancellation ends ``done``/``partial``/``failed`` and the
   verification (``cancel_verification``) is due after the settle delay.
``retry`` puts the failed items back to pending under a new operation and runs them again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import grants
from promodesk.audit.service import record
from promodesk.campaigns.domain.cancellations import (
    CANCELLATION,
    ITEM,
    Action,
    CancelStatus,
    ItemStatus,
    Level,
    already_as_asked,
    child_stopped,
    chunks,
    freed_minor,
    share_percent,
    status_of_counts,
    stopped,
)
from promodesk.campaigns.domain.cancellations import (
    action as parse_action,
)
from promodesk.campaigns.domain.cancellations import (
    level as parse_level,
)
from promodesk.campaigns.domain.cancellations import (
    reason as parse_reason,
)
from promodesk.campaigns.domain.cancellations import (
    row_ids as parse_row_ids,
)
from promodesk.campaigns.repository.cancellations import (
    ID_COLUMN,
    BulkCancellations,
    CancellationsRepository,
)
from promodesk.campaigns.service import freed
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.jobs import enqueue
from promodesk.models import CampaignCancellation, CampaignCancellationItem
from promodesk.operations import service as operations

JOB = "campaigns.cancel.run"
VERIFY_JOB = "campaigns.cancel.verify"
OPERATION_KIND = "campaigns.cancel"
EPOCH = date(2000, 1, 1)
log = logging.getLogger(__name__)


def _refusal(reason: str, detail: str, **extra: Any) -> Refusal:
    return Refusal(reason, detail, **extra)


# --- preview ------------------------------------------------------------------------------------


@dataclass
class ItemPlan:
    row_id: int
    level: str
    object_id: str
    campaign_id: str
    name: str
    ad_account_id: int
    ad_account_name: str
    tiktok_advertiser_id: str
    time_zone: str
    client_account_id: int | None
    advertiser_id: int | None
    currency: str
    budget_mode: str
    budget_minor: int
    spent_to_date_minor: int
    spent_today_minor: int
    last_7_days_minor: int
    freed_minor: int
    live_children: int
    operation_status: str
    secondary_status: str
    share_base: str
    share_base_minor: int
    share_percent: str | None
    skip: bool

    def view(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _today(tz: str) -> date:
    try:
        zone = ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return clock.now().astimezone(zone).date()


def _objects(uow: UnitOfWork, workspace_id: int, lvl: Level, ids: list[int]) -> list[Any]:
    """The mirror rows of the objects to cancel, in the order asked (settings not loaded): a
    404 for an id not in the workspace, a refusal for an object deleted already."""
    repo = BulkCancellations(uow)
    rows = {r.id: r for r in repo.objects(workspace_id, lvl.value, ids, light=True)}
    missing = [i for i in ids if i not in rows]
    if missing:
        shown = ", ".join(str(i) for i in missing[:20])
        raise NotFound(f"no {lvl.value} with id {shown} in this workspace", field="ids")
    gone = [r for r in rows.values() if r.deleted or r.vanished]
    if gone:
        shown = ", ".join(f"{r.name or '?'} ({getattr(r, ID_COLUMN[lvl.value])})" for r in gone)
        raise _refusal(
            "object_deleted",
            f"already deleted on TikTok, nothing to cancel: {shown[:500]}",
            ids=[r.id for r in gone][:100],
        )
    return [rows[i] for i in ids]


def _plan(
    uow: UnitOfWork,
    workspace_id: int,
    lvl: Level,
    ids: list[int],
    act: Action,
    *,
    strict: bool = True,
) -> list[ItemPlan]:
    """The money figures of each object; ``strict``: refuse what ``_objects`` refuses (else
    the objects promodesk no longer has are left out and deleted ones are planned too)."""
    repo = BulkCancellations(uow)
    if strict:
        ordered = _objects(uow, workspace_id, lvl, ids)
    else:
        rows = {r.id: r for r in repo.objects(workspace_id, lvl.value, ids, light=True)}
        ordered = [rows[i] for i in ids if i in rows]
    accounts = repo.accounts(workspace_id, {r.ad_account_id for r in ordered})
    campaign_of = {r.id: r.campaign_id for r in ordered}
    allocs = repo.allocations((r.ad_account_id, campaign_of[r.id]) for r in ordered)
    by_account: dict[int, list[Any]] = defaultdict(list)
    for r in ordered:
        by_account[r.ad_account_id].append(r)
    figures: dict[int, tuple[int, int, int]] = {}
    kids_of: dict[tuple[int, str], list[Any]] = {}
    earlier: dict[tuple[int, str], int] = {}
    for account_id, part in by_account.items():
        part_ids = [getattr(r, ID_COLUMN[lvl.value]) for r in part]
        for oid, kids in repo.children_statuses(lvl.value, account_id, part_ids).items():
            kids_of[(account_id, oid)] = kids
        for oid, total in repo.freed_before_many(account_id, lvl.value, part_ids).items():
            earlier[(account_id, oid)] = total
        account = accounts[account_id]
        today = _today(account.timezone)
        tomorrow = today + timedelta(days=1)
        spent = repo.spend_figures(
            workspace_id,
            lvl.value,
            account_id,
            part_ids,
            epoch=EPOCH.isoformat(),
            week_since=(today - timedelta(days=6)).isoformat(),
            today=today.isoformat(),
            tomorrow=tomorrow.isoformat(),
        )
        for r in part:
            to_date, week, today_days, today_hours = spent.get(
                getattr(r, ID_COLUMN[lvl.value]), (0, 0, 0, None)
            )
            # today from the local day's hours where the store has them, else the daily row
            spent_today = today_days if today_hours is None else today_hours
            figures[r.id] = (to_date, spent_today, week)
    bases: dict[tuple[str, int], int] = {}
    plans: list[ItemPlan] = []
    for r in ordered:
        account = accounts[r.ad_account_id]
        alloc = allocs.get((r.ad_account_id, campaign_of[r.id]))
        spent_total, today_spent, spent_week = figures[r.id]
        oid = getattr(r, ID_COLUMN[lvl.value])
        mode = getattr(r, "budget_mode", "") or ""
        budget = int(getattr(r, "budget_minor", 0) or 0)
        rule = freed_minor(lvl, mode, budget, spent_total, today_spent)
        if rule:
            rule = max(0, rule - earlier.get((r.ad_account_id, oid), 0))
        base_key = ("advertiser", alloc.advertiser_id) if alloc else ("ad_account", account.id)
        if base_key not in bases:
            today = _today(account.timezone)
            since = (today - timedelta(days=6)).isoformat()
            until = (today + timedelta(days=1)).isoformat()
            bases[base_key] = repo.spend_of_campaigns(
                workspace_id,
                since,
                until,
                advertiser_id=base_key[1] if alloc else None,
                ad_account_id=None if alloc else account.id,
            )
        live = sum(int(c.n) for c in kids_of.get((r.ad_account_id, oid), []) if _live(c))
        skip = already_as_asked(act, r.operation_status, r.deleted)
        share = share_percent(spent_week, bases[base_key])
        plans.append(
            ItemPlan(
                row_id=r.id,
                level=lvl.value,
                object_id=oid,
                campaign_id=campaign_of[r.id],
                name=r.name or "",
                ad_account_id=account.id,
                ad_account_name=account.name,
                tiktok_advertiser_id=account.advertiser_id,
                time_zone=account.timezone,
                client_account_id=alloc.client_account_id if alloc else None,
                advertiser_id=alloc.advertiser_id if alloc else None,
                currency=account.currency,
                budget_mode=mode,
                budget_minor=budget,
                spent_to_date_minor=spent_total,
                spent_today_minor=today_spent,
                last_7_days_minor=spent_week,
                freed_minor=0 if skip else rule,
                live_children=live,
                operation_status=r.operation_status,
                secondary_status=r.secondary_status,
                share_base=base_key[0],
                share_base_minor=bases[base_key],
                share_percent=None if share is None else str(share),
                skip=skip,
            )
        )
    return plans


def _snapshots(
    uow: UnitOfWork, workspace_id: int, lvl: Level, row_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """Mirror row id → the snapshot of the object: its settings as the mirror keeps them
    (``raw``) and, for a campaign, its ad groups' and ads' (an ad group: its ads'). A row no
    longer in the mirror has none."""
    repo = BulkCancellations(uow)
    by_account: dict[int, list[Any]] = defaultdict(list)
    for r in repo.objects(workspace_id, lvl.value, row_ids):
        by_account[r.ad_account_id].append(r)
    taken_at = clock.now().isoformat()
    out: dict[int, dict[str, Any]] = {}
    for account_id, part in by_account.items():
        oids = [getattr(r, ID_COLUMN[lvl.value]) for r in part]
        children = repo.children_of(lvl.value, account_id, oids)
        for r, oid in zip(part, oids, strict=True):
            kids = children.get(oid, {"adgroups": [], "ads": []})
            out[r.id] = {
                "level": lvl.value,
                "object": dict(r.raw or {}),
                "adgroups": [dict(g.raw or {}) for g in kids["adgroups"]],
                "ads": [dict(a.raw or {}) for a in kids["ads"]],
                "taken_at": taken_at,
            }
    return out


def _live(row: Any) -> bool:
    """A child that may deliver: not deleted, not paused, not stopped by a parent or its end."""
    stop_words = ("DISABLE", "DELETE", "TIME_DONE")
    secondary = row.secondary_status or ""
    return (
        not row.deleted
        and row.operation_status != "DISABLE"
        and not any(w in secondary for w in stop_words)
    )


def _totals(plans: list[ItemPlan]) -> list[dict[str, Any]]:
    """Money per currency (mixed currencies are never added together)."""
    per: dict[str, dict[str, Any]] = {}
    for p in plans:
        t = per.setdefault(
            p.currency,
            {
                "currency": p.currency,
                "count": 0,
                "budget_minor": 0,
                "spent_to_date_minor": 0,
                "spent_today_minor": 0,
                "last_7_days_minor": 0,
                "freed_minor": 0,
                "live_children": 0,
            },
        )
        t["count"] += 1
        for k in (
            "budget_minor",
            "spent_to_date_minor",
            "spent_today_minor",
            "last_7_days_minor",
            "freed_minor",
            "live_children",
        ):
            t[k] += getattr(p, k)
    return [per[c] for c in sorted(per)]


def preview(
    uow: UnitOfWork,
    workspace_id: int,
    level: str,
    row_ids: list[int] | list[str] | list[int | str],
    action: str,
) -> dict[str, Any]:
    """What cancelling these objects would do; nothing changes."""
    lvl, act = parse_level(level), parse_action(action)
    plans = _plan(uow, workspace_id, lvl, parse_row_ids(row_ids), act)
    return {
        "level": lvl.value,
        "action": act.value,
        "operation_status": act.operation_status,
        "reversible": act.reversible,
        "items": [p.view() for p in plans],
        "totals": _totals(plans),
    }


# --- confirm ------------------------------------------------------------------------------------


def confirm(
    uow: UnitOfWork,
    workspace_id: int,
    level: str,
    row_ids: list[int] | list[str] | list[int | str],
    action: str,
    reason_code: str | None,
    note: str | None,
    *,
    actor: str = "system",
) -> CampaignCancellation:
    """Create the cancellation, its items, its operation and job: the operator's intent. The
    job's steps take each item's snapshot and money figures (``_take_snapshots``), stored
    before its object is changed; an item skipped (already as asked) has them at once."""
    code, clean_note = parse_reason(reason_code, note)
    lvl, act = parse_level(level), parse_action(action)
    objects = _objects(uow, workspace_id, lvl, parse_row_ids(row_ids))
    repo = BulkCancellations(uow)
    accounts = repo.accounts(workspace_id, {r.ad_account_id for r in objects})
    skipped = [r.id for r in objects if already_as_asked(act, r.operation_status, r.deleted)]
    plans = {p.row_id: p for p in _plan(uow, workspace_id, lvl, skipped, act)} if skipped else {}
    snapshots = _snapshots(uow, workspace_id, lvl, skipped) if skipped else {}
    cancellation = CampaignCancellation(
        workspace_id=workspace_id,
        action=act.value,
        reason_code=code.value,
        note=clean_note,
        status=CancelStatus.RUNNING.value,
        created_by=actor[:200],
        action_items=[],
    )
    repo.add(cancellation)
    rows: list[dict[str, Any]] = []
    for r in objects:
        p = plans.get(r.id)
        row: dict[str, Any] = {
            "cancellation_id": cancellation.id,
            "workspace_id": workspace_id,
            "ad_account_id": r.ad_account_id,
            "level": lvl.value,
            "object_id": getattr(r, ID_COLUMN[lvl.value]),
            "row_id": r.id,
            "campaign_id": r.campaign_id,
            "name": (r.name or "")[:512],
            "currency": accounts[r.ad_account_id].currency,
            "budget_mode": getattr(r, "budget_mode", "") or "",
            "budget_minor": int(getattr(r, "budget_minor", 0) or 0),
            "status_before": (r.operation_status or "")[:16],
            "status": ItemStatus.PENDING.value,
            "error": "",
            "snapshot": {},
            "verify_status": "pending",
            "verify_detail": {},
            "spend_after_minor": 0,
            "recreated_object_id": "",
        }
        if p is not None:
            row.update(_figures(p))
            row["status"] = ItemStatus.SKIPPED.value
            row["error"] = "already paused on TikTok"
            row["snapshot"] = snapshots.get(r.id, {})
            row["verify_status"] = "skipped"
        rows.append(row)
    pending = len(rows) - len(skipped)
    repo.insert_items(rows)
    title = f"{act.value.capitalize()} {len(rows)} {lvl.value}(s)"
    op = operations.start(
        uow, workspace_id, OPERATION_KIND, title=title, total=len(rows), created_by=actor
    )
    cancellation.operation_id = op.id
    if skipped:
        operations.progress(uow, op, done=len(skipped))
    if pending:
        enqueue(
            uow,
            JOB,
            {"cancellation_id": cancellation.id},
            dedupe_key=f"{JOB}:{cancellation.id}:{op.id}",
            workspace_id=workspace_id,
        )
    else:
        cancellation.status = CANCELLATION.transition(cancellation.status, CancelStatus.DONE).value
        cancellation.finished_at = clock.now()
        operations.finish(uow, op)
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.cancellation",
        object_type="campaign_cancellation",
        object_id=cancellation.id,
        after={
            "level": lvl.value,
            "action": act.value,
            "reason_code": code.value,
            "note": clean_note[:300],
            "objects": [row["object_id"] for row in rows][:200],
        },
    )
    return cancellation


def _figures(p: ItemPlan) -> dict[str, Any]:
    """An item's columns from its plan: who it frees for and its money."""
    return {
        "client_account_id": p.client_account_id,
        "advertiser_id": p.advertiser_id,
        "currency": p.currency,
        "budget_mode": p.budget_mode,
        "budget_minor": p.budget_minor,
        "spent_to_date_minor": p.spent_to_date_minor,
        "spent_today_minor": p.spent_today_minor,
        "last_7_days_minor": p.last_7_days_minor,
        "freed_minor": p.freed_minor,
        "status_before": p.operation_status[:16],
    }


# --- the run ------------------------------------------------------------------------------------


@dataclass
class StepFetched:
    """What one step's status updates answered: item id → None (done) or TikTok's error."""

    results: dict[int, str | None]
    at: datetime
    unavailable: str = ""


def prefetch_step(db: Database, cancellation_id: int) -> StepFetched | None:
    """The TikTok calls of one step, with no transaction open (module rules).

    The rule: an object is changed only once its snapshot is stored. The snapshots of this
    step's items are stored already (by the step before, see below), else first, in a
    transaction of their own; an item whose object promodesk no longer has fails unsent. While
    this step's calls are in flight, the snapshots of the next step's items are stored, so
    that taking them costs no time at the rate limit."""
    per_step = campaigns_settings().cancel_chunks_per_step
    with db.read() as uow:
        repo = CancellationsRepository(uow)
        c = repo.get_any(cancellation_id)
        if c is None or c.status != CancelStatus.RUNNING.value:
            return None
        act = Action(c.action)
        pending = BulkCancellations(uow).pending_keys(cancellation_id)
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
        bulk = BulkCancellations(uow)
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
            found = _snapshots(uow, c.workspace_id, lvl, rows)
            plans = _plan(uow, c.workspace_id, lvl, rows, act, strict=False)
            planned = {p.row_id: p for p in plans}
            for m in members:
                snapshot, plan = found.get(int(m.row_id)), planned.get(int(m.row_id))
                if snapshot is None or plan is None:
                    missing[int(m.id)] = NO_MIRROR
                else:
                    stored[int(m.id)] = {"snapshot": snapshot, **_figures(plan)}
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
    repo = CancellationsRepository(uow)
    c = repo.get_any(cancellation_id, lock=True)
    if c is None or c.status != CancelStatus.RUNNING.value:
        return None
    act = Action(c.action)
    bulk = BulkCancellations(uow)
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
    repo = BulkCancellations(uow)
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


def _mirror_stop(repo: BulkCancellations, act: Action, items: list[Any]) -> None:
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


# --- retry --------------------------------------------------------------------------------------


def retry(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int, *, actor: str = "system"
) -> CampaignCancellation:
    """Run the failed items again (the done ones are not touched), under a new operation."""
    repo = CancellationsRepository(uow)
    c = get_row(uow, workspace_id, cancellation_id, lock=True)
    CANCELLATION.transition(c.status, CancelStatus.RUNNING)
    failed = repo.items(c.id, [ItemStatus.FAILED.value], lock=True)
    if not failed:
        raise _refusal("nothing_to_retry", "no item of this cancellation failed")
    if not repo.set_status(c.id, [c.status], CancelStatus.RUNNING.value):
        raise _refusal("changed_meanwhile", "the cancellation changed meanwhile: reload it")
    uow.session.refresh(c)
    for item in failed:
        item.status = ITEM.transition(item.status, ItemStatus.PENDING).value
    op = operations.start(
        uow,
        workspace_id,
        OPERATION_KIND,
        title=f"Retry {len(failed)} failed {failed[0].level}(s)",
        total=len(failed),
        created_by=actor,
    )
    c.operation_id = op.id
    c.finished_at = None
    enqueue(
        uow,
        JOB,
        {"cancellation_id": c.id},
        dedupe_key=f"{JOB}:{c.id}:{op.id}",
        workspace_id=workspace_id,
    )
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.cancellation.retry",
        object_type="campaign_cancellation",
        object_id=c.id,
        after={"items": [i.id for i in failed][:200]},
    )
    return c


# --- reads --------------------------------------------------------------------------------------


def get_row(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int, lock: bool = False
) -> CampaignCancellation:
    found: CampaignCancellation | None = CancellationsRepository(uow).get(
        workspace_id, cancellation_id, lock=lock
    )
    if found is None:
        raise NotFound(f"cancellation {cancellation_id} not found")
    return found


def item_view(i: CampaignCancellationItem) -> dict[str, Any]:
    return {
        "id": i.id,
        "cancellation_id": i.cancellation_id,
        "ad_account_id": i.ad_account_id,
        "level": i.level,
        "object_id": i.object_id,
        "row_id": i.row_id,
        "campaign_id": i.campaign_id,
        "name": i.name,
        "client_account_id": i.client_account_id,
        "advertiser_id": i.advertiser_id,
        "currency": i.currency,
        "budget_mode": i.budget_mode,
        "budget_minor": i.budget_minor,
        "spent_to_date_minor": i.spent_to_date_minor,
        "spent_today_minor": i.spent_today_minor,
        "last_7_days_minor": i.last_7_days_minor,
        "freed_minor": i.freed_minor,
        "status_before": i.status_before,
        "status": i.status,
        "error": i.error,
        "stopped_at": i.stopped_at.isoformat() if i.stopped_at else None,
        "verify_status": i.verify_status,
        "verify_detail": i.verify_detail or {},
        "verified_at": i.verified_at.isoformat() if i.verified_at else None,
        "spend_after_minor": i.spend_after_minor,
        "undone_at": i.undone_at.isoformat() if i.undone_at else None,
        "recreated_object_id": i.recreated_object_id,
        "recreated_at": i.recreated_at.isoformat() if i.recreated_at else None,
    }


def _freed_totals(items: list[CampaignCancellationItem]) -> list[dict[str, Any]]:
    per: dict[str, int] = defaultdict(int)
    for i in items:
        if i.status == ItemStatus.DONE.value:
            per[i.currency] += i.freed_minor
    return [{"currency": c, "freed_minor": per[c]} for c in sorted(per)]


def view(
    uow: UnitOfWork, c: CampaignCancellation, items: list[CampaignCancellationItem] | None = None
) -> dict[str, Any]:
    rows = items if items is not None else CancellationsRepository(uow).items(c.id)
    counts: dict[str, int] = defaultdict(int)
    verify: dict[str, int] = defaultdict(int)
    for i in rows:
        counts[i.status] += 1
        verify[i.verify_status] += 1
    op = None
    if c.operation_id:
        try:
            op = operations.as_dict(operations.get(uow, c.workspace_id, c.operation_id))
        except NotFound:
            op = None
    return {
        "id": c.id,
        "action": c.action,
        "reason_code": c.reason_code,
        "note": c.note,
        "status": c.status,
        "created_by": c.created_by,
        "created_at": c.created_at.isoformat(),
        "finished_at": c.finished_at.isoformat() if c.finished_at else None,
        "level": rows[0].level if rows else "",
        "item_count": len(rows),
        "counts": dict(counts),
        "verification": dict(verify),
        "freed": _freed_totals(rows),
        "operation": op,
        "items": [item_view(i) for i in rows] if items is None else [],
    }


def get(uow: UnitOfWork, workspace_id: int, cancellation_id: int) -> dict[str, Any]:
    """One cancellation with its items, progress and verification."""
    return view(uow, get_row(uow, workspace_id, cancellation_id))


def list_cancellations(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    before_id: int | None,
    limit: int,
    status: str | None = None,
    reason_code: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """Newest first, without items (``item_count``, counts and freed per currency)."""
    if status is not None:
        status = CancelStatus(_word(status, [s.value for s in CancelStatus], "status")).value
    if reason_code is not None:
        reason_code = parse_reason(reason_code, "filter")[0].value
    if action is not None:
        action = parse_action(action).value
    repo = CancellationsRepository(uow)
    rows = repo.search(
        workspace_id,
        before_id=before_id,
        limit=limit,
        status=status,
        reason_code=reason_code,
        action=action,
    )
    by: dict[int, list[CampaignCancellationItem]] = defaultdict(list)
    for i in repo.items_of([c.id for c in rows]):
        by[i.cancellation_id].append(i)
    out = []
    for c in rows:
        v = view(uow, c, by.get(c.id, []))
        v.pop("items")
        out.append(v)
    return out


def _word(value: str, allowed: list[str], name: str) -> str:
    text = value.strip().lower()
    if text not in allowed:
        raise ValidationFailed(f"{name} is one of {', '.join(allowed)}", field=name)
    return text


__all__ = [
    "JOB",
    "VERIFY_JOB",
    "confirm",
    "get",
    "list_cancellations",
    "prefetch_step",
    "preview",
    "retry",
    "run_step",
]


def resolve(
    uow: UnitOfWork,
    workspace_id: int,
    level: str,
    *,
    ids: list[int] | None = None,
    tiktok_ids: list[str] | None = None,
    ad_account_id: int | None = None,
) -> list[int]:
    """Mirror row ids from promodesk's ids or TikTok's ids (the ids users see). A TikTok id
    unknown here is a 404; one found in several ad accounts needs ``ad_account_id`` (422)."""
    lvl = parse_level(level)
    found: list[int] = list(ids or [])
    if tiktok_ids:
        rows = CancellationsRepository(uow).objects_by_tiktok_id(
            workspace_id, lvl.value, tiktok_ids, ad_account_id
        )
        by: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            by[getattr(r, ID_COLUMN[lvl.value])].append(r)
        for tid in tiktok_ids:
            matches = by.get(tid, [])
            if not matches:
                raise NotFound(f"no {lvl.value} with TikTok id {tid} here", field="ids")
            if len(matches) > 1:
                raise ValidationFailed(
                    f"TikTok id {tid} is in several ad accounts: give the ad account",
                    field="ad_account_id",
                )
            found.append(matches[0].id)
    if not found:
        raise ValidationFailed("select at least one object to cancel", field="ids")
    return found


def check_item(uow: UnitOfWork, workspace_id: int, cancellation_id: int, item_id: int) -> None:
    """The item belongs to the cancellation (404 otherwise)."""
    item = CancellationsRepository(uow).item(workspace_id, item_id)
    if item is None or item.cancellation_id != cancellation_id:
        raise NotFound(f"item {item_id} of cancellation {cancellation_id} not found")
