"""Pure plan of a product-level action (stock to zero, delist, restock) across every
enrollment of the product, in every activity. No database: the caller loads the facts.

Rules:
- A product's stock and listing are shared by all its enrollments, so an action on one
  enrollment (the *selected* one) acts on every enrollment of the product. The plan lists
  each of them with its effect and a verdict.
- Stock to zero: the selected enrollment is stock-zeroed (the seed's alternative to a
  cancel, not a cancellation). Every other enrollment still in an open activity loses its
  stock too: approved / started ones are stock-zeroed with it (not purchasable, coupon and
  discount no longer usable), pending-review ones wait; all of them end when the product is
  delisted. For those other activities that end counts as a cancellation of one product:
  the guardrails (minimum product count, cancel ratio, immutability) are checked for each
  (activity, shop) with every product of the action that leaves it.
- Delist: the product leaves every activity. The selected, stock-zeroed enrollment becomes
  ``delisted`` (frees its slot, not a cancellation); every other enrollment in an open
  activity ends along its stage's path (stock-zeroed → ``delisted``, pending review →
  ``withdrawn``, approved → ``removed``, started → ``terminated``) and counts as a
  cancellation in its activity; in an ended activity only the selected one is delisted. A
  delist is never refused: the decision was taken (or forced) when the stock went to zero.
- Restock: stock-zeroed enrollments go back to their stage; the others are listed unchanged.
- Verdicts: ``ok``; ``already_ended`` / ``activity_ended`` (nothing happens to it);
  ``breaks_min_products`` / ``breaks_cancel_ratio`` (an admin may force them, audited);
  ``activity_immutable`` (never forced).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from promodesk.shop.domain import guardrails
from promodesk.shop.domain.enrollments import IN_ACTIVITY, PURCHASABLE, State, cancel_path


class Action(StrEnum):
    STOCK_ZERO = "stock_zero"
    DELIST = "delist"
    RESTOCK = "restock"


class Effect(StrEnum):
    STOCK_ZEROED = "stock_zeroed"  # the selected enrollment: the alternative to a cancel
    PAUSED = "paused"  # not purchasable any more; ends when the product is delisted
    ENDS = "ends"  # leaves its activity now
    RESUMES = "resumes"  # back to its stage (restock)
    UNCHANGED = "unchanged"  # stays as it is


class Verdict(StrEnum):
    OK = "ok"
    ALREADY_ENDED = "already_ended"
    ACTIVITY_ENDED = "activity_ended"
    BREAKS_MIN_PRODUCTS = "breaks_min_products"
    BREAKS_CANCEL_RATIO = "breaks_cancel_ratio"
    ACTIVITY_IMMUTABLE = "activity_immutable"


#: verdicts that refuse the action unless forced by an admin
FORCEABLE = frozenset({Verdict.BREAKS_MIN_PRODUCTS, Verdict.BREAKS_CANCEL_RATIO})
#: verdicts that refuse the action
BLOCKING = FORCEABLE | {Verdict.ACTIVITY_IMMUTABLE}

_RULE_VERDICT = {
    guardrails.Rule.MIN_PRODUCTS: Verdict.BREAKS_MIN_PRODUCTS,
    guardrails.Rule.MAX_CANCEL_RATIO: Verdict.BREAKS_CANCEL_RATIO,
    guardrails.Rule.IMMUTABLE: Verdict.ACTIVITY_IMMUTABLE,
}


@dataclass(frozen=True)
class ActivityFacts:
    """One activity as one shop sees it: its rules, the shop's counters, its stage."""

    id: int
    name: str
    rules: guardrails.Rules
    counts: guardrails.Counts
    started: bool
    ended: bool
    # The activity's status on the linked shop's platform (ONGOING, ...), None for an
    # activity that lives only in promodesk: a product's exposure shows both alike.
    platform_status: str | None = None


@dataclass(frozen=True)
class EnrollmentFacts:
    id: int
    shop_id: int
    state: State
    previous_state: State | None
    activity: ActivityFacts
    selected: bool = False


@dataclass(frozen=True)
class ProductFacts:
    id: int
    enrollments: tuple[EnrollmentFacts, ...]


@dataclass(frozen=True)
class Item:
    """What the action does to one enrollment."""

    enrollment_id: int
    product_id: int
    activity_id: int
    activity: str
    shop_id: int
    state: State
    selected: bool
    effect: Effect
    target_state: State | None
    counts_as_cancel: bool
    verdict: Verdict
    detail: str
    platform_status: str | None = None

    @property
    def blocking(self) -> bool:
        return self.verdict in BLOCKING

    def as_dict(self) -> dict[str, object]:
        return {
            "enrollment_id": self.enrollment_id,
            "product_id": self.product_id,
            "activity_id": self.activity_id,
            "activity": self.activity,
            "shop_id": self.shop_id,
            "state": self.state.value,
            "selected": self.selected,
            "effect": self.effect.value,
            "target_state": self.target_state.value if self.target_state else None,
            "counts_as_cancel": self.counts_as_cancel,
            "verdict": self.verdict.value,
            "ok": not self.blocking,
            "detail": self.detail,
            "platform_status": self.platform_status,
        }


@dataclass(frozen=True)
class Plan:
    action: Action
    items: tuple[Item, ...]

    @property
    def refusals(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.blocking)

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def forceable(self) -> bool:
        """Every refusal may be overridden by an admin."""
        return all(i.verdict in FORCEABLE for i in self.refusals)

    def refusal_text(self) -> str:
        """The refusals in words, one sentence per enrollment."""
        return " ".join(
            f"Product {i.product_id} in activity {i.activity!r} (#{i.activity_id}): {i.detail}."
            for i in self.refusals
        )


def _delist_target(state: State, started: bool) -> State:
    if state is State.STOCK_ZEROED:
        return State.DELISTED
    return cancel_path(state, started)[1]


def _effect(action: Action, e: EnrollmentFacts) -> tuple[Effect, State | None, bool]:
    """(effect, target state, counts as a cancellation) of one open enrollment."""
    if action is Action.RESTOCK:
        if e.state is State.STOCK_ZEROED:
            back = e.previous_state or State.APPROVED
            if back is State.APPROVED and e.activity.started:
                back = State.LIVE
            return Effect.RESUMES, back, False
        return Effect.UNCHANGED, None, False
    if action is Action.STOCK_ZERO:
        if e.selected:
            return Effect.STOCK_ZEROED, State.STOCK_ZEROED, False
        if e.state in PURCHASABLE:
            return Effect.PAUSED, State.STOCK_ZEROED, True
        return Effect.PAUSED, None, True  # pending review or zeroed already: waits
    target = _delist_target(e.state, e.activity.started)
    return Effect.ENDS, target, not (e.selected and e.state is State.STOCK_ZEROED)


def plan(action: Action, products: Sequence[ProductFacts]) -> Plan:
    """Per enrollment of every product: the effect of ``action`` and its verdict. The
    guardrails of an (activity, shop) are checked once with every enrollment of the action
    that counts as a cancellation there; a delist reports but never refuses."""
    rows: list[tuple[ProductFacts, EnrollmentFacts, Effect, State | None, bool]] = []
    leaving: dict[tuple[int, int], int] = defaultdict(int)
    for p in products:
        for e in p.enrollments:
            if e.state not in IN_ACTIVITY:
                rows.append((p, e, Effect.UNCHANGED, None, False))
                continue
            # An ended activity keeps its enrollments as they are, except the stock-zeroed one
            # a delist was asked for and those a restock brings back (as it always has).
            keeps = not (action is Action.DELIST and e.selected) and action is not Action.RESTOCK
            if e.activity.ended and keeps:
                rows.append((p, e, Effect.UNCHANGED, None, False))
                continue
            effect, target, cancels = _effect(action, e)
            rows.append((p, e, effect, target, cancels))
            if cancels:
                leaving[(e.activity.id, e.shop_id)] += 1
    checks: dict[tuple[int, int], guardrails.Verdict] = {}
    items = []
    for p, e, effect, target, cancels in rows:
        key = (e.activity.id, e.shop_id)
        if e.state not in IN_ACTIVITY:
            verdict, detail = Verdict.ALREADY_ENDED, f"already out of the activity ({e.state})"
        elif effect is Effect.UNCHANGED and e.activity.ended:
            verdict, detail = Verdict.ACTIVITY_ENDED, "the activity has ended"
        elif cancels and action is Action.STOCK_ZERO:
            if key not in checks:
                checks[key] = guardrails.check(e.activity.rules, e.activity.counts, leaving[key])
            check = checks[key]
            if check.ok:
                verdict, detail = Verdict.OK, _ok_detail(action, effect)
            else:
                first = check.violations[0]
                verdict = _RULE_VERDICT[first.rule]
                detail = "; ".join(v.detail for v in check.violations)
        else:
            verdict, detail = Verdict.OK, _ok_detail(action, effect)
        items.append(
            Item(
                enrollment_id=e.id,
                product_id=p.id,
                activity_id=e.activity.id,
                activity=e.activity.name,
                shop_id=e.shop_id,
                state=e.state,
                selected=e.selected,
                effect=effect,
                target_state=target,
                counts_as_cancel=cancels,
                verdict=verdict,
                detail=detail,
                platform_status=e.activity.platform_status,
            )
        )
    return Plan(action, tuple(items))


def _ok_detail(action: Action, effect: Effect) -> str:
    if effect is Effect.STOCK_ZEROED:
        return "stock to zero here; delisted after the activity's delay unless restocked"
    if effect is Effect.PAUSED:
        return "stock is shared: not purchasable, leaves this activity when the product is delisted"
    if effect is Effect.ENDS:
        return "leaves the activity; its coupon and discount are cancelled"
    if effect is Effect.RESUMES:
        return "back in its stage"
    return "unchanged"
