"""Promote rules: eligibility, goals, coupons, refund arithmetic, delivery cap, and the order and
settlement lifecycles (each pinned by an edge set written out here, not read from its table)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.promote.domain.coupons import CouponFacts, check_coupon, coupon_status
from promodesk.promote.domain.eligibility import (
    ContentFacts,
    CreatorFacts,
    age_on,
    check_scheduled_start,
    eligibility,
    parse_version,
    require_eligible,
    validate_region,
)
from promodesk.promote.domain.goals import Goal, allowed_goals, check_budget, check_goal
from promodesk.promote.domain.orders import (
    ENDED,
    OPEN,
    ORDER,
    OrderStatus,
    cap_spend,
    live_ended,
    refuse_pause,
)
from promodesk.promote.domain.settlement import (
    SETTLEMENT,
    RefundSplit,
    SettlementStatus,
    refund_split,
)
from promodesk.promote.errors import CouponNotUsable, GoalNotAllowed, NotEligible, PauseNotSupported
from promodesk.promote.settings import PromoteSettings

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LIMITS = PromoteSettings().limits()
ADULT = CreatorFacts(date(1990, 5, 1), "personal", "20.4", "GB")
VIDEO = ContentFacts("video", commercial_music=True)
ANCHOR = ContentFacts("video", has_ecommerce_anchor=True, commercial_music=True)
LIVE_ON = ContentFacts("live", on_air=True)


# -- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("20.4", (20, 4)), ("20.4.0", (20, 4)), ("v20.10.1", (20, 10, 1)), ("21", (21,))],
)
def test_versions_parse_to_numbers(text: str, parsed: tuple[int, ...]) -> None:
    assert parse_version(text) == parsed


def test_versions_compare_numerically_not_as_text() -> None:
    assert parse_version("20.10") > parse_version("20.4")
    assert parse_version("20.3.9") < parse_version("20.4")
    assert parse_version("100.0") > parse_version("20.4")


@pytest.mark.parametrize("bad", ["", "abc", "20..4", "20.4-beta", "20,4"])
def test_bad_versions_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_version(bad)


def test_regions_are_iso_alpha2() -> None:
    assert validate_region("gb") == "GB"
    for bad in ("UK", "XX", "GBR", "", "1"):
        with pytest.raises(ValidationFailed):
            validate_region(bad)


def test_age_counts_birthdays() -> None:
    assert age_on(date(2008, 3, 10), date(2026, 3, 10)) == 18
    assert age_on(date(2008, 3, 11), date(2026, 3, 10)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17


# -- eligibility ------------------------------------------------------------------------------


def test_an_adult_with_a_commercial_video_in_gb_is_eligible() -> None:
    assert eligibility(ADULT, VIDEO, NOW, LIMITS) == []
    assert eligibility(ADULT, ANCHOR, NOW, LIMITS) == []
    assert eligibility(ADULT, LIVE_ON, NOW, LIMITS) == []


def test_every_failed_reason_is_returned() -> None:
    minor = CreatorFacts(date(2010, 1, 1), "personal", "20.3", "JP")
    plain = ContentFacts("video", commercial_music=False, has_ecommerce_anchor=True)
    codes = [r.code for r in eligibility(minor, plain, NOW, LIMITS)]
    assert codes == ["under_age", "app_version", "music", "region"]
    with pytest.raises(NotEligible) as err:
        require_eligible(eligibility(minor, plain, NOW, LIMITS))
    assert [r["code"] for r in err.value.extra["reasons"]] == codes


def test_region_lists_depend_on_the_promote_type() -> None:
    jp = CreatorFacts(date(1990, 1, 1), "creator", "21.0", "JP")
    assert eligibility(jp, VIDEO, NOW, LIMITS) == []
    assert [r.code for r in eligibility(jp, ANCHOR, NOW, LIMITS)] == ["region"]
    assert [r.code for r in eligibility(jp, LIVE_ON, NOW, LIMITS)] == ["region"]
    us = CreatorFacts(date(1990, 1, 1), "business", "21.0", "US")
    assert eligibility(us, ANCHOR, NOW, LIMITS) == []
    assert [r.code for r in eligibility(us, LIVE_ON, NOW, LIMITS)] == ["region"]


def test_regions_and_account_types_are_settings() -> None:
    limits = PromoteSettings(live_regions=["US"], account_types=["business"]).limits()
    us = CreatorFacts(date(1990, 1, 1), "personal", "21.0", "US")
    assert [r.code for r in eligibility(us, LIVE_ON, NOW, limits)] == ["account_type"]


def test_a_live_must_be_on_air_or_start_within_the_window() -> None:
    soon = ContentFacts("live", scheduled_start=NOW + timedelta(minutes=29))
    late = ContentFacts("live", scheduled_start=NOW + timedelta(minutes=31))
    past = ContentFacts("live", scheduled_start=NOW - timedelta(minutes=1))
    never = ContentFacts("live")
    assert eligibility(ADULT, soon, NOW, LIMITS) == []
    for content in (late, past, never):
        assert [r.code for r in eligibility(ADULT, content, NOW, LIMITS)] == ["live_not_on_air"]


def test_music_is_checked_for_videos_only() -> None:
    assert eligibility(ADULT, ContentFacts("live", on_air=True), NOW, LIMITS) == []
    assert [r.code for r in eligibility(ADULT, ContentFacts("video"), NOW, LIMITS)] == ["music"]


# -- goals ------------------------------------------------------------------------------------


def test_goals_by_content() -> None:
    assert allowed_goals(VIDEO) == (Goal.VIDEO_VIEWS, Goal.WEBSITE_VISITS, Goal.FOLLOWERS)
    assert allowed_goals(ANCHOR) == (Goal.VIDEO_VIEWS, Goal.PRODUCT_CLICKS, Goal.FOLLOWERS)
    assert allowed_goals(LIVE_ON) == (Goal.LIVE_VIEWERS,)


@pytest.mark.parametrize(
    ("content", "goal"),
    [
        (VIDEO, "product_clicks"),
        (VIDEO, "live_viewers"),
        (ANCHOR, "website_visits"),
        (LIVE_ON, "video_views"),
        (LIVE_ON, "followers"),
        (VIDEO, "purchases"),
    ],
)
def test_other_goals_are_refused_with_the_allowed_ones(content: ContentFacts, goal: str) -> None:
    with pytest.raises(GoalNotAllowed) as err:
        check_goal(content, goal, "https://example.com")
    assert err.value.extra["allowed_goals"] == [g.value for g in allowed_goals(content)]


def test_website_visits_need_a_url() -> None:
    assert check_goal(VIDEO, "website_visits", "https://shop.example/x") == Goal.WEBSITE_VISITS
    for url in (None, "", "ftp://x", "shop.example", "https://"):
        with pytest.raises(ValidationFailed):
            check_goal(VIDEO, "website_visits", url)


def test_budget_and_duration_limits() -> None:
    check_budget(100, 24, LIMITS)
    with pytest.raises(ValidationFailed):
        check_budget(99, 24, LIMITS)
    with pytest.raises(ValidationFailed):
        check_budget(LIMITS.budget_max + 1, 24, LIMITS)
    with pytest.raises(ValidationFailed):
        check_budget(500, 0, LIMITS)


# -- coupons ----------------------------------------------------------------------------------


def _coupon(**kw: object) -> CouponFacts:
    base: dict[str, object] = {
        "creator_id": 1,
        "value": 300,
        "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=1),
        "status": "available",
    }
    base.update(kw)
    return CouponFacts(**base)  # type: ignore[arg-type]


def test_a_coupon_needs_a_budget_greater_than_its_value() -> None:
    check_coupon(_coupon(), 1, 301, NOW)
    for budget in (300, 299, 1):
        with pytest.raises(CouponNotUsable):
            check_coupon(_coupon(), 1, budget, NOW)


def test_a_coupon_is_personal_single_use_and_dated() -> None:
    with pytest.raises(CouponNotUsable):
        check_coupon(_coupon(creator_id=2), 1, 1000, NOW)
    for status in ("reserved", "consumed", "expired"):
        with pytest.raises(CouponNotUsable):
            check_coupon(_coupon(status=status), 1, 1000, NOW)
    with pytest.raises(CouponNotUsable):
        check_coupon(_coupon(valid_from=NOW + timedelta(seconds=1)), 1, 1000, NOW)
    with pytest.raises(CouponNotUsable):
        check_coupon(_coupon(valid_until=NOW), 1, 1000, NOW)
    assert coupon_status(_coupon(valid_until=NOW), NOW).value == "expired"


# -- refunds: the worked examples (paid 700 + coupon 300 = budget 1000) ----------------------


@pytest.mark.parametrize(
    ("spent", "expected"),
    [
        (0, RefundSplit(700, 300, coupon_restored=True)),  # spent 0: everything returns
        (100, RefundSplit(700, 200, coupon_restored=False)),  # spent < coupon
        (300, RefundSplit(700, 0, coupon_restored=False)),  # spent = coupon
        (450, RefundSplit(550, 0, coupon_restored=False)),  # spent > coupon
        (1000, RefundSplit(0, 0, coupon_restored=False)),  # budget spent
    ],
)
def test_refund_split_worked_examples(spent: int, expected: RefundSplit) -> None:
    assert refund_split(700, 300, spent) == expected


def test_rejected_before_delivery_returns_everything_coupon_included() -> None:
    split = refund_split(paid=700, coupon=300, spent=0)
    assert (split.to_wallet, split.to_coupon_funding, split.coupon_restored) == (700, 300, True)


def test_live_rejected_midway_refunds_the_unspent_rest() -> None:
    # A LIVE of 500 coins (400 paid + 100 coupon) rejected after 250 were spent.
    assert refund_split(400, 100, 250) == RefundSplit(250, 0, coupon_restored=False)


def test_without_coupon_the_wallet_gets_the_rest() -> None:
    assert refund_split(1000, 0, 0) == RefundSplit(1000, 0, coupon_restored=False)
    assert refund_split(1000, 0, 999) == RefundSplit(1, 0, coupon_restored=False)


def test_refund_split_conserves_coins() -> None:
    for paid, coupon in ((700, 300), (1, 999), (1000, 0)):
        for spent in range(0, paid + coupon + 1, 7):
            split = refund_split(paid, coupon, spent)
            assert split.to_wallet + split.to_coupon_funding + spent == paid + coupon
            assert 0 <= split.to_wallet <= paid
            assert split.to_coupon_funding == max(0, coupon - spent)


def test_refund_split_refuses_impossible_spend() -> None:
    with pytest.raises(ValueError):
        refund_split(700, 300, 1001)
    with pytest.raises(ValueError):
        refund_split(700, 300, -1)


def test_spend_is_capped_at_the_escrow() -> None:
    assert cap_spend(500, 200) == (200, 0)
    assert cap_spend(500, 500) == (500, 0)
    assert cap_spend(500, 800) == (500, 300)
    assert cap_spend(0, 50) == (0, 50)


# -- order lifecycle: every pair --------------------------------------------------------------

EXPECTED = {
    ("in_review", "delivering"),
    ("in_review", "stopped"),
    ("in_review", "rejected"),
    ("delivering", "completed"),
    ("delivering", "stopped"),
    ("delivering", "rejected"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(OrderStatus, repeat=2)))
def test_every_pair_of_the_state_table(current: OrderStatus, target: OrderStatus) -> None:
    if (current.value, target.value) in EXPECTED:
        assert ORDER.transition(current, target) == target
        assert current in ORDER.sources_for(target)
    else:
        with pytest.raises(InvalidTransition):
            ORDER.transition(current, target)
        assert current not in ORDER.sources_for(target)


def test_the_order_lifecycle_has_exactly_the_expected_edges() -> None:
    assert {(a.value, b.value) for a, b in ORDER.edges()} == EXPECTED


def test_ended_and_open_orders() -> None:
    assert {s.value for s in ENDED} == {"completed", "stopped", "rejected"}
    assert {s.value for s in OPEN} == {"in_review", "delivering"}


# -- settlement lifecycle ---------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target"), list(itertools.product(SettlementStatus, repeat=2)))
def test_settlement_happens_once(current: SettlementStatus, target: SettlementStatus) -> None:
    if (current.value, target.value) == ("unsettled", "settled"):
        assert SETTLEMENT.transition(current, target) == target
        assert current in SETTLEMENT.sources_for(target)
    else:
        with pytest.raises(InvalidTransition):
            SETTLEMENT.transition(current, target)
        assert current not in SETTLEMENT.sources_for(target)


def test_the_settlement_lifecycle_has_one_edge() -> None:
    assert {(a.value, b.value) for a, b in SETTLEMENT.edges()} == {("unsettled", "settled")}
    assert {s.value for s in SETTLEMENT.final} == {"settled"}
    with pytest.raises(InvalidTransition) as err:
        SETTLEMENT.transition("settled", "settled")
    assert err.value.detail == "the order is already settled"


def test_there_is_no_pause() -> None:
    assert "paused" not in {s.value for s in OrderStatus}
    with pytest.raises(PauseNotSupported) as err:
        refuse_pause()
    assert "stop" in err.value.detail
    assert err.value.status_code == 409


def test_a_live_ends_when_it_goes_off_air_or_its_start_is_withdrawn() -> None:
    later = datetime(2026, 5, 1, 20, 0, tzinfo=UTC)
    assert live_ended(was_on_air=True, on_air=False, scheduled_start=None)
    assert live_ended(was_on_air=True, on_air=False, scheduled_start=later)  # the next one
    assert live_ended(was_on_air=False, on_air=False, scheduled_start=None)
    assert not live_ended(was_on_air=False, on_air=False, scheduled_start=later)  # rescheduled
    assert not live_ended(was_on_air=False, on_air=True, scheduled_start=None)
    assert not live_ended(was_on_air=True, on_air=True, scheduled_start=None)


def test_a_scheduled_live_start_in_the_past_is_refused() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    check_scheduled_start(None, now)
    check_scheduled_start(now + timedelta(minutes=1), now)
    with pytest.raises(ValidationFailed) as err:
        check_scheduled_start(now - timedelta(seconds=1), now)
    assert err.value.field == "scheduled_start"
