"""The one cancel plan: what a cancel of a selection does, per item and per (activity, shop).
Pure: the caller loads the facts (items, their enrollments' states, their activities, the
guardrail counts, the time) and acts on the answer. The preview shows it, the batch run carries
it out, stock to zero asks it about the activity; none of them decides on its own.

Rules, per item, in this order (the first that applies is the item's refusal):
- ``ENROLLMENT_NOT_FOUND``: the enrollment no longer exists;
- ``ALREADY_CANCELLED`` (withdrawn, removed, terminated) or ``NOT_CANCELLABLE`` (any other state
  a cancel cannot start from);
- ``ACTIVITY_IMMUTABLE``: item by item (a batch); an all-or-nothing cancel (now, a window run)
  lets the immutable activity's guardrail verdict refuse the whole cancel instead;
- ``ACTIVITY_ENDED``;
- ``ALREADY_SCHEDULED``: it waits in a window batch (the preview; a new cancel is refused before
  it is planned).
Otherwise the item takes its stage's path (``cancel_path``).

Per (activity, shop), over the items with a path: the guardrail verdict for cancelling all of
them (scheduled cancellations and the ends a waiting delist brings are in the counts). A verdict
that is not OK lets them all through when an admin forces it (never an immutable activity);
otherwise an all-or-nothing cancel is refused as a whole, and a batch lets through as many as the
guardrails allow (in selection order) and refuses the rest with ``GUARDRAIL_<RULE>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from promodesk.shop.domain.enrollments import CANCELLABLE, CANCELLED, Path, State, cancel_path
from promodesk.shop.domain.guardrails import (
    Alternative,
    Counts,
    Rule,
    Rules,
    Verdict,
    allowed_count,
    alternatives,
    check,
)

Key = tuple[int, int]  # (activity_id, shop_id)


class Refusal(StrEnum):
    """Why an item is not changed (the codes a batch item, a preview item and a stock to zero
    report; the console labels them from this enum)."""

    ENROLLMENT_NOT_FOUND = "ENROLLMENT_NOT_FOUND"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    ACTIVITY_IMMUTABLE = "ACTIVITY_IMMUTABLE"
    ACTIVITY_ENDED = "ACTIVITY_ENDED"
    ALREADY_SCHEDULED = "ALREADY_SCHEDULED"
    GUARDRAIL_MIN_PRODUCTS = "GUARDRAIL_MIN_PRODUCTS"
    GUARDRAIL_MAX_CANCEL_RATIO = "GUARDRAIL_MAX_CANCEL_RATIO"
    GUARDRAIL_IMMUTABLE = "GUARDRAIL_IMMUTABLE"
    # stock to zero
    ALREADY_STOCK_ZEROED = "ALREADY_STOCK_ZEROED"
    NOT_STOCK_ZEROABLE = "NOT_STOCK_ZEROABLE"
    CHANGED_MEANWHILE = "CHANGED_MEANWHILE"


GUARDRAIL_REFUSAL = {
    Rule.MIN_PRODUCTS: Refusal.GUARDRAIL_MIN_PRODUCTS,
    Rule.MAX_CANCEL_RATIO: Refusal.GUARDRAIL_MAX_CANCEL_RATIO,
    Rule.IMMUTABLE: Refusal.GUARDRAIL_IMMUTABLE,
}


@dataclass(frozen=True)
class ActivityFacts:
    id: int
    rules: Rules
    presale_allowed: bool
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ItemFacts:
    """One selected enrollment; ``state`` None when it no longer exists; ``waiting_batch``: the
    window batch it waits in, if any."""

    enrollment_id: int
    activity_id: int
    product_id: int
    shop_id: int = 0
    state: State | None = None
    waiting_batch: int | None = None


@dataclass(frozen=True)
class Decision:
    """One item: its path and target state, or its refusal with the words."""

    item: ItemFacts
    path: Path | None = None
    target: State | None = None
    refusal: Refusal | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class Group:
    """One (activity, shop) of the items with a path: the guardrail verdict for all of them,
    how many the guardrails allow, and what the plan does with it."""

    activity_id: int
    shop_id: int
    items: tuple[ItemFacts, ...]
    verdict: Verdict
    allowed: int
    forced: bool = False  # the verdict is overridden by an admin
    refused: bool = False  # an all-or-nothing cancel is refused because of it


@dataclass(frozen=True)
class CancelPlan:
    decisions: tuple[Decision, ...]  # in selection order
    groups: tuple[Group, ...]  # by (activity, shop)

    @property
    def accepted(self) -> tuple[Decision, ...]:
        """The items to cancel, group by group (none when the plan is refused)."""
        if self.refused:
            return ()
        order = {(g.activity_id, g.shop_id): n for n, g in enumerate(self.groups)}
        ok = [d for d in self.decisions if d.ok]
        return tuple(sorted(ok, key=lambda d: order[(d.item.activity_id, d.item.shop_id)]))

    @property
    def refusals(self) -> tuple[Decision, ...]:
        """The refused items: per item first, then those the guardrails refused, group by
        group."""
        own = [d for d in self.decisions if d.refusal and d.refusal not in _GUARDRAIL]
        over = [d for d in self.decisions if d.refusal in _GUARDRAIL]
        order = {(g.activity_id, g.shop_id): n for n, g in enumerate(self.groups)}
        over.sort(key=lambda d: order[(d.item.activity_id, d.item.shop_id)])
        return (*own, *over)

    @property
    def refused(self) -> tuple[Group, ...]:
        """The groups that refuse an all-or-nothing cancel as a whole."""
        return tuple(g for g in self.groups if g.refused)


_GUARDRAIL = frozenset(GUARDRAIL_REFUSAL.values())


def activity_refusal(
    activity: ActivityFacts, now: datetime, *, immutable: bool = True
) -> tuple[Refusal, str] | None:
    """Whether the activity itself refuses a change now: immutable (unless ``immutable`` is
    False: the caller lets the guardrail verdict say it), or ended."""
    if immutable and activity.rules.immutable:
        return Refusal.ACTIVITY_IMMUTABLE, "the activity is immutable"
    if now >= activity.ends_at:
        return Refusal.ACTIVITY_ENDED, "the activity has ended"
    return None


def refuse(
    item: ItemFacts, activity: ActivityFacts | None, now: datetime, *, all_or_nothing: bool
) -> tuple[Refusal, str] | None:
    """The item's own refusal (before the guardrails), or None."""
    if item.state is None or activity is None:
        return Refusal.ENROLLMENT_NOT_FOUND, "the enrollment no longer exists"
    if item.state not in CANCELLABLE:
        code = Refusal.ALREADY_CANCELLED if item.state in CANCELLED else Refusal.NOT_CANCELLABLE
        return code, f"the enrollment is {item.state.value}"
    refused = activity_refusal(activity, now, immutable=not all_or_nothing)
    if refused:
        return refused
    if item.waiting_batch is not None:
        return Refusal.ALREADY_SCHEDULED, f"it waits in scheduled batch {item.waiting_batch}"
    return None


def plan(
    items: Sequence[ItemFacts],
    activities: Mapping[int, ActivityFacts],
    counts: Mapping[Key, Counts],
    *,
    now: datetime,
    all_or_nothing: bool,
    force: bool = False,
) -> CancelPlan:
    """Per item the path or the refusal; per (activity, shop) the verdict and its outcome.
    ``counts``: the guardrail counts of every (activity, shop) with an item (none: zeros)."""
    decisions: list[Decision] = []
    eligible: dict[Key, list[int]] = defaultdict(list)  # positions in ``items``
    for n, item in enumerate(items):
        activity = activities.get(item.activity_id)
        refused = refuse(item, activity, now, all_or_nothing=all_or_nothing)
        if refused:
            decisions.append(Decision(item, refusal=refused[0], detail=refused[1]))
            continue
        assert activity is not None
        assert item.state is not None
        path, target = cancel_path(item.state, now >= activity.starts_at)
        decisions.append(Decision(item, path=path, target=target))
        eligible[(item.activity_id, item.shop_id)].append(n)
    groups = []
    for key, positions in sorted(eligible.items()):
        rules = activities[key[0]].rules
        have = counts.get(key, Counts(0, 0, 0))
        verdict = check(rules, have, len(positions))
        allowed = allowed_count(rules, have)
        let_through, forced, refused_all = positions, False, False
        if verdict.ok or (force and not rules.immutable):
            forced = not verdict.ok
        elif all_or_nothing:
            refused_all = True
        else:
            over = check(rules, have, allowed + 1).violations[0]
            for n in positions[allowed:]:
                decisions[n] = Decision(
                    items[n], refusal=GUARDRAIL_REFUSAL[over.rule], detail=over.detail
                )
            let_through = positions[:allowed]
        through = tuple(items[n] for n in let_through)
        groups.append(Group(*key, through, verdict, allowed, forced=forced, refused=refused_all))
    return CancelPlan(tuple(decisions), tuple(groups))


def safer(activity: ActivityFacts) -> list[Alternative]:
    """The seed's safer alternatives the activity allows."""
    return alternatives(activity.presale_allowed, activity.rules.immutable)
