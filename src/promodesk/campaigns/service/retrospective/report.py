"""The retrospective of cancellations (seed step 7, 复盘) per period and per client or
advertiser.

- The period is in UTC days (a cancellation belongs to the day it was made, in UTC); the
  figures inside (spend, results) are the ad accounts' local days, as the report store keeps
  them.
- Freed budget comes from the ledger (``campaigns.freed`` of each item, less
  ``campaigns.unfreed`` when an undo took it back); reallocations are the
  ``campaigns.reallocated`` entries made in the period, attributed to the advertiser of the
  pool they took money from (an ad account's pool, when the campaign was not allocated, is
  shown without advertiser and only when no client or advertiser is chosen).
- Cost per result over the 7 days before the cancel day: the cancelled objects' against the
  advertiser's campaigns (or, without advertiser, the whole ad account's) over the same days.
- What happened after: spend after the stop (report store, as the monitor counts it) and the
  advertiser's spend over same-length windows before and after the stop day.
- Money is summed per currency; a client or advertiser filter that names nothing of this
  workspace is a 404, an unreadable period a 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from promodesk.campaigns.domain import retrospective as rules
from promodesk.campaigns.domain.reports import ZERO, Level, Metrics, day_text
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.service import reports as report_reads
from promodesk.campaigns.service.monitor import before_after, stops
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.ledger import service as ledger
from promodesk.models import CampaignCancellation, CampaignCancellationItem

UNFREED = freed.UNFREED  # an undo taking back what is still in the pool (ref undo:{item})


POOL_PREFIX = freed.PREFIX


CPR_DAYS = 7


def window_of(
    period: str = "month",
    *,
    month: str | None = None,
    week: str | None = None,
    since: str | None = None,
    until: str | None = None,
    today: date | None = None,
) -> rules.Window:
    try:
        return rules.period_window(
            period,
            today or clock.now().astimezone(UTC).date(),
            month=month,
            week=week,
            since=since,
            until=until,
        )
    except rules.PeriodError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc


def day_start_utc(day: date) -> datetime:
    """A UTC day's first instant (the periods are UTC days)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def _pool_owner(code: str) -> tuple[str, int] | None:
    """``("adv", id)`` or ``("acct", id)`` of a pool's ledger code."""
    parts = code.split(":")
    if len(parts) == 5 and parts[2] in ("adv", "acct") and parts[3].isdigit():
        return parts[2], int(parts[3])
    return None


def freed_of_items(
    uow: UnitOfWork, workspace_id: int, items: Sequence[CampaignCancellationItem]
) -> dict[int, int]:
    """Per item id: what its cancel freed, less what an undo took back (the ledger)."""
    refs = [f"item:{i.id}" for i in items] + [f"undo:{i.id}" for i in items]
    out: dict[int, int] = {}
    for line in ledger.lines_by_kind(
        uow, workspace_id, [freed.FREED, UNFREED], POOL_PREFIX, refs=refs
    ):
        item_id = int(line.ref.split(":", 1)[1])
        out[item_id] = out.get(item_id, 0) + line.amount  # + into the pool, - taken back
    return out


def _objects_total(
    uow: UnitOfWork,
    workspace_id: int,
    items: Sequence[CampaignCancellationItem],
    since: date,
    until: date,
) -> Metrics:
    total = ZERO
    for level, ids in stops.counted_objects(items).items():
        for m in report_reads.totals(
            uow,
            workspace_id,
            Level(level),
            since,
            until,
            ad_account_id=items[0].ad_account_id,
            object_ids=ids,
        ).values():
            total = total + m
    return total


def _account_total(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int, since: date, until: date
) -> Metrics:
    total = ZERO
    for m in report_reads.totals(
        uow, workspace_id, Level.CAMPAIGN, since, until, ad_account_id=ad_account_id
    ).values():
        total = total + m
    return total


def _cpr(m: Metrics) -> str | None:
    v = rules.cost_per_result(m.spend_minor, m.conversions)
    return str(v) if v is not None else None


def _row(
    uow: UnitOfWork,
    workspace_id: int,
    c: CampaignCancellation,
    items: list[CampaignCancellationItem],
    freed_by_item: dict[int, int],
    names: dict[int, tuple[str, int, str]],
    accounts: dict[int, Any],
    now_utc: datetime,
    n_days: int,
) -> dict[str, Any]:
    sums = rules.MoneySums()
    by_account: dict[int, list[CampaignCancellationItem]] = {}
    for i in items:
        by_account.setdefault(i.ad_account_id, []).append(i)
        sums.add(i.currency, "spent_minor", i.spent_to_date_minor)
        sums.add(i.currency, "freed_minor", freed_by_item.get(i.id, 0))
    first_account = accounts.get(items[0].ad_account_id) if items else None
    tz = stops.zone(first_account.timezone if first_account is not None else "UTC")
    stopped = stops.stop_time(c, items)
    stop_day = stopped.astimezone(tz).date()
    for account_id, account_items in by_account.items():
        acct = accounts.get(account_id)
        a_tz = stops.zone(acct.timezone if acct is not None else "UTC")
        after = stops.spend_after_stop(
            uow,
            workspace_id,
            account_id,
            account_items,
            stops.stop_time(c, account_items),
            a_tz,
            now_utc,
        )
        for i in account_items:
            sums.add(i.currency, "spend_after_minor", after.get(i.id, 0))
    # cost per result before the cancel: the objects of the first ad account (one currency)
    advertiser_id = next((i.advertiser_id for i in items if i.advertiser_id is not None), None)
    cpr: dict[str, Any] = {
        "since": None,
        "last": None,
        "currency": None,
        "objects": None,
        "reference": None,
        "reference_kind": None,
        "verdict": None,
    }
    adv_change: dict[str, Any] | None = None
    if items:
        main = by_account[items[0].ad_account_id]
        since = stop_day - timedelta(days=CPR_DAYS)
        objects = _objects_total(uow, workspace_id, main, since, stop_day)
        repo = RetrospectiveRepository(uow)
        currency = main[0].currency
        if advertiser_id is not None:
            ref = repo.advertiser_totals(
                workspace_id, advertiser_id, day_text(since), day_text(stop_day)
            ).get(currency, ZERO)
            kind = "advertiser"
        else:
            ref = _account_total(uow, workspace_id, main[0].ad_account_id, since, stop_day)
            kind = "ad_account"
        verdict = rules.cpr_verdict(
            rules.cost_per_result(objects.spend_minor, objects.conversions),
            rules.cost_per_result(ref.spend_minor, ref.conversions),
        )
        cpr = {
            "since": day_text(since),
            "last": day_text(stop_day - timedelta(days=1)),
            "currency": currency,
            "objects": _cpr(objects),
            "reference": _cpr(ref),
            "reference_kind": kind,
            "verdict": verdict.value if verdict is not None else None,
        }
        if advertiser_id is not None:
            cmp = rules.compare_windows(stop_day, now_utc.astimezone(tz).date(), n_days)
            found = before_after.advertiser_comparison(uow, workspace_id, advertiser_id, cmp).get(
                currency
            )
            adv_change = {
                "days": cmp.days,
                "currency": currency,
                "before_minor": found["before"]["spend_minor"] if found else 0,
                "after_minor": found["after"]["spend_minor"] if found else 0,
                "change_percent": found["change_percent"] if found else None,
            }
    adv_ids = sorted({i.advertiser_id for i in items if i.advertiser_id is not None})
    return {
        "id": c.id,
        "created_at": clock.ensure_utc(c.created_at).isoformat(),
        "day": day_text(clock.ensure_utc(c.created_at).date()),
        "action": c.action,
        "reason_code": c.reason_code,
        "note": c.note,
        "status": c.status,
        "created_by": c.created_by,
        "items": len(items),
        "advertisers": [
            {
                "id": a,
                "name": names.get(a, ("", 0, ""))[0],
                "client_name": names.get(a, ("", 0, ""))[2],
            }
            for a in adv_ids
        ],
        "money": sums.rows(),
        "cost_per_result": cpr,
        "advertiser_after": adv_change,
        "lessons": c.lessons,
        "action_items": list(c.action_items or []),
        "action_items_open": rules.open_items(c.action_items or [], now_utc.date()),
    }


def retrospective(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    period: str = "month",
    month: str | None = None,
    week: str | None = None,
    since: str | None = None,
    until: str | None = None,
    client_id: int | None = None,
    advertiser_id: int | None = None,
) -> dict[str, Any]:
    """Everything the retrospective page, the API, the CLI and the exports show."""
    window = window_of(period, month=month, week=week, since=since, until=until)
    repo = RetrospectiveRepository(uow)
    if client_id is not None and not repo.client_exists(workspace_id, client_id):
        raise NotFound(f"client account {client_id} not found", field="client")
    if advertiser_id is not None and not repo.advertiser_exists(workspace_id, advertiser_id):
        raise NotFound(f"advertiser {advertiser_id} not found", field="advertiser")
    now_utc = clock.now().astimezone(UTC)
    n_days = campaigns_settings().monitor_days
    start, end = day_start_utc(window.since), day_start_utc(window.until)
    cancellations = repo.between(workspace_id, start, end)
    all_items = repo.items(workspace_id, [c.id for c in cancellations])

    def wanted(i: CampaignCancellationItem) -> bool:
        if advertiser_id is not None and i.advertiser_id != advertiser_id:
            return False
        return client_id is None or i.client_account_id == client_id

    items_of: dict[int, list[CampaignCancellationItem]] = {}
    for i in all_items:
        if wanted(i):
            items_of.setdefault(i.cancellation_id, []).append(i)
    filtered = client_id is not None or advertiser_id is not None
    kept = [c for c in cancellations if not filtered or c.id in items_of]
    kept_items = [i for c in kept for i in items_of.get(c.id, [])]
    freed_by_item = freed_of_items(uow, workspace_id, kept_items)

    # reallocations made in the period, attributed to the pool's advertiser
    # net of what failed budget updates gave back to the pool
    realloc = ledger.lines_by_kind(
        uow, workspace_id, [freed.REALLOCATED, freed.RETURNED], POOL_PREFIX, since=start, until=end
    )
    adv_of_pool: list[tuple[int | None, str, int]] = []  # (advertiser, currency, amount)
    for line in realloc:
        owner = _pool_owner(line.account_code)
        adv = owner[1] if owner and owner[0] == "adv" else None
        adv_of_pool.append((adv, line.currency, -line.amount))
    adv_ids = {i.advertiser_id for i in kept_items if i.advertiser_id is not None}
    adv_ids |= {a for a, _, _ in adv_of_pool if a is not None}
    names = repo.advertisers(workspace_id, adv_ids)

    def adv_wanted(adv: int | None) -> bool:
        if not filtered:
            return True
        if adv is None:
            return False
        if advertiser_id is not None and adv != advertiser_id:
            return False
        return client_id is None or names.get(adv, ("", 0, ""))[1] == client_id

    accounts = repo.ad_accounts(workspace_id, {i.ad_account_id for i in kept_items})
    rows = [
        _row(
            uow,
            workspace_id,
            c,
            items_of.get(c.id, []),
            freed_by_item,
            names,
            accounts,
            now_utc,
            n_days,
        )
        for c in kept
    ]

    totals = rules.MoneySums()
    per_adv: dict[int | None, dict[str, Any]] = {}

    def adv_entry(adv: int | None) -> dict[str, Any]:
        if adv not in per_adv:
            name, client, client_name = (
                names.get(adv, ("", 0, "")) if adv is not None else ("", 0, "")
            )
            per_adv[adv] = {
                "advertiser_id": adv,
                "name": name,
                "client_account_id": client or None,
                "client_name": client_name,
                "cancellations": set(),
                "sums": rules.MoneySums(),
            }
        return per_adv[adv]

    for row in rows:
        for m in row["money"]:
            for key in ("spent_minor", "freed_minor", "spend_after_minor"):
                totals.add(m["currency"], key, m[key])
    for i in kept_items:
        e = adv_entry(i.advertiser_id)
        e["cancellations"].add(i.cancellation_id)
        e["sums"].add(i.currency, "spent_minor", i.spent_to_date_minor)
        e["sums"].add(i.currency, "freed_minor", freed_by_item.get(i.id, 0))
    for adv, currency, amount in adv_of_pool:
        if adv_wanted(adv):
            totals.add(currency, "reallocated_minor", amount)
            adv_entry(adv)["sums"].add(currency, "reallocated_minor", amount)
    advertisers = [
        {
            "advertiser_id": e["advertiser_id"],
            "name": e["name"],
            "client_account_id": e["client_account_id"],
            "client_name": e["client_name"],
            "cancellations": len(e["cancellations"]),
            "money": e["sums"].rows(),
        }
        for e in sorted(
            per_adv.values(), key=lambda e: (e["name"] == "", e["name"], e["advertiser_id"] or 0)
        )
    ]
    return {
        "period": {
            "kind": period,
            "since": day_text(window.since),
            "last": day_text(window.last),
            "time_zone": "UTC",
        },
        "client_id": client_id,
        "advertiser_id": advertiser_id,
        "cancellations": len(rows),
        "by_reason": rules.counts_by_reason(r["reason_code"] for r in rows),
        "totals": totals.rows(),
        "advertisers": advertisers,
        "rows": rows,
    }
