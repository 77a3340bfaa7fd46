"""Cancel TikTok campaigns, ad groups or ads: what a cancel would do.

``preview`` (reads only): per object and in total per currency, the budget and its mode,
spent to date, spent today (the ad account's local today), what the cancel frees
(``domain.freed_minor``), live children, the last 7 days of spend and their share of the
advertiser's (else the ad account's) last 7 days, and what TikTok will do. The same plan gives
the money figures a run's step stores on each item before its object is changed, with the
snapshot of the object (``snapshots``); ``resolve`` turns the ids users see into mirror rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from promodesk.accounts.domain import Refusal
from promodesk.campaigns.domain.cancellations import (
    Action,
    Level,
    already_as_asked,
    freed_minor,
    share_percent,
)
from promodesk.campaigns.domain.cancellations import (
    action as parse_action,
)
from promodesk.campaigns.domain.cancellations import (
    level as parse_level,
)
from promodesk.campaigns.domain.cancellations import (
    row_ids as parse_row_ids,
)
from promodesk.campaigns.repository.cancellations.objects import ID_COLUMN
from promodesk.campaigns.repository.cancellations.preview import PreviewRepository
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed

EPOCH = date(2000, 1, 1)


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


def objects(uow: UnitOfWork, workspace_id: int, lvl: Level, ids: list[int]) -> list[Any]:
    """The mirror rows of the objects to cancel, in the order asked (settings not loaded): a
    404 for an id not in the workspace, a refusal for an object deleted already."""
    repo = PreviewRepository(uow)
    rows = {r.id: r for r in repo.objects(workspace_id, lvl.value, ids, light=True)}
    missing = [i for i in ids if i not in rows]
    if missing:
        shown = ", ".join(str(i) for i in missing[:20])
        raise NotFound(f"no {lvl.value} with id {shown} in this workspace", field="ids")
    gone = [r for r in rows.values() if r.deleted or r.vanished]
    if gone:
        shown = ", ".join(f"{r.name or '?'} ({getattr(r, ID_COLUMN[lvl.value])})" for r in gone)
        raise Refusal(
            "object_deleted",
            f"already deleted on TikTok, nothing to cancel: {shown[:500]}",
            ids=[r.id for r in gone][:100],
        )
    return [rows[i] for i in ids]


def plan(
    uow: UnitOfWork,
    workspace_id: int,
    lvl: Level,
    ids: list[int],
    act: Action,
    *,
    strict: bool = True,
) -> list[ItemPlan]:
    """The money figures of each object; ``strict``: refuse what ``objects`` refuses (else
    the objects promodesk no longer has are left out and deleted ones are planned too)."""
    repo = PreviewRepository(uow)
    if strict:
        ordered = objects(uow, workspace_id, lvl, ids)
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


def snapshots(
    uow: UnitOfWork, workspace_id: int, lvl: Level, row_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """Mirror row id → the snapshot of the object: its settings as the mirror keeps them
    (``raw``) and, for a campaign, its ad groups' and ads' (an ad group: its ads'). A row no
    longer in the mirror has none."""
    repo = PreviewRepository(uow)
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


def item_columns(p: ItemPlan) -> dict[str, Any]:
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


def _live(row: Any) -> bool:
    """A child that may deliver: not deleted, not paused, not stopped by a parent or its end."""
    stop_words = ("DISABLE", "DELETE", "TIME_DONE")
    secondary = row.secondary_status or ""
    return (
        not row.deleted
        and row.operation_status != "DISABLE"
        and not any(w in secondary for w in stop_words)
    )


def totals(plans: list[ItemPlan]) -> list[dict[str, Any]]:
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
    plans = plan(uow, workspace_id, lvl, parse_row_ids(row_ids), act)
    return {
        "level": lvl.value,
        "action": act.value,
        "operation_status": act.operation_status,
        "reversible": act.reversible,
        "items": [p.view() for p in plans],
        "totals": totals(plans),
    }


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
        rows = PreviewRepository(uow).objects_by_tiktok_id(
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
