"""Reallocating freed budget (pure rules): which campaigns may receive money from a pool, how
much, and what their budgets become.

Rules (one plan for the preview and the confirmation):
- At least one target campaign; a campaign appears once; every amount is more than zero, in
  the pool's currency (the campaign's ad account's currency must be the pool's).
- The campaign is live on TikTok (not deleted, not gone from TikTok's listing) and has a budget
  to raise: an unlimited budget (``BUDGET_MODE_INFINITE``) has none.
- The campaign belongs to the pool: to its client advertiser (a campaign allocated to it, or in
  an ad account allocated to it) or, for an ad account's pool, to that ad account. Money freed for
  one client never funds another's campaign.
- The budget after is the budget before plus the amount, and is at least TikTok's minimum for
  its mode (daily or lifetime; a setting per currency).
- The total is at most what the pool holds: the pool left is never below zero. The ledger's
  floor enforces the same at the confirmation, whatever raced the preview.

Lifecycle of a reallocation: ``reserved`` (the money left the pool; TikTok's budget updates are
being made) → ``done`` (every campaign took its new budget), ``partial`` (some did; the others'
money went back to the pool) or ``failed`` (none did; all of it went back). Each item goes
``pending`` → ``done`` | ``failed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from promodesk.kit.money import Money, parse_plain
from promodesk.kit.statemachine import StateMachine

INFINITE = "BUDGET_MODE_INFINITE"
DAILY_MODES = frozenset({"BUDGET_MODE_DAY", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"})


class Status(StrEnum):
    RESERVED = "reserved"
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"


class ItemStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.RESERVED: frozenset({Status.DONE, Status.PARTIAL, Status.FAILED}),
    Status.DONE: frozenset(),
    Status.PARTIAL: frozenset(),
    Status.FAILED: frozenset(),
}
ITEM_ALLOWED: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.PENDING: frozenset({ItemStatus.DONE, ItemStatus.FAILED}),
    ItemStatus.DONE: frozenset(),
    ItemStatus.FAILED: frozenset(),
}
MACHINE = StateMachine(Status, ALLOWED, noun="the reallocation")
ITEM_MACHINE = StateMachine(ItemStatus, ITEM_ALLOWED, noun="the reallocation item")


def outcome(items: Iterable[ItemStatus | str]) -> Status:
    """The reallocation's status from its items': reserved while any is pending."""
    seen = {ItemStatus(s) for s in items}
    if not seen or ItemStatus.PENDING in seen:
        return Status.RESERVED
    if seen == {ItemStatus.DONE}:
        return Status.DONE
    if seen == {ItemStatus.FAILED}:
        return Status.FAILED
    return Status.PARTIAL


def pool_funds(
    *,
    pool_advertiser_id: int | None,
    pool_ad_account_id: int | None,
    campaign_ad_account_id: int,
    campaign_advertiser_id: int | None,
    account_advertiser_ids: frozenset[int],
) -> bool:
    """Whether a freed-budget pool may fund a campaign: the money stays with whom it was
    freed for. ``campaign_advertiser_id`` is the advertiser the campaign is allocated to
    (None: unallocated); ``account_advertiser_ids`` the advertisers its ad account is
    allocated to.

    - An advertiser pool (what cancelled campaigns of that advertiser freed) funds the
      campaigns allocated to that advertiser, in any of its ad accounts, and the unallocated
      campaigns of an ad account allocated to that advertiser alone. Never a campaign of
      another advertiser, nor an unallocated one of an ad account shared with another.
    - An ad-account pool (what cancelled campaigns that no advertiser owns freed) funds the
      campaigns of that ad account that no advertiser owns. Never a campaign of another ad
      account, nor one allocated to an advertiser (that advertiser's own pool funds it).
    """
    if pool_advertiser_id is not None:
        if campaign_advertiser_id is not None:
            return campaign_advertiser_id == pool_advertiser_id
        return account_advertiser_ids == frozenset({pool_advertiser_id})
    return campaign_ad_account_id == pool_ad_account_id and campaign_advertiser_id is None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A target campaign as the mirror knows it."""

    row_id: int
    campaign_id: str
    name: str
    currency: str
    budget_mode: str
    budget_minor: int
    deleted: bool = False
    vanished: bool = False
    in_scope: bool = True  # the pool may fund it (``pool_funds``)


@dataclass(frozen=True, slots=True)
class Ask:
    """Move ``amount_minor`` (in the pool's currency) to campaign ``row_id``; ``candidate`` is
    None when no such campaign exists in the workspace."""

    row_id: int
    amount_minor: int
    candidate: Candidate | None


@dataclass(frozen=True, slots=True)
class Line:
    row_id: int
    campaign_id: str
    name: str
    budget_mode: str
    daily: bool
    before_minor: int
    amount_minor: int
    after_minor: int
    minimum_minor: int | None
    problem: str | None = None  # a stable code; ``detail`` says it for people
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    detail: str
    row_id: int | None = None  # the campaign it is about, None for the whole plan


@dataclass(frozen=True, slots=True)
class Plan:
    currency: str
    pool_before_minor: int
    total_minor: int
    pool_after_minor: int
    lines: tuple[Line, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def amount(text: str, currency: str) -> int:
    """An amount a person typed ("120.50"), exactly, in minor units of ``currency``."""
    return parse_plain(str(text), currency).amount


def minimum_minor(
    budget_mode: str, currency: str, daily: dict[str, int], lifetime: dict[str, int]
) -> int | None:
    """TikTok's minimum budget for the mode in ``currency`` (minor units), None when unknown."""
    table = daily if budget_mode in DAILY_MODES else lifetime
    return table.get(currency.upper())


def _shown(minor: int, currency: str) -> str:
    return Money(minor, currency).format()


def _line_problem(
    ask: Ask, c: Candidate, currency: str, minimum: int | None
) -> tuple[str, str] | None:
    if ask.amount_minor <= 0:
        return "amount_not_positive", "the amount must be more than 0"
    if c.currency.upper() != currency:
        return (
            "currency_mismatch",
            f"the campaign's ad account pays in {c.currency}, the pool holds {currency}",
        )
    if c.deleted or c.vanished:
        return "campaign_deleted", "the campaign is deleted on TikTok; it cannot take a budget"
    if c.budget_mode == INFINITE or not c.budget_mode:
        return "budget_unlimited", "the campaign has no budget limit to raise"
    if not c.in_scope:
        return (
            "not_in_pool",
            "the campaign belongs to another advertiser or ad account than the pool",
        )
    after = c.budget_minor + ask.amount_minor
    if minimum is not None and after < minimum:
        return (
            "below_minimum",
            f"the budget after, {_shown(after, currency)}, is below TikTok's minimum of "
            f"{_shown(minimum, currency)}",
        )
    return None


def plan(
    currency: str,
    pool_balance_minor: int,
    asks: Sequence[Ask],
    minimums: dict[int, int | None] | None = None,
) -> Plan:
    """Before → after budgets for ``asks`` and the pool left; every broken rule is a problem
    (the plan is carried out only when there is none). ``minimums`` gives TikTok's minimum per
    campaign row id (``minimum_minor``)."""
    currency = currency.upper()
    minimums = minimums or {}
    problems: list[Problem] = []
    lines: list[Line] = []
    if not asks:
        problems.append(Problem("no_targets", "choose at least one campaign and an amount"))
    seen: set[int] = set()
    total = 0
    for ask in asks:
        if ask.row_id in seen:
            problems.append(
                Problem("duplicate_target", f"campaign {ask.row_id} is chosen twice", ask.row_id)
            )
            continue
        seen.add(ask.row_id)
        c = ask.candidate
        if c is None:
            problems.append(
                Problem("campaign_not_found", f"campaign {ask.row_id} not found", ask.row_id)
            )
            continue
        minimum = minimums.get(c.row_id)
        found = _line_problem(ask, c, currency, minimum)
        if found is not None:
            problems.append(Problem(found[0], found[1], c.row_id))
        total += max(ask.amount_minor, 0)
        lines.append(
            Line(
                row_id=c.row_id,
                campaign_id=c.campaign_id,
                name=c.name,
                budget_mode=c.budget_mode,
                daily=c.budget_mode in DAILY_MODES,
                before_minor=c.budget_minor,
                amount_minor=ask.amount_minor,
                after_minor=c.budget_minor + ask.amount_minor,
                minimum_minor=minimum,
                problem=None if found is None else found[0],
                detail="" if found is None else found[1],
            )
        )
    left = pool_balance_minor - total
    if left < 0:
        problems.append(
            Problem(
                "pool_too_small",
                f"only {_shown(max(pool_balance_minor, 0), currency)} left in the pool; "
                f"the campaigns ask for {_shown(total, currency)}",
            )
        )
    return Plan(
        currency=currency,
        pool_before_minor=pool_balance_minor,
        total_minor=total,
        pool_after_minor=left,
        lines=tuple(lines),
        problems=tuple(problems),
    )
