"""The pure plan of a product-level action across every enrollment of the product."""

from __future__ import annotations

from promodesk.shop.domain import guardrails
from promodesk.shop.domain.enrollments import State
from promodesk.shop.domain.product_plan import (
    Action,
    ActivityFacts,
    Effect,
    EnrollmentFacts,
    ProductFacts,
    Verdict,
    plan,
)


def _activity(
    aid: int,
    *,
    enrolled: int = 10,
    active: int = 10,
    cancelled: int = 0,
    started: bool = True,
    ended: bool = False,
    immutable: bool = False,
) -> ActivityFacts:
    return ActivityFacts(
        id=aid,
        name=f"activity {aid}",
        rules=guardrails.Rules(min_products=5, max_cancel_percent=30, immutable=immutable),
        counts=guardrails.Counts(enrolled, active, cancelled),
        started=started,
        ended=ended,
    )


def _e(
    eid: int,
    activity: ActivityFacts,
    state: State = State.LIVE,
    *,
    selected: bool = False,
    previous: State | None = None,
) -> EnrollmentFacts:
    return EnrollmentFacts(eid, 1, state, previous, activity, selected)


def test_stock_to_zero_lists_every_enrollment_with_its_verdict() -> None:
    new, mid = _activity(1, started=False), _activity(2)
    ended, over = _activity(3, ended=True), _activity(4)
    product = ProductFacts(
        5,
        (
            _e(10, new, State.APPROVED, selected=True),
            _e(11, mid, State.LIVE),
            _e(12, ended, State.LIVE),
            _e(13, over, State.TERMINATED),
        ),
    )
    p = plan(Action.STOCK_ZERO, [product])
    by_id = {i.enrollment_id: i for i in p.items}
    assert (by_id[10].effect, by_id[10].verdict, by_id[10].counts_as_cancel) == (
        Effect.STOCK_ZEROED,
        Verdict.OK,
        False,
    )
    assert (by_id[11].effect, by_id[11].target_state, by_id[11].verdict) == (
        Effect.PAUSED,
        State.STOCK_ZEROED,
        Verdict.OK,
    )
    assert by_id[11].counts_as_cancel
    assert by_id[12].verdict is Verdict.ACTIVITY_ENDED
    assert by_id[13].verdict is Verdict.ALREADY_ENDED
    assert p.ok


def test_the_other_activitys_guardrails_refuse_and_only_some_may_be_forced() -> None:
    at_min = _activity(2, enrolled=5, active=5)
    at_cap = _activity(3, enrolled=10, active=7, cancelled=3)
    fixed = _activity(4, immutable=True)
    mine = _activity(1)
    product = ProductFacts(
        5,
        (
            _e(10, mine, State.LIVE, selected=True),
            _e(11, at_min),
            _e(12, at_cap),
        ),
    )
    p = plan(Action.STOCK_ZERO, [product])
    assert [(i.enrollment_id, i.verdict) for i in p.refusals] == [
        (11, Verdict.BREAKS_MIN_PRODUCTS),
        (12, Verdict.BREAKS_CANCEL_RATIO),
    ]
    assert p.forceable
    assert "at least 5" in p.refusal_text()
    immutable = plan(
        Action.STOCK_ZERO, [ProductFacts(6, (_e(20, mine, selected=True), _e(21, fixed)))]
    )
    assert [i.verdict for i in immutable.refusals] == [Verdict.ACTIVITY_IMMUTABLE]
    assert not immutable.forceable


def test_products_of_one_call_leaving_one_activity_are_counted_together() -> None:
    other = _activity(2, enrolled=7, active=7)  # 2 leaving: 5 remain, 28.6 %; 3 leaving: 4 remain
    mine = _activity(1)
    products = [
        ProductFacts(p, (_e(p * 10, mine, selected=True), _e(p * 10 + 1, other))) for p in (1, 2, 3)
    ]
    assert plan(Action.STOCK_ZERO, products[:2]).ok  # 2 of 7 = 28.6 %, 5 remain
    three = plan(Action.STOCK_ZERO, products)
    assert {i.verdict for i in three.refusals} == {Verdict.BREAKS_MIN_PRODUCTS}
    assert len(three.refusals) == 3


def test_delist_ends_every_enrollment_along_its_stage_and_never_refuses() -> None:
    mine, live = _activity(1), _activity(2, enrolled=5, active=5)
    waiting, early = _activity(3), _activity(4, started=False)
    product = ProductFacts(
        5,
        (
            _e(10, mine, State.STOCK_ZEROED, selected=True, previous=State.LIVE),
            _e(11, live, State.STOCK_ZEROED, previous=State.LIVE),
            _e(12, waiting, State.PENDING_REVIEW),
            _e(13, early, State.APPROVED),
        ),
    )
    p = plan(Action.DELIST, [product])
    assert p.ok  # a delist reports, never refuses
    assert [(i.enrollment_id, i.target_state, i.counts_as_cancel) for i in p.items] == [
        (10, State.DELISTED, False),
        (11, State.DELISTED, True),
        (12, State.WITHDRAWN, True),
        (13, State.REMOVED, True),
    ]
    assert all(i.effect is Effect.ENDS for i in p.items)


def test_restock_resumes_the_stock_zeroed_ones() -> None:
    started, early = _activity(1), _activity(2, started=False)
    product = ProductFacts(
        5,
        (
            _e(10, started, State.STOCK_ZEROED, previous=State.APPROVED),
            _e(11, early, State.STOCK_ZEROED, previous=State.APPROVED),
            _e(12, early, State.PENDING_REVIEW),
            _e(13, started, State.DELISTED),
        ),
    )
    p = plan(Action.RESTOCK, [product])
    assert [(i.effect, i.target_state) for i in p.items] == [
        (Effect.RESUMES, State.LIVE),
        (Effect.RESUMES, State.APPROVED),
        (Effect.UNCHANGED, None),
        (Effect.UNCHANGED, None),
    ]
    assert p.items[3].verdict is Verdict.ALREADY_ENDED


def test_an_ended_activity_keeps_its_enrollments_except_the_delisted_one() -> None:
    ended, other_ended = _activity(1, ended=True), _activity(2, ended=True)
    product = ProductFacts(
        5,
        (
            _e(10, ended, State.STOCK_ZEROED, selected=True, previous=State.LIVE),
            _e(11, other_ended, State.LIVE),
        ),
    )
    p = plan(Action.DELIST, [product])
    assert [(i.effect, i.target_state, i.verdict) for i in p.items] == [
        (Effect.ENDS, State.DELISTED, Verdict.OK),
        (Effect.UNCHANGED, None, Verdict.ACTIVITY_ENDED),
    ]
