"""Pure shop rules: every transition, the stage-aware path, guardrails at the threshold, one
over and forced, and the low-traffic window in the shop's time zone (DST included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.shop.domain import guardrails
from promodesk.shop.domain.batches import (
    BATCHES,
    FINISHED,
    ITEMS,
    RETRYABLE,
    BatchStatus,
    ItemStatus,
    outcome,
)
from promodesk.shop.domain.enrollments import (
    ALLOWED,
    ENROLLMENTS,
    Path,
    Reason,
    State,
    cancel_path,
    parse_reason,
    restore_target,
)
from promodesk.shop.domain.guardrails import Counts, Rule, Rules
from promodesk.shop.domain.replace import replace_needs_review, replace_price
from promodesk.shop.domain.selection import parse_csv_ids
from promodesk.shop.domain.window import check_minute, in_window, next_window, zone

S = State
#: the enrollment lifecycle, written out here (not read from the table the guard uses)
ENROLLMENT_EDGES = {
    (S.PENDING_REVIEW, S.APPROVED), (S.PENDING_REVIEW, S.REJECTED),
    (S.PENDING_REVIEW, S.WITHDRAWN), (S.PENDING_REVIEW, S.REPLACED),
    (S.APPROVED, S.LIVE), (S.APPROVED, S.REMOVED), (S.APPROVED, S.TERMINATED),
    (S.APPROVED, S.STOCK_ZEROED), (S.APPROVED, S.REPLACED),
    (S.LIVE, S.TERMINATED), (S.LIVE, S.STOCK_ZEROED), (S.LIVE, S.REPLACED),
    (S.STOCK_ZEROED, S.APPROVED), (S.STOCK_ZEROED, S.LIVE), (S.STOCK_ZEROED, S.DELISTED),
    (S.STOCK_ZEROED, S.REMOVED), (S.STOCK_ZEROED, S.TERMINATED),
    (S.WITHDRAWN, S.PENDING_REVIEW),
    (S.REMOVED, S.APPROVED),
    (S.TERMINATED, S.LIVE), (S.TERMINATED, S.APPROVED),
    (S.REPLACED, S.PENDING_REVIEW), (S.REPLACED, S.APPROVED), (S.REPLACED, S.LIVE),
}  # fmt: skip
B = BatchStatus
BATCH_EDGES = {
    (B.SCHEDULED, B.RUNNING), (B.SCHEDULED, B.CANCELLED),
    (B.RUNNING, B.DONE), (B.RUNNING, B.PARTIAL), (B.RUNNING, B.FAILED),
    (B.PARTIAL, B.RUNNING), (B.FAILED, B.RUNNING),
}  # fmt: skip
IT = ItemStatus
ITEM_EDGES = {(IT.PENDING, IT.DONE), (IT.PENDING, IT.FAILED), (IT.FAILED, IT.PENDING)}


@pytest.mark.parametrize("current", list(State))
@pytest.mark.parametrize("target", list(State))
def test_every_pair_of_the_enrollment_lifecycle(current: State, target: State) -> None:
    if (current, target) in ENROLLMENT_EDGES:
        assert ENROLLMENTS.transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as refused:
            ENROLLMENTS.transition(current, target)
        assert refused.value.detail == (
            f"an enrollment cannot go from {current.value} to {target.value}"
        )
        assert refused.value.message == "A product cannot go from %(state)s to %(target_state)s."


def test_the_lifecycle_tables_are_the_pinned_edges() -> None:
    assert ENROLLMENTS.edges() == ENROLLMENT_EDGES
    assert BATCHES.edges() == BATCH_EDGES
    assert ITEMS.edges() == ITEM_EDGES
    assert BATCHES.final == {B.DONE, B.CANCELLED}


@pytest.mark.parametrize("current", list(BatchStatus))
@pytest.mark.parametrize("target", list(BatchStatus))
def test_every_pair_of_the_batch_lifecycle(current: BatchStatus, target: BatchStatus) -> None:
    if (current, target) in BATCH_EDGES:
        assert BATCHES.transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition):
            BATCHES.transition(current, target)


def test_a_batch_finishes_by_its_items() -> None:
    assert outcome(done=3, failed=0) is B.DONE
    assert outcome(done=0, failed=2) is B.FAILED
    assert outcome(done=1, failed=1) is B.PARTIAL
    assert {B.PARTIAL, B.FAILED} == RETRYABLE
    assert {B.DONE, B.PARTIAL, B.FAILED, B.CANCELLED} == FINISHED


def test_final_states_have_no_way_out() -> None:
    for state in (State.DELISTED, State.REJECTED):
        assert ALLOWED[state] == frozenset()


def test_a_replaced_enrollment_only_goes_back_to_a_stage_by_a_restore() -> None:
    assert ALLOWED[State.REPLACED] == frozenset({State.PENDING_REVIEW, State.APPROVED, State.LIVE})


def test_replace_keeps_the_discount_percentage_not_the_price() -> None:
    p = replace_price(13800, 11730, 18800, "CNY")
    assert (p.activity_price_minor, p.discount_percent, p.source) == (
        15980,
        Decimal("15.00"),
        "kept_discount",
    )
    # 18801 × 11730 / 13800 = 15980.85 → 15981 (once, half up)
    assert replace_price(13800, 11730, 18801, "CNY").activity_price_minor == 15981
    # exactly half: 3 × 150 / 200 = 2.25 → 2; 2 × 150 / 200 = 1.5 → 2 (half up, not even)
    assert replace_price(200, 150, 3, "CNY").activity_price_minor == 2
    assert replace_price(200, 150, 2, "CNY").activity_price_minor == 2
    # a third off stays exact: 100 × 2/3 = 66.67 → 67
    assert replace_price(300, 200, 100, "USD").activity_price_minor == 67
    # CHF is paid in 0.05: 1003 × 0.85 = 852.55 → 855 (CHF 8.55)
    assert replace_price(1000, 850, 1003, "CHF").activity_price_minor == 855
    # JPY has no minor unit: 1999 × 0.9 = 1799.1 → 1799
    assert replace_price(2000, 1800, 1999, "JPY").activity_price_minor == 1799


def test_replace_with_an_explicit_price() -> None:
    p = replace_price(13800, 11730, 18800, "CNY", explicit_minor=16920)
    assert (p.activity_price_minor, p.discount_percent, p.source) == (
        16920,
        Decimal("10.00"),
        "explicit",
    )
    with pytest.raises(ValidationFailed) as above:
        replace_price(13800, 11730, 18800, "CNY", explicit_minor=18801)
    assert above.value.field == "activity_price_minor"
    assert "18800" in str(above.value)
    with pytest.raises(ValidationFailed):
        replace_price(13800, 11730, 18800, "CNY", explicit_minor=-1)
    with pytest.raises(ValidationFailed):  # no discount to keep
        replace_price(0, 0, 18800, "CNY")


def test_replace_review_rules() -> None:
    assert replace_needs_review("live", True, False, False)
    assert replace_needs_review("live", False, True, True)
    assert not replace_needs_review("live", False, True, False)
    assert not replace_needs_review("approved", False, False, True)
    assert replace_needs_review("pending_review", False, False, False)


@pytest.mark.parametrize(
    ("state", "started", "path", "target"),
    [
        ("pending_review", False, Path.WITHDRAW, State.WITHDRAWN),
        ("pending_review", True, Path.WITHDRAW, State.WITHDRAWN),
        ("approved", False, Path.REMOVE, State.REMOVED),
        ("approved", True, Path.TERMINATE, State.TERMINATED),
        ("live", True, Path.TERMINATE, State.TERMINATED),
        ("stock_zeroed", False, Path.REMOVE, State.REMOVED),
        ("stock_zeroed", True, Path.TERMINATE, State.TERMINATED),
    ],
)
def test_stage_aware_path(state: str, started: bool, path: Path, target: State) -> None:
    assert cancel_path(state, started) == (path, target)
    assert target in ALLOWED[State(state)]


@pytest.mark.parametrize(
    "state", ["withdrawn", "removed", "terminated", "delisted", "replaced", "rejected"]
)
def test_cannot_cancel_twice_or_a_final_state(state: str) -> None:
    with pytest.raises(InvalidTransition):
        cancel_path(state, True)


def test_restore_targets() -> None:
    assert restore_target("withdrawn", True) is State.PENDING_REVIEW
    assert restore_target("removed", False) is State.APPROVED
    assert restore_target("terminated", True) is State.LIVE
    with pytest.raises(InvalidTransition):
        restore_target("delisted", True)


def test_reasons() -> None:
    assert parse_reason("stock_shortage")[0] is Reason.STOCK_SHORTAGE
    with pytest.raises(ValidationFailed):
        parse_reason("other", "  ")
    assert parse_reason("other", "供应商延迟") == (Reason.OTHER, "供应商延迟")
    with pytest.raises(ValidationFailed):
        parse_reason("because")


# guardrails ---------------------------------------------------------------------------------

RULES = Rules(min_products=5, max_cancel_percent=30)


def test_ratio_at_the_threshold_passes() -> None:
    verdict = guardrails.check(RULES, Counts(enrolled=10, active=10, cancelled=0), 3)
    assert verdict.ok
    assert verdict.ratio_after_percent == 30.0
    assert verdict.remaining_after == 7


def test_ratio_one_over_is_refused_with_numbers() -> None:
    verdict = guardrails.check(RULES, Counts(enrolled=10, active=10, cancelled=0), 4)
    assert not verdict.ok
    (v,) = verdict.violations
    assert (v.rule, v.limit, v.value) == (Rule.MAX_CANCEL_RATIO, 30, 4)
    assert "4 of 10" in v.detail


def test_ratio_is_cumulative() -> None:
    assert guardrails.check(RULES, Counts(10, 8, 2), 1).ok
    assert not guardrails.check(RULES, Counts(10, 7, 3), 1).ok


def test_minimum_at_the_threshold_and_one_over() -> None:
    rules = Rules(min_products=5, max_cancel_percent=100)
    assert guardrails.check(rules, Counts(6, 6, 0), 1).ok  # 5 remain
    verdict = guardrails.check(rules, Counts(6, 6, 0), 2)  # 4 remain
    assert [v.rule for v in verdict.violations] == [Rule.MIN_PRODUCTS]
    assert verdict.violations[0].value == 4


def test_immutable_refuses_everything() -> None:
    verdict = guardrails.check(
        Rules(immutable=True, min_products=0, max_cancel_percent=100), Counts(10, 10, 0), 1
    )
    assert [v.rule for v in verdict.violations] == [Rule.IMMUTABLE]
    assert guardrails.allowed_count(Rules(immutable=True), Counts(100, 100, 0)) == 0
    assert guardrails.alternatives(True, True) == []


def test_scheduled_cancellations_count_as_done() -> None:
    # 2 of 10 scheduled in a window: one more reaches 30 %, two more break it
    assert guardrails.check(RULES, Counts(10, 10, 0, scheduled=2), 1).ok
    over = guardrails.check(RULES, Counts(10, 10, 0, scheduled=2), 2)
    assert [v.rule for v in over.violations] == [Rule.MAX_CANCEL_RATIO]
    assert (over.cancelled_after, over.remaining_after) == (4, 6)
    assert guardrails.allowed_count(RULES, Counts(10, 10, 0, scheduled=2)) == 1
    # the minimum product count sees the scheduled ones gone too
    rules = Rules(min_products=5, max_cancel_percent=100)
    assert guardrails.check(rules, Counts(6, 6, 0, scheduled=1), 0).ok
    assert not guardrails.check(rules, Counts(6, 6, 0, scheduled=1), 1).ok
    assert guardrails.allowed_count(rules, Counts(6, 6, 0, scheduled=1)) == 0


def test_allowed_count_is_the_tighter_rule() -> None:
    assert guardrails.allowed_count(RULES, Counts(10, 10, 0)) == 3
    assert guardrails.allowed_count(RULES, Counts(6, 6, 0)) == 1
    assert guardrails.allowed_count(RULES, Counts(10, 7, 3)) == 0
    assert guardrails.allowed_count(RULES, Counts(4, 4, 0)) == 0
    for n in range(0, 4):
        assert guardrails.check(RULES, Counts(10, 10, 0), n).ok
    assert not guardrails.check(RULES, Counts(10, 10, 0), 4).ok


def test_alternatives_and_penalty() -> None:
    assert [a.value for a in guardrails.alternatives(True, False)] == [
        "replace",
        "stock_to_zero",
        "presale",
    ]
    assert "presale" not in [a.value for a in guardrails.alternatives(False, False)]
    at = datetime(2026, 9, 1, tzinfo=UTC)
    assert guardrails.penalty_until(at, 7) == at + timedelta(days=7)
    assert guardrails.penalty_until(at, 0) is None


# low-traffic window -------------------------------------------------------------------------


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_window_in_shanghai_from_a_server_in_another_zone() -> None:
    # 2026-09-20 12:00 UTC = 20:00 in Shanghai: next window 01:00-05:00 local = 17:00-21:00 UTC
    w = next_window(_utc(2026, 9, 20, 12, 0), "Asia/Shanghai", 60, 300)
    assert (w.start, w.end) == (_utc(2026, 9, 20, 17, 0), _utc(2026, 9, 20, 21, 0))
    assert not in_window(_utc(2026, 9, 20, 12, 0), "Asia/Shanghai", 60, 300)
    assert in_window(_utc(2026, 9, 20, 18, 0), "Asia/Shanghai", 60, 300)


def test_window_edges() -> None:
    start = _utc(2026, 9, 20, 17, 0)
    assert in_window(start, "Asia/Shanghai", 60, 300)  # start is inside
    assert not in_window(start - timedelta(seconds=1), "Asia/Shanghai", 60, 300)
    end = _utc(2026, 9, 20, 21, 0)
    assert not in_window(end, "Asia/Shanghai", 60, 300)  # end is outside
    w = next_window(end, "Asia/Shanghai", 60, 300)
    assert w.start == start + timedelta(days=1)


def test_window_crossing_midnight() -> None:
    # 23:00-02:00 local in Shanghai; at 00:30 local we are inside yesterday's window
    at = _utc(2026, 9, 20, 16, 30)  # 00:30 on the 21st local
    assert in_window(at, "Asia/Shanghai", 23 * 60, 120)
    w = next_window(at, "Asia/Shanghai", 23 * 60, 120)
    assert (w.start, w.end) == (_utc(2026, 9, 20, 15, 0), _utc(2026, 9, 20, 18, 0))


def test_window_on_a_dst_spring_forward_day() -> None:
    # New York, 2026-03-08: 02:00 local jumps to 03:00. A 02:30 start does not exist and
    # moves to 03:00 EDT (07:00 UTC); the 05:00 end is EDT (09:00 UTC).
    w = next_window(_utc(2026, 3, 8, 5, 0), "America/New_York", 150, 300)
    assert (w.start, w.end) == (_utc(2026, 3, 8, 7, 0), _utc(2026, 3, 8, 9, 0))
    # the 01:00-05:00 window that day lasts 3 hours of real time, not 4
    w = next_window(_utc(2026, 3, 8, 5, 0), "America/New_York", 60, 300)
    assert (w.start, w.end) == (_utc(2026, 3, 8, 6, 0), _utc(2026, 3, 8, 9, 0))


def test_window_on_a_dst_fall_back_day() -> None:
    # New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST. 01:00-05:00 takes the first
    # 01:00 (EDT, 05:00 UTC) and ends at 05:00 EST (10:00 UTC): 5 hours of real time.
    w = next_window(_utc(2026, 11, 1, 3, 0), "America/New_York", 60, 300)
    assert (w.start, w.end) == (_utc(2026, 11, 1, 5, 0), _utc(2026, 11, 1, 10, 0))


def test_time_zone_validation() -> None:
    assert zone("Asia/Shanghai").key == "Asia/Shanghai"
    for bad in ("", "Mars/Base", "../etc/passwd", "x" * 100):
        with pytest.raises(ValidationFailed):
            zone(bad)
    with pytest.raises(ValidationFailed):
        check_minute(1440, "low_traffic_end_minute")


def test_csv_ids_read_every_cell_and_refuse_what_is_not_an_id() -> None:
    assert parse_csv_ids("product_id\n1\n2\n", "f") == [1, 2]
    assert parse_csv_ids("1,2\n3\n", "f") == [1, 2, 3]
    for bad in ("1,2,abc", "product_id\n1\n2,x\n", "1\n0\n"):
        with pytest.raises(ValidationFailed) as refused:
            parse_csv_ids(bad, "f")
        assert refused.value.field == "f"
    with pytest.raises(ValidationFailed, match="'abc'"):
        parse_csv_ids("1,2,abc", "f")
