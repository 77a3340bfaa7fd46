"""Rules for changing a mirrored TikTok campaign's status or budget from promodesk.

- Operations are TikTok's ``operation_status`` values: ENABLE, DISABLE and DELETE. DELETE is
  final: a deleted campaign (or one TikTok no longer lists, "vanished") cannot be changed.
- A budget can be set for daily, lifetime and dynamic daily budgets; an unlimited budget
  (``BUDGET_MODE_INFINITE``) has none to set. The amount is a plain decimal in the ad account's
  currency ("120.50": no exponent, no sign) with at most the currency's decimals, more than zero.
- Raising a budget above ``factor`` times the current one (or setting one where none is known)
  needs an explicit confirmation; lowering one never does (it spends less).
- After TikTok accepted a status change, the mirror shows what TikTok shows: ENABLE and DISABLE
  switch ``operation_status`` (secondary ``CAMPAIGN_STATUS_ENABLE``/``_DISABLE``); DELETE keeps
  the switch and marks the campaign deleted (secondary ``CAMPAIGN_STATUS_DELETE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from promodesk.accounts.domain import Refusal
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money, parse_plain


class Operation(StrEnum):
    ENABLE = "ENABLE"
    DISABLE = "DISABLE"
    DELETE = "DELETE"


BUDGETED_MODES = frozenset(
    {"BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"}
)
INFINITE = "BUDGET_MODE_INFINITE"
DAILY_MODES = frozenset({"BUDGET_MODE_DAY", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"})


def operation(value: str) -> Operation:
    try:
        return Operation(str(value).strip().upper())
    except ValueError:
        raise ValidationFailed("status is ENABLE, DISABLE or DELETE", field="status") from None


def check_changeable(deleted: bool, vanished: bool) -> None:
    if deleted:
        raise Refusal("campaign_deleted", "the campaign is deleted on TikTok; it cannot be changed")
    if vanished:
        raise Refusal(
            "campaign_vanished",
            "TikTok no longer lists the campaign; it cannot be changed",
        )


def check_budget_mode(mode: str) -> None:
    if mode == INFINITE:
        raise Refusal(
            "budget_unlimited",
            "the campaign has no budget limit (BUDGET_MODE_INFINITE); there is no budget to change",
        )
    if mode not in BUDGETED_MODES:
        raise Refusal(
            "budget_mode_unknown",
            f"the campaign's budget mode {mode or '(none)'!r} is unknown: sync the ad account",
        )


def budget(amount: str, currency: str) -> Money:
    """``amount`` in major units of ``currency`` ("120.50"), exactly, more than zero; a plain
    decimal only ("1e5" is refused, not read as 100000)."""
    try:
        money = parse_plain(str(amount), currency)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, field="budget") from None
    if money.amount <= 0:
        raise ValidationFailed("the budget must be more than 0", field="budget")
    return money


def budget_needs_confirmation(before_minor: int | None, after_minor: int, factor: Decimal) -> bool:
    """A raise above ``factor`` times the current budget, or a budget where none is known."""
    if not before_minor or before_minor <= 0:
        return True
    return Decimal(after_minor) > Decimal(before_minor) * factor


@dataclass(frozen=True, slots=True)
class StatusAfter:
    operation_status: str
    secondary_status: str
    deleted: bool


def status_after(op: Operation, operation_status: str) -> StatusAfter:
    """The campaign's statuses once TikTok accepted ``op``, when TikTok's read-back does not
    say them (its own sandbox returns no ``secondary_status``)."""
    if op is Operation.DELETE:
        return StatusAfter(operation_status, "CAMPAIGN_STATUS_DELETE", True)
    return StatusAfter(op.value, f"CAMPAIGN_STATUS_{op.value}", False)


def child_status_after(
    op: Operation, prefix: str, secondary_status: str, deleted: bool
) -> StatusAfter | None:
    """The documented cascade on a child (``prefix`` ``ADGROUP`` or ``AD``) of a campaign that
    TikTok accepted ``op`` for, used when TikTok's read-back does not say the child's status:
    deleting a campaign deletes its ad groups and ads, disabling it stops their delivery.
    None: the child's own state stands (it is deleted itself, or the campaign was enabled and
    only TikTok knows which children deliver again)."""
    if deleted and not secondary_status.endswith("_CAMPAIGN_DELETE"):
        return None
    if op is Operation.DELETE:
        return StatusAfter("", f"{prefix}_STATUS_CAMPAIGN_DELETE", True)
    if op is Operation.DISABLE:
        return StatusAfter("", f"{prefix}_STATUS_CAMPAIGN_DISABLE", False)
    return None


# --- the campaign list: status words, sorts --------------------------------------------------
#
# Rules of the list (``GET /api/v1/campaigns``, ``promodesk tiktok campaigns``, the console):
# - Every campaign has exactly one status word, derived from the mirrored statuses in this
#   order: **deleted** (marked deleted, gone from TikTok's listing, operation ``DELETE`` or
#   secondary ``CAMPAIGN_STATUS_DELETE``), **paused** (operation ``DISABLE`` or secondary
#   ``CAMPAIGN_STATUS_DISABLE``), **active** (secondary ``CAMPAIGN_STATUS_ENABLE``, or none
#   known), else **not delivering**, whose reason is the secondary status (budget used up, in
#   review, ad account suspended, ...).
# - A filter or sort value outside the listed words is refused (422 naming the field), never
#   read as "no filter".
# - Sorts: name (case-insensitive), id, budget, status (in the order of ``ListStatus``) and
#   last change (TikTok's modify time), ascending, or descending with a leading ``-``; rows with
#   the same key follow in id order of the same direction, so the order is total.


class ListStatus(StrEnum):
    ACTIVE = "active"
    NOT_DELIVERING = "not_delivering"
    PAUSED = "paused"
    DELETED = "deleted"


STATUS_RANK = {status: rank for rank, status in enumerate(ListStatus)}
DELETE_SECONDARY = "CAMPAIGN_STATUS_DELETE"
DISABLE_SECONDARY = "CAMPAIGN_STATUS_DISABLE"
ENABLE_SECONDARY = "CAMPAIGN_STATUS_ENABLE"
LIST_STATUS_WORDS = ", ".join(s.value for s in ListStatus)


def list_status(value: str | None) -> ListStatus | None:
    """A status filter: ``active``, ``paused``, ``deleted`` or ``not_delivering`` (any case;
    spaces or dashes for the underscore); empty means no filter; anything else is a 422."""
    text = (value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if not text:
        return None
    try:
        return ListStatus(text)
    except ValueError:
        raise ValidationFailed(f"status is one of {LIST_STATUS_WORDS}", field="status") from None


def status_of(
    operation_status: str, secondary_status: str, deleted: bool, vanished: bool
) -> ListStatus:
    """The campaign's one status word (rules above)."""
    if deleted or vanished or operation_status == "DELETE" or secondary_status == DELETE_SECONDARY:
        return ListStatus.DELETED
    if operation_status == "DISABLE" or secondary_status == DISABLE_SECONDARY:
        return ListStatus.PAUSED
    if secondary_status in ("", ENABLE_SECONDARY):
        return ListStatus.ACTIVE
    return ListStatus.NOT_DELIVERING


class SortKey(StrEnum):
    NAME = "name"
    ID = "id"
    BUDGET = "budget"
    STATUS = "status"
    LAST_CHANGE = "last_change"


# the type of each key's value in a cursor (the id sort needs none: the id is the key)
SORT_KEY_TYPES: dict[SortKey, type] = {
    SortKey.NAME: str,
    SortKey.BUDGET: int,
    SortKey.STATUS: int,
    SortKey.LAST_CHANGE: str,
}
SORT_WORDS = ", ".join(k.value for k in SortKey)


@dataclass(frozen=True, slots=True)
class ListSort:
    key: SortKey
    descending: bool

    @property
    def token(self) -> str:
        """As a client writes it: ``name`` or ``-name``."""
        return ("-" if self.descending else "") + self.key.value


def list_sort(value: str | None) -> ListSort:
    """``name``, ``id``, ``budget``, ``status`` or ``last_change``, a leading ``-`` for
    descending; empty is ``id`` ascending; anything else is a 422 naming ``sort``."""
    text = (value or "").strip().lower()
    descending = text.startswith("-")
    if not text:
        text = SortKey.ID.value
    try:
        return ListSort(SortKey(text.removeprefix("-")), descending)
    except ValueError:
        raise ValidationFailed(
            f"sort is one of {SORT_WORDS}, with a leading - for descending", field="sort"
        ) from None


SEARCH_MAX = 200


def search_text(value: str | None) -> str | None:
    """The search box: trimmed; empty is no search; longer than ``SEARCH_MAX`` or with control
    characters (PostgreSQL refuses NUL outright) is a 422 naming ``search``."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > SEARCH_MAX:
        raise ValidationFailed(f"search is at most {SEARCH_MAX} characters", field="search")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValidationFailed("search is one line of text", field="search")
    return text
