"""Rules of cancelling TikTok campaigns, ad groups and ads (seed 000, steps 3–4).

A **cancellation** is one operator decision over one or more objects of one level: an
**action** (``pause``: TikTok ``DISABLE``, reversible; ``delete``: TikTok ``DELETE``, final), a
**reason** from a fixed list (a note is required for ``other``), and one **item** per object.

Lifecycles (guarded by ``kit.statemachine``; tests pin the edges written out):
- cancellation: ``running`` → ``done`` (every item done or skipped) | ``partial`` (some
  failed) | ``failed`` (none done); ``partial``/``failed`` → ``running`` on a retry of the
  failed items. ``done`` is final.
- item: ``pending`` → ``done`` | ``failed`` | ``skipped`` (already stopped as asked);
  ``failed`` → ``pending`` (retry). ``done`` and ``skipped`` are final; undo and re-creation are
  recorded as fields of a done item (``undone_at``, ``recreated_object_id``), not statuses.
- verification of a done item: ``pending`` → ``verified`` | ``failed``; ``verified`` →
  ``failed`` (the later check found spend after the stop); ``failed`` is final (the team was
  alerted once); ``pending`` → ``skipped`` for an item that never reached TikTok.

Money rules (all integers in minor units of the ad account's currency):
- ``freed_minor``: what a cancel releases, see its docstring.
- ``share_percent``: the object's last-7-day spend as a share of its advertiser's (or, without a
  client advertiser, its ad account's) last-7-day spend, one decimal, None when that is 0.

TikTok takes at most 20 ids per status update (``STATUS_CHUNK``); the job sends chunks of one
ad account at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money, round_minor
from promodesk.kit.statemachine import StateMachine

STATUS_CHUNK = 20
NOTE_MAX = 2000


class Level(StrEnum):
    CAMPAIGN = "campaign"
    ADGROUP = "adgroup"
    AD = "ad"


class Action(StrEnum):
    PAUSE = "pause"
    DELETE = "delete"

    @property
    def operation_status(self) -> str:
        """TikTok's ``operation_status`` for this action."""
        return "DISABLE" if self is Action.PAUSE else "DELETE"

    @property
    def reversible(self) -> bool:
        return self is Action.PAUSE


class ReasonCode(StrEnum):
    BUDGET = "budget"
    STRATEGY_CHANGE = "strategy_change"
    POOR_PERFORMANCE = "poor_performance"
    CREATIVE_OR_POLICY = "creative_or_policy"
    OUT_OF_STOCK = "out_of_stock"
    OTHER = "other"


class CancelStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"


class ItemStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class VerifyStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    SKIPPED = "skipped"
    # TikTok cannot be asked: the ad account's authorization is revoked. Not final: once the
    # account is reconnected the item goes back to pending and is read back again.
    UNVERIFIABLE = "unverifiable"


CANCEL_ALLOWED: dict[CancelStatus, frozenset[CancelStatus]] = {
    CancelStatus.RUNNING: frozenset({CancelStatus.DONE, CancelStatus.PARTIAL, CancelStatus.FAILED}),
    CancelStatus.PARTIAL: frozenset({CancelStatus.RUNNING}),
    CancelStatus.FAILED: frozenset({CancelStatus.RUNNING}),
    CancelStatus.DONE: frozenset(),
}
ITEM_ALLOWED: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.PENDING: frozenset({ItemStatus.DONE, ItemStatus.FAILED, ItemStatus.SKIPPED}),
    ItemStatus.FAILED: frozenset({ItemStatus.PENDING}),
    ItemStatus.DONE: frozenset(),
    ItemStatus.SKIPPED: frozenset(),
}
VERIFY_ALLOWED: dict[VerifyStatus, frozenset[VerifyStatus]] = {
    VerifyStatus.PENDING: frozenset(
        {
            VerifyStatus.VERIFIED,
            VerifyStatus.FAILED,
            VerifyStatus.SKIPPED,
            VerifyStatus.UNVERIFIABLE,
        }
    ),
    VerifyStatus.VERIFIED: frozenset({VerifyStatus.FAILED, VerifyStatus.UNVERIFIABLE}),
    VerifyStatus.FAILED: frozenset(),
    VerifyStatus.SKIPPED: frozenset(),
    VerifyStatus.UNVERIFIABLE: frozenset({VerifyStatus.PENDING}),
}
CANCELLATION = StateMachine(CancelStatus, CANCEL_ALLOWED, noun="the cancellation")
ITEM = StateMachine(ItemStatus, ITEM_ALLOWED, noun="the cancellation item")
VERIFICATION = StateMachine(VerifyStatus, VERIFY_ALLOWED, noun="the verification")


# --- input ------------------------------------------------------------------------------------


def level(value: str | None) -> Level:
    try:
        return Level(str(value or "").strip().lower())
    except ValueError:
        raise ValidationFailed("level is campaign, adgroup or ad", field="level") from None


def action(value: str | None) -> Action:
    try:
        return Action(str(value or "").strip().lower())
    except ValueError:
        raise ValidationFailed("action is pause or delete", field="action") from None


def reason(code: str | None, note: str | None) -> tuple[ReasonCode, str]:
    """A reason is required; ``other`` needs a note saying it. The note is trimmed, one to
    ``NOTE_MAX`` characters."""
    text = (code or "").strip().lower()
    if not text:
        raise ValidationFailed("choose a reason for the cancel", field="reason_code")
    try:
        found = ReasonCode(text)
    except ValueError:
        words = ", ".join(r.value for r in ReasonCode)
        raise ValidationFailed(f"reason_code is one of {words}", field="reason_code") from None
    clean = (note or "").strip()
    if len(clean) > NOTE_MAX:
        raise ValidationFailed(f"the note is at most {NOTE_MAX} characters", field="note")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in clean):
        raise ValidationFailed("the note is plain text", field="note")
    if found is ReasonCode.OTHER and not clean:
        raise ValidationFailed("say the reason in the note when it is 'other'", field="note")
    return found, clean


def row_ids(values: Sequence[str | int]) -> list[int]:
    """Mirror row ids from a form or a query (``ids=1&ids=2`` or ``ids=1,2``), in order,
    without repeats; at least one, at most 5,000; anything but a positive integer is a 422."""
    found: list[int] = []
    for value in values:
        for part in str(value).split(","):
            text = part.strip()
            if not text:
                continue
            if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < 1:
                raise ValidationFailed(f"{text!r} is not an id", field="ids")
            if int(text) not in found:
                found.append(int(text))
    if not found:
        raise ValidationFailed("select at least one object to cancel", field="ids")
    if len(found) > 5000:
        raise ValidationFailed("at most 5,000 objects per cancellation", field="ids")
    return found


# --- money ------------------------------------------------------------------------------------

LIFETIME_MODES = frozenset({"BUDGET_MODE_TOTAL"})
DAILY_MODES = frozenset({"BUDGET_MODE_DAY", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"})


def freed_minor(
    level: Level | str,
    budget_mode: str,
    budget_minor: int,
    spent_to_date_minor: int,
    spent_today_minor: int,
) -> int:
    """What a cancel frees, in minor units of the object's currency.

    - A **lifetime** budget (``BUDGET_MODE_TOTAL``) frees what is left of it: budget − spent
      to date. Example: 8,000.00 budget, 4,975.00 spent → 3,025.00 freed.
    - A **daily** budget (``BUDGET_MODE_DAY``, dynamic daily) frees what is left of today's
      budget: budget − spent today (the ad account's local today). Example: 500.00 a day,
      120.00 spent today → 380.00 freed; tomorrow's budgets were never committed.
    - **No limit** (``BUDGET_MODE_INFINITE``), an unknown mode and **ads** (they have no budget
      of their own; their campaign's or ad group's budget stays) free nothing.
    - Never negative: an overspent budget (TikTok may overshoot a daily budget) frees 0.
    Freed money goes into the advertiser's pool once per object (the service makes a second
    cancel of an object already freed and not undone free 0).
    """
    if Level(level) is Level.AD or budget_minor <= 0:
        return 0
    if budget_mode in LIFETIME_MODES:
        return max(0, budget_minor - max(0, spent_to_date_minor))
    if budget_mode in DAILY_MODES:
        return max(0, budget_minor - max(0, spent_today_minor))
    return 0


def share_percent(part_minor: int, whole_minor: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` with one decimal (half-even); None when whole ≤ 0."""
    if whole_minor <= 0:
        return None
    return (Decimal(part_minor) * 100 / Decimal(whole_minor)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_EVEN
    )


def tolerance_minor(major: Decimal, currency: str) -> int:
    """A tolerance set in major units of money (a setting) in minor units of ``currency``."""
    return max(0, round_minor(major, currency))


# --- the calls --------------------------------------------------------------------------------


def chunks(ids: Sequence[str], size: int = STATUS_CHUNK) -> Iterator[list[str]]:
    """``ids`` in order, ``size`` at a time (TikTok's limit per status update is 20)."""
    if size < 1 or size > STATUS_CHUNK:
        raise ValueError(f"a chunk holds 1 to {STATUS_CHUNK} ids")
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def is_deleted_status(secondary_status: str) -> bool:
    return secondary_status.endswith("_STATUS_DELETE") or secondary_status.endswith("_DELETE")


def already_as_asked(act: Action, operation_status: str, deleted: bool) -> bool:
    """The object is already where the cancel would put it: deleted, or paused for a pause."""
    if deleted:
        return True
    return act is Action.PAUSE and operation_status == "DISABLE"


def cancellation_status(statuses: Sequence[ItemStatus | str]) -> CancelStatus:
    """Where a cancellation ends once no item is pending: done when none failed, failed when
    none was done (or skipped), else partial."""
    counts: dict[str, int] = {}
    for s in statuses:
        key = ItemStatus(s).value
        counts[key] = counts.get(key, 0) + 1
    return status_of_counts(counts)


def status_of_counts(counts: Mapping[str, int]) -> CancelStatus:
    """``cancellation_status`` from the number of items per status."""
    total = sum(counts.values())
    if counts.get(ItemStatus.PENDING.value, 0):
        return CancelStatus.RUNNING
    failed = counts.get(ItemStatus.FAILED.value, 0)
    if not failed:
        return CancelStatus.DONE
    if failed == total:
        return CancelStatus.FAILED
    return CancelStatus.PARTIAL


# --- verification -----------------------------------------------------------------------------

LIVE_CHILD = frozenset({"ADGROUP_STATUS_DELIVERY_OK", "AD_STATUS_DELIVERY_OK"})


@dataclass(frozen=True)
class Seen:
    """An object as TikTok lists it when read back (``found`` False: not listed at all)."""

    found: bool
    operation_status: str = ""
    secondary_status: str = ""
    live_children: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: list[str]


def verify(
    act: Action, seen: Seen, spend_after_minor: int, tolerance: int, currency: str
) -> Verdict:
    """The read-back check of one cancelled object:
    - its status must be stopped as asked: for a delete, deleted (``*_STATUS_DELETE``) or no
      longer listed; for a pause, ``operation_status`` ``DISABLE`` (or deleted since);
    - its children derive the stop: none still delivering (``*_STATUS_DELIVERY_OK``);
    - the spend reported for the hours after the stop is at most ``tolerance`` (the hour of
      the stop itself is not counted: it mixes spend before and after).
    """
    problems: list[str] = []
    deleted = is_deleted_status(seen.secondary_status)
    if not seen.found:
        if act is Action.PAUSE:
            problems.append("TikTok no longer lists the object")
    elif act is Action.DELETE and not deleted:
        problems.append(
            f"TikTok still shows it as {seen.secondary_status or seen.operation_status}, "
            "not deleted"
        )
    elif act is Action.PAUSE and not deleted and seen.operation_status != "DISABLE":
        problems.append(f"TikTok still shows it as {seen.operation_status or '?'}, not paused")
    if seen.live_children:
        shown = ", ".join(list(seen.live_children)[:5])
        problems.append(f"{len(seen.live_children)} child object(s) still delivering: {shown}")
    if spend_after_minor > tolerance:
        problems.append(
            f"it spent {Money(spend_after_minor, currency).format()} after the stop "
            f"(tolerance {Money(tolerance, currency).format()})"
        )
    return Verdict(not problems, problems)


# --- the mirror after the stop ----------------------------------------------------------------

PREFIX = {Level.CAMPAIGN: "CAMPAIGN", Level.ADGROUP: "ADGROUP", Level.AD: "AD"}


@dataclass(frozen=True)
class Mirrored:
    """Statuses a mirror row takes; ``operation_status`` None keeps the row's own."""

    operation_status: str | None
    secondary_status: str
    deleted: bool


def stopped(act: Action, lvl: Level) -> Mirrored:
    """The object once TikTok accepted the stop (until a read-back says more): paused shows
    ``DISABLE``, deleted shows ``DELETE`` and deleted — never "On" next to "Deleted"."""
    prefix = PREFIX[lvl]
    if act is Action.DELETE:
        return Mirrored("DELETE", f"{prefix}_STATUS_DELETE", True)
    return Mirrored("DISABLE", f"{prefix}_STATUS_DISABLE", False)


def child_stopped(act: Action, parent: Level, child: Level, deleted: bool) -> Mirrored | None:
    """A child of a stopped object derives the stop (``AD_STATUS_CAMPAIGN_DELETE``, ...);
    None when the child is deleted itself (its own status stands)."""
    if deleted:
        return None
    word = "DELETE" if act is Action.DELETE else "DISABLE"
    return Mirrored(None, f"{PREFIX[child]}_STATUS_{PREFIX[parent]}_{word}", act is Action.DELETE)


def enabled(lvl: Level) -> Mirrored:
    """The object after an undo of a pause (TikTok re-derives its children)."""
    return Mirrored("ENABLE", f"{PREFIX[lvl]}_STATUS_ENABLE", False)
