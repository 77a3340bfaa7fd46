"""Before and after a cancellation (seed step 6): did the objects stop, and did the rest of the
ad account and of the advertiser pick up the spend?

Per ad account of the cancellation (its own currency and zone, named on the page):
- spend and results per day for ``monitor_days`` days before and after the stop day, and per
  hour 48 hours either side of the stop hour, zero-filled, with the stop as a marker;
- the cancelled objects', the ad account's and the other campaigns' totals over same-length
  windows before and after the stop day (``domain.retrospective.compare_windows``);
- spend after the stop per item (``stops.spend_after_stop``).
Per advertiser of the items: its allocated campaigns' totals over the same windows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from promodesk.campaigns.domain import retrospective as rules
from promodesk.campaigns.domain.reports import ZERO, Level, Metrics, day_text, days
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import reports
from promodesk.campaigns.service.monitor.stops import (
    HOUR_FMT,
    counted_objects,
    get_cancellation,
    local_hours,
    metrics_dict,
    spend_after_stop,
    stop_time,
    zone,
)
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import CampaignCancellationItem

HOURS_AROUND = 48


def _sum_series(rows: Iterable[tuple[str, Metrics]], into: dict[str, Metrics]) -> None:
    for key, m in rows:
        into[key] = into.get(key, ZERO) + m


def _total(series: dict[str, Metrics], since: date, until: date) -> Metrics:
    lo, hi = day_text(since), day_text(until)
    total = ZERO
    for key, m in series.items():
        if lo <= key < hi:
            total = total + m
    return total


def _objects_series(
    read: Callable[..., Iterable[tuple[str, Metrics]]],
    uow: UnitOfWork,
    workspace_id: int,
    account_id: int,
    objects: dict[str, list[str]],
    since: date | datetime,
    until: date | datetime,
) -> dict[str, Metrics]:
    """The counted objects' metrics summed per day or per hour (``read``: the report store's
    ``per_day`` or ``hourly``)."""
    out: dict[str, Metrics] = {}
    for level, ids in objects.items():
        _sum_series(
            read(
                uow,
                workspace_id,
                Level(level),
                since,
                until,
                ad_account_id=account_id,
                object_ids=ids,
            ),
            out,
        )
    return out


def _account_section(
    uow: UnitOfWork,
    workspace_id: int,
    account: Any,
    items: list[CampaignCancellationItem],
    stopped: datetime,
    now_utc: datetime,
    n_days: int,
) -> dict[str, Any]:
    tz = zone(account.timezone if account is not None else "UTC")
    account_id = items[0].ad_account_id
    local_stop = stopped.astimezone(tz)
    today = now_utc.astimezone(tz).date()
    stop_day = local_stop.date()
    first_day = stop_day - timedelta(days=n_days)
    last_day = min(stop_day + timedelta(days=n_days), today)
    until = last_day + timedelta(days=1)
    objects = counted_objects(items)

    obj_daily = _objects_series(
        reports.per_day, uow, workspace_id, account_id, objects, first_day, until
    )
    acct_daily: dict[str, Metrics] = {}
    _sum_series(
        reports.per_day(
            uow, workspace_id, Level.CAMPAIGN, first_day, until, ad_account_id=account_id
        ),
        acct_daily,
    )
    daily = [
        {
            "day": day_text(d),
            "objects": metrics_dict(obj_daily.get(day_text(d), ZERO)),
            "account_spend_minor": acct_daily.get(day_text(d), ZERO).spend_minor,
        }
        for d in days(first_day, last_day)
    ]

    stop_hour = stopped.replace(minute=0, second=0, microsecond=0)
    h_start = stop_hour - timedelta(hours=HOURS_AROUND)
    h_end = min(stop_hour + timedelta(hours=HOURS_AROUND + 1), now_utc + timedelta(hours=1))
    hour_keys = local_hours(h_start, h_end, tz)
    obj_hourly = _objects_series(
        reports.hourly,
        uow,
        workspace_id,
        account_id,
        objects,
        h_start.astimezone(tz),
        h_end.astimezone(tz) + timedelta(hours=1),
    )
    hourly = [
        {
            "hour": key,
            "spend_minor": obj_hourly.get(key, ZERO).spend_minor,
            "conversions": obj_hourly.get(key, ZERO).conversions,
        }
        for key in hour_keys
    ]

    cmp = rules.compare_windows(stop_day, today, n_days)
    obj_b = _total(obj_daily, cmp.before.since, cmp.before.until)
    obj_a = _total(obj_daily, cmp.after.since, cmp.after.until)
    acct_b = _total(acct_daily, cmp.before.since, cmp.before.until)
    acct_a = _total(acct_daily, cmp.after.since, cmp.after.until)
    others_b = acct_b.spend_minor - obj_b.spend_minor if Level.CAMPAIGN in objects else None
    others_a = acct_a.spend_minor - obj_a.spend_minor if Level.CAMPAIGN in objects else None
    after = spend_after_stop(uow, workspace_id, account_id, items, stopped, tz, now_utc)
    currency = account.currency if account is not None else items[0].currency
    return {
        "ad_account_id": account_id,
        "name": account.name if account is not None else "",
        "tiktok_advertiser_id": account.advertiser_id if account is not None else "",
        "currency": currency,
        "time_zone": tz.key,
        "stopped_at": stopped.isoformat(),
        "stop_local": local_stop.strftime("%Y-%m-%d %H:%M"),
        "stop_day": day_text(stop_day),
        "stop_hour": local_stop.strftime(HOUR_FMT),
        "daily": daily,
        "hourly": hourly,
        "comparison": _comparison(cmp),
        "objects": {
            "before": metrics_dict(obj_b),
            "after": metrics_dict(obj_a),
            "change_percent": _pct(obj_b.spend_minor, obj_a.spend_minor),
        },
        "account": {
            "before": metrics_dict(acct_b),
            "after": metrics_dict(acct_a),
            "change_percent": _pct(acct_b.spend_minor, acct_a.spend_minor),
        },
        "others": None
        if others_b is None or others_a is None
        else {
            "before_minor": others_b,
            "after_minor": others_a,
            "picked_up_minor": rules.picked_up(others_b, others_a),
            "change_percent": _pct(others_b, others_a),
        },
        "items": [
            {
                "id": i.id,
                "level": i.level,
                "object_id": i.object_id,
                "name": i.name,
                "status": i.status,
                "verify_status": i.verify_status,
                "stopped_at": clock.ensure_utc(i.stopped_at).isoformat() if i.stopped_at else None,
                "spend_after_minor": after.get(i.id, 0),
                "verified_spend_after_minor": i.spend_after_minor,
            }
            for i in items
        ],
        "spend_after_minor": sum(after.values()),
    }


def _comparison(cmp: rules.Comparison) -> dict[str, Any]:
    return {
        "days": cmp.days,
        "before": {"since": day_text(cmp.before.since), "last": day_text(cmp.before.last)},
        "after": {"since": day_text(cmp.after.since), "last": day_text(cmp.after.last)},
    }


def _pct(before: int, after: int) -> str | None:
    pct = rules.change_percent(before, after)
    return str(pct) if pct is not None else None


def advertiser_comparison(
    uow: UnitOfWork, workspace_id: int, advertiser_id: int, cmp: rules.Comparison
) -> dict[str, dict[str, Any]]:
    """Per currency: the advertiser's campaigns before vs after."""
    repo = RetrospectiveRepository(uow)
    before = repo.advertiser_totals(
        workspace_id, advertiser_id, day_text(cmp.before.since), day_text(cmp.before.until)
    )
    after = repo.advertiser_totals(
        workspace_id, advertiser_id, day_text(cmp.after.since), day_text(cmp.after.until)
    )
    out: dict[str, dict[str, Any]] = {}
    for currency in sorted(set(before) | set(after)):
        b, a = before.get(currency, ZERO), after.get(currency, ZERO)
        out[currency] = {
            "before": metrics_dict(b),
            "after": metrics_dict(a),
            "change_percent": _pct(b.spend_minor, a.spend_minor),
        }
    return out


def monitor(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int, *, monitor_days: int | None = None
) -> dict[str, Any]:
    """Everything the monitor page, the API and the CLI show for one cancellation."""
    c = get_cancellation(uow, workspace_id, cancellation_id)
    repo = RetrospectiveRepository(uow)
    items = repo.items(workspace_id, [c.id])
    n_days = monitor_days or campaigns_settings().monitor_days
    now_utc = clock.now().astimezone(UTC)
    by_account: dict[int, list[CampaignCancellationItem]] = {}
    for i in items:
        by_account.setdefault(i.ad_account_id, []).append(i)
    accounts = repo.ad_accounts(workspace_id, by_account)
    sections = [
        _account_section(
            uow,
            workspace_id,
            accounts.get(account_id),
            account_items,
            stop_time(c, account_items),
            now_utc,
            n_days,
        )
        for account_id, account_items in sorted(by_account.items())
    ]
    adv_ids = sorted({i.advertiser_id for i in items if i.advertiser_id is not None})
    names = repo.advertisers(workspace_id, adv_ids)
    advertisers = []
    for adv in adv_ids:
        first = next(i for i in items if i.advertiser_id == adv)
        tz = zone(
            accounts[first.ad_account_id].timezone if first.ad_account_id in accounts else "UTC"
        )
        stopped = stop_time(c, [i for i in items if i.advertiser_id == adv])
        cmp = rules.compare_windows(
            stopped.astimezone(tz).date(), now_utc.astimezone(tz).date(), n_days
        )
        name, client_id, client_name = names.get(adv, ("", 0, ""))
        advertisers.append(
            {
                "advertiser_id": adv,
                "name": name,
                "client_account_id": client_id or None,
                "client_name": client_name,
                "comparison": _comparison(cmp),
                "by_currency": advertiser_comparison(uow, workspace_id, adv, cmp),
            }
        )
    return {
        "cancellation": {
            "id": c.id,
            "action": c.action,
            "reason_code": c.reason_code,
            "note": c.note,
            "status": c.status,
            "created_by": c.created_by,
            "created_at": clock.ensure_utc(c.created_at).isoformat(),
            "lessons": c.lessons,
            "action_items": list(c.action_items or []),
        },
        "monitor_days": n_days,
        "hours_around": HOURS_AROUND,
        "accounts": sections,
        "advertisers": advertisers,
    }
