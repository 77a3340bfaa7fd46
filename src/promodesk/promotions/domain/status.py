"""One status vocabulary for every promotion, and the pure mapping from each channel's own
statuses into it.

The words: ``scheduled`` (will run, not yet: in review, before its start), ``live`` (running,
even when the platform says it is held back for a while, e.g. over budget today), ``paused``
(switched off, can be switched on again), ``stopping`` (a stop promodesk started is under way),
``stopped`` (stopped for good: deleted, cancelled, withdrawn, rejected) and ``ended`` (ran its
course: schedule or activity over, order completed).

The tables below are the rules; ``promotions.repository`` builds its SQL ``CASE`` from the
same tables, so a filter by status and the status shown can never disagree.

- **TikTok campaigns, ad groups, ads** (``operation_status``, ``secondary_status``, deleted or
  vanished from TikTok's listing, an open cancellation item): stopped (deleted, vanished,
  operation ``DELETE``, a secondary status saying it or its parent was deleted, or rejected in
  review), then stopping, then paused (operation ``DISABLE`` or a secondary status saying it or
  its parent is disabled), ended (schedule done), scheduled (in review, not started, no
  creatives yet), else live.
- **Promote orders**: in_review → scheduled, delivering → live, completed → ended, stopped and
  rejected → stopped (Promote has no pause).
- **Shop enrollments** (state, the activity's start and end, a pending cancel-batch item):
  stopping while a cancel batch holds it; withdrawn, removed, terminated, delisted, replaced,
  rejected → stopped; stock_zeroed → paused (restocking resumes it); pending_review,
  approved and live → ended once the activity is over, scheduled before it starts (and while
  still pending review), else live.
- **Shop activities** (per shop: the platform's status when mirrored, the dates, how many of
  the shop's products are still in it): a mirrored ``DEACTIVATED`` or ``NOT_EFFECTIVE`` →
  stopped, ``EXPIRED`` → ended, ``DRAFT`` or ``NOT_START`` → scheduled; otherwise by the
  dates; a started activity none of whose enrolled products is left is stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from promodesk.kit.errors import N_, ValidationFailed


class Status(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    ENDED = "ended"


STATUS_WORDS = ", ".join(s.value for s in Status)


def statuses(values: list[str] | str | None) -> frozenset[Status]:
    """A status filter: words of ``Status`` (any case, comma-separated or repeated); empty is
    no filter; an unknown word is a 422 naming ``status``."""
    try:
        return frozenset(Status(w) for w in words(values))
    except ValueError:
        raise ValidationFailed(
            f"status is one of {STATUS_WORDS}",
            field="status",
            message=N_("Unknown %(field)s: choose one of %(allowed)s."),
            params={"field": "status", "allowed": STATUS_WORDS},
        ) from None


def words(values: list[str] | str | None) -> list[str]:
    """Lower-case words of repeated or comma-separated values."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else values
    out: list[str] = []
    for item in items:
        out += [w.strip().lower() for w in item.split(",") if w.strip()]
    return out


# --- TikTok -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TikTokStatuses:
    """The secondary statuses of one level that decide a plain status (checked in this order:
    stopped, paused, ended, scheduled; anything else is live)."""

    stopped: frozenset[str]
    paused: frozenset[str]
    ended: frozenset[str]
    scheduled: frozenset[str]


TIKTOK: dict[str, TikTokStatuses] = {
    "campaign": TikTokStatuses(
        stopped=frozenset({"CAMPAIGN_STATUS_DELETE", "CAMPAIGN_STATUS_ADVERTISER_AUDIT_DENY"}),
        paused=frozenset({"CAMPAIGN_STATUS_DISABLE"}),
        ended=frozenset(),
        scheduled=frozenset({"CAMPAIGN_STATUS_ADVERTISER_AUDIT", "ADVERTISER_CONTRACT_PENDING"}),
    ),
    "adgroup": TikTokStatuses(
        stopped=frozenset(
            {"ADGROUP_STATUS_DELETE", "ADGROUP_STATUS_CAMPAIGN_DELETE", "ADGROUP_STATUS_AUDIT_DENY"}
        ),
        paused=frozenset({"ADGROUP_STATUS_DISABLE", "ADGROUP_STATUS_CAMPAIGN_DISABLE"}),
        ended=frozenset({"ADGROUP_STATUS_TIME_DONE"}),
        scheduled=frozenset(
            {
                "ADGROUP_STATUS_NOT_START",
                "ADGROUP_STATUS_AUDIT",
                "ADGROUP_STATUS_REAUDIT",
                "ADGROUP_STATUS_CREATE",
            }
        ),
    ),
    "ad": TikTokStatuses(
        stopped=frozenset(
            {
                "AD_STATUS_DELETE",
                "AD_STATUS_CAMPAIGN_DELETE",
                "AD_STATUS_ADGROUP_DELETE",
                "AD_STATUS_AUDIT_DENY",
            }
        ),
        paused=frozenset(
            {"AD_STATUS_DISABLE", "AD_STATUS_CAMPAIGN_DISABLE", "AD_STATUS_ADGROUP_DISABLE"}
        ),
        ended=frozenset({"AD_STATUS_DONE"}),
        scheduled=frozenset({"AD_STATUS_NOT_START", "AD_STATUS_AUDIT", "AD_STATUS_REAUDIT"}),
    ),
}


def tiktok_status(
    level: str,
    operation_status: str,
    secondary_status: str,
    *,
    deleted: bool = False,
    vanished: bool = False,
    stopping: bool = False,
) -> Status:
    """A TikTok campaign's, ad group's or ad's plain status (rules above)."""
    s = TIKTOK[level]
    if deleted or vanished or operation_status == "DELETE" or secondary_status in s.stopped:
        return Status.STOPPED
    if stopping:
        return Status.STOPPING
    if operation_status == "DISABLE" or secondary_status in s.paused:
        return Status.PAUSED
    if secondary_status in s.ended:
        return Status.ENDED
    if secondary_status in s.scheduled:
        return Status.SCHEDULED
    return Status.LIVE


# --- Promote ------------------------------------------------------------------------------------

PROMOTE: dict[str, Status] = {
    "in_review": Status.SCHEDULED,
    "delivering": Status.LIVE,
    "completed": Status.ENDED,
    "stopped": Status.STOPPED,
    "rejected": Status.STOPPED,
}


def promote_status(status: str) -> Status:
    """A Promote order's plain status (an unknown status reads as live)."""
    return PROMOTE.get(status, Status.LIVE)


# --- shop ---------------------------------------------------------------------------------------

ENROLLMENT_FINAL: dict[str, Status] = {
    "withdrawn": Status.STOPPED,
    "removed": Status.STOPPED,
    "terminated": Status.STOPPED,
    "delisted": Status.STOPPED,
    "replaced": Status.STOPPED,
    "rejected": Status.STOPPED,
    "stock_zeroed": Status.PAUSED,
}
# States that follow the activity's dates (anything else not in ENROLLMENT_FINAL too).
ENROLLMENT_WAITING = frozenset({"pending_review"})


def enrollment_status(
    state: str, starts_at: datetime, ends_at: datetime, at: datetime, *, stopping: bool = False
) -> Status:
    """A shop enrollment's plain status at ``at`` (rules above)."""
    if stopping:
        return Status.STOPPING
    if state in ENROLLMENT_FINAL:
        return ENROLLMENT_FINAL[state]
    if at >= ends_at:
        return Status.ENDED
    if at < starts_at or state in ENROLLMENT_WAITING:
        return Status.SCHEDULED
    return Status.LIVE


ACTIVITY_PLATFORM: dict[str, Status] = {
    "DEACTIVATED": Status.STOPPED,
    "NOT_EFFECTIVE": Status.STOPPED,
    "EXPIRED": Status.ENDED,
    "DRAFT": Status.SCHEDULED,
    "NOT_START": Status.SCHEDULED,
}


def activity_status(
    platform_status: str | None,
    starts_at: datetime,
    ends_at: datetime,
    at: datetime,
    *,
    enrolled: int,
    active: int,
) -> Status:
    """A shop activity's plain status for one shop at ``at`` (rules above)."""
    if platform_status in ACTIVITY_PLATFORM:
        return ACTIVITY_PLATFORM[platform_status]
    if at >= ends_at:
        return Status.ENDED
    if at < starts_at:
        return Status.SCHEDULED
    if enrolled > 0 and active == 0:
        return Status.STOPPED
    return Status.LIVE
