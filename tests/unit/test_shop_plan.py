"""The one cancel plan (``shop.domain.plan``), worked examples: per item the path or the refusal
code, per (activity, shop) the verdict and what an all-or-nothing cancel, a batch and a forced
cancel do with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from promodesk.shop.domain.enrollments import Path, State
from promodesk.shop.domain.guardrails import Counts, Rule, Rules
from promodesk.shop.domain.plan import (
    ActivityFacts,
    ItemFacts,
    Refusal,
    activity_refusal,
    plan,
)

NOW = datetime(2026, 9, 20, 4, 0, tzinfo=UTC)
SHOP = 7


def _activity(
    activity_id: int = 1, *, started: bool = False, ended: bool = False, **rules: object
) -> ActivityFacts:
    starts = NOW - timedelta(hours=1) if started else NOW + timedelta(days=2)
    ends = NOW - timedelta(minutes=1) if ended else starts + timedelta(days=7)
    return ActivityFacts(activity_id, Rules(**rules), True, starts, ends)  # type: ignore[arg-type]


def _item(enrollment_id: int, state: State | None = State.APPROVED, **kw: int) -> ItemFacts:
    return ItemFacts(
        enrollment_id,
        activity_id=kw.pop("activity_id", 1),
        product_id=100 + enrollment_id,
        shop_id=SHOP,
        state=state,
        **kw,  # type: ignore[arg-type]
    )


ROOMY = Counts(enrolled=100, active=100, cancelled=0)


def test_each_stage_takes_its_path() -> None:
    items = [_item(1, State.PENDING_REVIEW), _item(2, State.APPROVED), _item(3, State.LIVE)]
    before = plan(items, {1: _activity()}, {(1, SHOP): ROOMY}, now=NOW, all_or_nothing=True)
    assert [(d.path, d.target) for d in before.decisions] == [
        (Path.WITHDRAW, State.WITHDRAWN),
        (Path.REMOVE, State.REMOVED),
        (Path.TERMINATE, State.TERMINATED),
    ]
    started = plan(
        items[1:2], {1: _activity(started=True)}, {}, now=NOW, all_or_nothing=True, force=True
    )
    assert started.decisions[0].path is Path.TERMINATE


def test_the_items_own_refusals_in_order() -> None:
    items = [
        _item(1, None),
        _item(2, State.TERMINATED),
        _item(3, State.DELISTED),
        _item(4, activity_id=2),
        _item(5, waiting_batch=42),
        _item(6),
    ]
    activities = {1: _activity(), 2: _activity(2, ended=True)}
    found = plan(items, activities, {(1, SHOP): ROOMY}, now=NOW, all_or_nothing=True)
    assert [d.refusal for d in found.decisions] == [
        Refusal.ENROLLMENT_NOT_FOUND,
        Refusal.ALREADY_CANCELLED,
        Refusal.NOT_CANCELLABLE,
        Refusal.ACTIVITY_ENDED,
        Refusal.ALREADY_SCHEDULED,
        None,
    ]
    assert found.decisions[1].detail == "the enrollment is terminated"
    assert [d.item.enrollment_id for d in found.accepted] == [6]
    (group,) = found.groups
    assert group.items == (items[5],)


def test_an_immutable_activity_refuses_item_by_item_in_a_batch_and_as_a_whole_otherwise() -> None:
    items = [_item(1), _item(2)]
    activities = {1: _activity(immutable=True)}
    batch = plan(items, activities, {(1, SHOP): ROOMY}, now=NOW, all_or_nothing=False, force=True)
    assert {d.refusal for d in batch.decisions} == {Refusal.ACTIVITY_IMMUTABLE}
    assert batch.groups == ()
    for force in (False, True):  # never forced
        whole = plan(
            items, activities, {(1, SHOP): ROOMY}, now=NOW, all_or_nothing=True, force=force
        )
        (group,) = whole.refused
        assert [v.rule for v in group.verdict.violations] == [Rule.IMMUTABLE]
        assert whole.accepted == ()
        assert all(d.ok for d in whole.decisions)  # the path is shown; the verdict refuses


def test_guardrails_a_batch_lets_through_what_they_allow_in_selection_order() -> None:
    counts = {(1, SHOP): Counts(enrolled=10, active=10, cancelled=1)}
    items = [_item(n) for n in range(1, 5)]
    batch = plan(items, {1: _activity()}, counts, now=NOW, all_or_nothing=False)
    assert [d.item.enrollment_id for d in batch.accepted] == [1, 2]  # 3 of 10 = 30 %
    assert [d.refusal for d in batch.refusals] == [Refusal.GUARDRAIL_MAX_CANCEL_RATIO] * 2
    (group,) = batch.groups
    assert (group.allowed, group.refused, group.forced, group.verdict.ok) == (
        2,
        False,
        False,
        False,
    )
    whole = plan(items, {1: _activity()}, counts, now=NOW, all_or_nothing=True)
    assert whole.refused == whole.groups
    assert whole.accepted == ()
    forced = plan(items, {1: _activity()}, counts, now=NOW, all_or_nothing=True, force=True)
    assert forced.groups[0].forced
    assert len(forced.accepted) == 4


def test_the_minimum_product_count_is_a_guardrail_code_too() -> None:
    counts = {(1, SHOP): Counts(enrolled=6, active=6, cancelled=0)}
    rules = {"min_products": 5, "max_cancel_percent": 100}
    found = plan(
        [_item(1), _item(2)], {1: _activity(**rules)}, counts, now=NOW, all_or_nothing=False
    )
    assert [d.refusal for d in found.decisions] == [None, Refusal.GUARDRAIL_MIN_PRODUCTS]


def test_per_item_refusals_come_before_the_guardrails_ones() -> None:
    counts = {(1, SHOP): Counts(enrolled=10, active=10, cancelled=3)}
    items = [_item(1), _item(2, State.REMOVED)]
    found = plan(items, {1: _activity()}, counts, now=NOW, all_or_nothing=False)
    assert [d.refusal for d in found.refusals] == [
        Refusal.ALREADY_CANCELLED,
        Refusal.GUARDRAIL_MAX_CANCEL_RATIO,
    ]


def test_the_activity_refusal_stock_to_zero_asks() -> None:
    assert activity_refusal(_activity(), NOW) is None
    assert activity_refusal(_activity(immutable=True), NOW) == (
        Refusal.ACTIVITY_IMMUTABLE,
        "the activity is immutable",
    )
    assert activity_refusal(_activity(ended=True), NOW) == (
        Refusal.ACTIVITY_ENDED,
        "the activity has ended",
    )
