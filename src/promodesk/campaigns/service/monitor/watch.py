"""The watch: a cancelled object that keeps spending after the settle window alerts the team
(``WATCH_JOB``, hourly; it reads the report store only).
"""

from __future__ import annotations

from datetime import UTC, timedelta

from promodesk.campaigns.domain import cancellations as cancel_rules
from promodesk.campaigns.repository.cancellations.reads import CancellationsRepository
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service.monitor.stops import spend_after_stop, stop_time, zone
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.money import Money
from promodesk.models import CampaignCancellationItem
from promodesk.notify.service import outbox as notify
from promodesk.settings import get_settings

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
            summary=(subject, text),
        )
