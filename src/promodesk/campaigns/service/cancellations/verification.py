"""Verify a cancellation from what was read back from TikTok (``readback``), and alert the team
when a check fails.

Rules:
- Round 1 runs ``cancel_verify_settle_seconds`` after the cancellation ends (default 120),
  round 2 ``cancel_verify_later_seconds`` after the stop (default 900). Each round checks the
  done items not undone: the object as TikTok lists it, its children (none may still deliver),
  and the spend TikTok reports for the hours after the stop against ``cancel_spend_tolerance``.
  ``domain.verify`` decides.
- The item keeps the verdict (``verify_status``, ``verify_detail`` with the problems and what
  was seen, ``spend_after_minor``); the mirror row takes the statuses TikTok listed.
- A failed check alerts once per item (email to the workspace's owners, admins and operators;
  the webhook of ``cancel_alert_webhook_url``), keyed by the item so a re-run sends nothing new.
- An ad account whose authorization is revoked cannot be read back: ``cancel_unverifiable``
  ends its items "could not verify" (and alerts) instead of leaving them pending.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from promodesk.campaigns.domain.cancellations import (
    VERIFICATION,
    Action,
    Seen,
    VerifyStatus,
    is_deleted_status,
    tolerance_minor,
    verify,
)
from promodesk.campaigns.repository.cancellations.reads import CancellationsRepository
from promodesk.campaigns.repository.cancellations.verification import VerificationRepository
from promodesk.campaigns.service.cancellations import unverifiable as cancel_unverifiable
from promodesk.campaigns.service.cancellations.readback import VerifyFetched, items_to_check
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import CampaignCancellationItem
from promodesk.notify.service import outbox as notify
from promodesk.settings import get_settings

ALERT_ROLES = ("owner", "admin", "operator")


def verify_step(
    uow: UnitOfWork, cancellation_id: int, round_no: int, fetched: VerifyFetched | None
) -> datetime | None:
    """Write one round's verdicts; when round 2 is due, its time (None: no more rounds)."""
    if fetched is None:
        return None
    repo = CancellationsRepository(uow)
    c = repo.get_any(cancellation_id, lock=True)
    if c is None:
        return None
    settings = campaigns_settings()
    act = Action(c.action)
    failed_now: list[CampaignCancellationItem] = []
    items = items_to_check(repo, cancellation_id)
    bulk = VerificationRepository(uow)
    verdicts: list[dict[str, Any]] = []  # the items that passed, written in one statement
    # The mirror rows take what TikTok listed: one update per ad account, level and statuses.
    mirror: dict[tuple[int, str, tuple[tuple[str, Any], ...]], list[str]] = defaultdict(list)
    for item in items:
        got = fetched.checked.get(item.id)
        if got is None:
            continue
        tolerance = tolerance_minor(settings.cancel_spend_tolerance, item.currency)
        verdict = verify(act, got.seen, got.spend_after_minor, tolerance, item.currency)
        detail = {
            "round": round_no,
            "checked_at": fetched.at.isoformat(),
            "problems": verdict.problems,
            "found": got.seen.found,
            "operation_status": got.seen.operation_status,
            "secondary_status": got.seen.secondary_status,
            "live_children": list(got.seen.live_children)[:20],
            "spend_after_minor": got.spend_after_minor,
        }
        seen = _mirror_values(got.seen)
        if seen:
            mirror[(item.ad_account_id, item.level, tuple(sorted(seen.items())))].append(
                item.object_id
            )
        if verdict.ok:
            status = item.verify_status
            if status == VerifyStatus.PENDING.value:
                status = VERIFICATION.transition(status, VerifyStatus.VERIFIED).value
            verdicts.append(
                {
                    "item_id": item.id,
                    "spend_after_minor": got.spend_after_minor,
                    "verified_at": fetched.at,
                    "verify_detail": detail,
                    "verify_status": status,
                }
            )
        else:
            item.spend_after_minor = got.spend_after_minor
            item.verified_at = fetched.at
            item.verify_detail = detail
            item.verify_status = VERIFICATION.transition(
                item.verify_status, VerifyStatus.FAILED
            ).value
            failed_now.append(item)
    failed_now += cancel_unverifiable.mark(
        uow, c.workspace_id, items, fetched.checked, fetched.revoked, round_no, fetched.at
    )
    bulk.set_verdicts(verdicts)
    for (account_id, level, values), ids in mirror.items():
        bulk.set_objects(level, account_id, ids, dict(values))
    uow.flush()
    for item in failed_now:
        alert(uow, c.workspace_id, item)
    if round_no == 1:
        last = bulk.last_stop(cancellation_id)
        later = settings.cancel_verify_later_seconds
        if last is not None:
            return max(last + timedelta(seconds=later), clock.now())
    return None


def _mirror_values(seen: Seen) -> dict[str, Any]:
    """What the mirror row takes from the statuses TikTok listed (nothing when not listed)."""
    if not seen.found or not seen.secondary_status:
        return {}
    deleted = is_deleted_status(seen.secondary_status)
    values: dict[str, Any] = {"secondary_status": seen.secondary_status[:64], "deleted": deleted}
    if deleted:
        values["operation_status"] = "DELETE"
    elif seen.operation_status:
        values["operation_status"] = seen.operation_status[:16]
    return values


def alert(uow: UnitOfWork, workspace_id: int, item: CampaignCancellationItem) -> int:
    """Tell the team a cancelled object did not verify (once per item); messages queued."""
    settings = campaigns_settings()
    problems = "; ".join((item.verify_detail or {}).get("problems") or []) or "check failed"
    ref = f"cancel-verify:{item.id}"
    subject = (
        f"取消核验失败 / Cancel not verified: {item.level} {item.name or item.object_id} "
        f"({item.object_id})"
    )
    text = (
        f"The {item.level} {item.name!r} ({item.object_id}) was cancelled by promodesk "
        f"(cancellation {item.cancellation_id}), but reading it back from TikTok shows: "
        f"{problems}.\nCheck it in TikTok Ads Manager and in promodesk's cancellation page.\n"
        f"取消后从 TikTok 读回的结果未通过核验:{problems}。请检查。"
    )
    payload = {
        "cancellation_id": item.cancellation_id,
        "item_id": item.id,
        "level": item.level,
        "object_id": item.object_id,
        "problems": (item.verify_detail or {}).get("problems") or [],
        "spend_after_minor": item.spend_after_minor,
        "currency": item.currency,
    }
    sent = 0
    emails = CancellationsRepository(uow).team_emails(workspace_id, ALERT_ROLES)
    if emails:
        notify.send_email(
            uow, workspace_id, emails[:50], subject, text, kind="campaigns.cancel_verify", ref=ref
        )
        sent += 1
    if settings.cancel_alert_webhook_url:
        secret = settings.cancel_alert_webhook_secret or get_settings().ensure_secret_key()
        notify.send_webhook(
            uow,
            workspace_id,
            settings.cancel_alert_webhook_url,
            "campaigns.cancel_verification_failed",
            payload,
            secret=secret,
            ref=ref,
            summary=(subject, text),
        )
        sent += 1
    return sent
