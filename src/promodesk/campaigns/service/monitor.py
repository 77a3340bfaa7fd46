"""Monitoring after a cancellation (seed step 6): did the objects stop, and did the rest of the
ad account and of the advertiser pick up the spend?

Per ad account of the cancellation (its own currency and zone, named on the page):
- spend and results per day for ``monitor_days`` days before and after the stop day, and per
  hour 48 hours either side of the stop hour, zero-filled, with the stop as a marker;
- the cancelled objects', the ad account's and the other campaigns' totals over same-length
  windows before and after the stop day (``domain.retrospective.compare_windows``);
- spend after the stop per item: its hourly rows after the stop hour (the stop hour itself
  mixes before and after), or, when the hourly history no longer covers it, its daily rows
  after the stop day.
Per advertiser of the items: its allocated campaigns' totals over the same windows.

Days and hours are the ad account's local ones, as the report store keeps them. An object
cancelled at ad group or ad level inside a campaign cancelled with it is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promodesk.campaigns.domain import cancellations as cancel_rules
from promodesk.campaigns.domain import retrospective as rules
from promodesk.campaigns.domain.reports import ZERO, Level, Metrics, day_text, days
from promodesk.campaigns.repository.cancellations import CancellationsRepository
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import reports
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.kit.money import Money
from promodesk.models import CampaignCancellation, CampaignCancellationItem
from promodesk.notify.service import outbox as notify
from promodesk.settings import get_settings

HOURS_AROUND = 48
HOUR_FMT = "%Y-%m-%d %H:00:00"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def get_cancellation(
    uow: UnitOfWork, workspace_id: int, cancellation_id: int
) -> CampaignCancellation:
    found = RetrospectiveRepository(uow).get(workspace_id, cancellation_id)
    if found is None:
        raise NotFound(f"cancellation {cancellation_id} not found", field="cancellation_id")
    return found


def metrics_dict(m: Metrics) -> dict[str, Any]:
    cpr = m.cost_per_result_minor
    return {
        "spend_minor": m.spend_minor,
        "impressions": m.impressions,
        "clicks": m.clicks,
        "conversions": m.conversions,
        "cost_per_result_minor": str(cpr) if cpr is not None else None,
    }


def stop_time(
    cancellation: CampaignCancellation, items: Iterable[CampaignCancellationItem]
) -> datetime:
    """When the objects stopped: the first recorded stop, else when the cancellation began."""
    stops = [clock.ensure_utc(i.stopped_at) for i in items if i.stopped_at is not None]
    return min(stops) if stops else clock.ensure_utc(cancellation.created_at)


def counted_objects(items: Sequence[CampaignCancellationItem]) -> dict[str, list[str]]:
    """Object ids per level, without ad groups and ads of a campaign cancelled with them."""
    campaigns = {i.object_id for i in items if i.level == Level.CAMPAIGN}
    out: dict[str, list[str]] = {}
    for i in items:
        if i.level != Level.CAMPAIGN and i.campaign_id in campaigns:
            continue
        ids = out.setdefault(i.level, [])
        if i.object_id not in ids:
            ids.append(i.object_id)
    return out


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


def _objects_daily(
    uow: UnitOfWork,
    workspace_id: int,
    account_id: int,
    objects: dict[str, list[str]],
    since: date,
    until: date,
) -> dict[str, Metrics]:
    out: dict[str, Metrics] = {}
    for level, ids in objects.items():
        _sum_series(
            reports.per_day(
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


def _objects_hourly(
    uow: UnitOfWork,
    workspace_id: int,
    account_id: int,
    objects: dict[str, list[str]],
    since: datetime,
    until: datetime,
) -> dict[str, Metrics]:
    out: dict[str, Metrics] = {}
    for level, ids in objects.items():
        _sum_series(
            reports.hourly(
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


def local_hours(start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> list[str]:
    """Local hour keys from ``start_utc`` up to ``end_utc`` (exclusive), in order, no repeats."""
    out: list[str] = []
    at = start_utc.replace(minute=0, second=0, microsecond=0)
    while at < end_utc:
        key = at.astimezone(tz).strftime(HOUR_FMT)
        if not out or out[-1] != key:
            out.append(key)
        at += timedelta(hours=1)
    return out


def spend_after_stop(
    uow: UnitOfWork,
    workspace_id: int,
    account_id: int,
    items: Sequence[CampaignCancellationItem],
    stopped: datetime,
    tz: ZoneInfo,
    now_utc: datetime,
) -> dict[int, int]:
    """Per item id: spend in the report store after its stop (see the module's rule)."""
    repo = RetrospectiveRepository(uow)
    out: dict[int, int] = {}
    by_level: dict[str, list[CampaignCancellationItem]] = {}
    for i in items:
        by_level.setdefault(i.level, []).append(i)
    far = (now_utc + timedelta(days=2)).astimezone(tz)
    for level, level_items in by_level.items():
        stop_of = {
            i.id: clock.ensure_utc(i.stopped_at) if i.stopped_at is not None else stopped
            for i in level_items
        }
        earliest = min(stop_of.values()).astimezone(tz)
        ids = [i.object_id for i in level_items]
        hourly = repo.object_series(
            workspace_id,
            account_id,
            level,
            ids,
            "hour",
            earliest.strftime(HOUR_FMT),
            far.strftime(HOUR_FMT),
        )
        daily = repo.object_series(
            workspace_id,
            account_id,
            level,
            ids,
            "day",
            day_text(earliest.date()),
            day_text(far.date()),
        )
        for i in level_items:
            local = stop_of[i.id].astimezone(tz)
            stop_hour, stop_day = local.strftime(HOUR_FMT), day_text(local.date())
            hours = [m.spend_minor for t, m in hourly.get(i.object_id, []) if t > stop_hour]
            if hours:
                out[i.id] = sum(hours)
            else:
                out[i.id] = sum(
                    m.spend_minor for t, m in daily.get(i.object_id, []) if t > stop_day
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

    obj_daily = _objects_daily(uow, workspace_id, account_id, objects, first_day, until)
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
    obj_hourly = _objects_hourly(
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


# the watch: a cancelled object that keeps spending after the settle window ---------------------

WATCH_JOB = "campaigns.monitor_watch"
MAIL_KIND = "campaigns.cancel_watch"
ALERT_ROLES = ("owner", "admin", "operator")


def watch(uow: UnitOfWork) -> int:
    """Check the objects stopped in the last ``monitor_days`` days (past the settle delay)
    against the report store: one whose spend after its stop is above ``cancel_spend_tolerance``
    alerts the team once (email to owners, admins and operators; the cancellation webhook),
    keyed by the item, so later runs and the report sync's revisions send nothing new.
    Returns how many items are above the tolerance."""
    settings = campaigns_settings()
    now_utc = clock.now().astimezone(UTC)
    repo = RetrospectiveRepository(uow)
    items = repo.stopped_items(
        now_utc - timedelta(days=settings.monitor_days),
        now_utc - timedelta(seconds=settings.cancel_verify_settle_seconds),
    )
    cancellations = repo.cancellations_by_id(i.cancellation_id for i in items)
    groups: dict[tuple[int, int, int], list[CampaignCancellationItem]] = {}
    for i in items:
        groups.setdefault((i.workspace_id, i.cancellation_id, i.ad_account_id), []).append(i)
    above = 0
    for (workspace_id, cancellation_id, account_id), group in groups.items():
        account = repo.ad_accounts(workspace_id, [account_id]).get(account_id)
        tz = zone(account.timezone if account is not None else "UTC")
        c = cancellations.get(cancellation_id)
        if c is None:
            continue
        after = spend_after_stop(
            uow, workspace_id, account_id, group, stop_time(c, group), tz, now_utc
        )
        for i in group:
            spent = after.get(i.id, 0)
            if spent > cancel_rules.tolerance_minor(settings.cancel_spend_tolerance, i.currency):
                above += 1
                _alert(uow, i, spent)
    return above


def _alert(uow: UnitOfWork, item: CampaignCancellationItem, spent_minor: int) -> None:
    settings = campaigns_settings()
    ref = f"cancel-watch:{item.id}"
    amount = Money(spent_minor, item.currency).format()
    subject = (
        f"停止后仍有消耗 / Still spending after the stop: {item.level} "
        f"{item.name or item.object_id} ({item.object_id}), {amount}"
    )
    text = (
        f"The {item.level} {item.name!r} ({item.object_id}) was stopped by promodesk "
        f"(cancellation {item.cancellation_id}), but TikTok's reports show {amount} spent after "
        f"the stop. Check it in TikTok Ads Manager and on promodesk's page "
        f"/cancellations/{item.cancellation_id}/monitor.\n"
        f"取消后 TikTok 报表显示仍有消耗 {amount}。请检查。"
    )
    emails = CancellationsRepository(uow).team_emails(item.workspace_id, ALERT_ROLES)
    if emails:
        notify.send_email(
            uow, item.workspace_id, emails[:50], subject, text, kind=MAIL_KIND, ref=ref
        )
    if settings.cancel_alert_webhook_url:
        secret = settings.cancel_alert_webhook_secret or get_settings().ensure_secret_key()
        notify.send_webhook(
            uow,
            item.workspace_id,
            settings.cancel_alert_webhook_url,
            "campaigns.cancel_spend_after_stop",
            {
                "cancellation_id": item.cancellation_id,
                "item_id": item.id,
                "level": item.level,
                "object_id": item.object_id,
                "spend_after_minor": spent_minor,
                "currency": item.currency,
            },
            secret=secret,
            ref=ref,
        )
