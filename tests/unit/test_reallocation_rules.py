"""Reallocating freed budget, the pure rules: worked examples of before → after budgets,
TikTok's minimums, amounts, the pool left, and the lifecycle's edges written out."""

from __future__ import annotations

import pytest

from promodesk.campaigns.domain.reallocation import (
    ALLOWED,
    ITEM_ALLOWED,
    ITEM_MACHINE,
    MACHINE,
    Ask,
    Candidate,
    ItemStatus,
    Status,
    amount,
    minimum_minor,
    outcome,
    plan,
)
from promodesk.kit.errors import InvalidTransition, ValidationFailed


def campaign(row_id: int = 1, **kw: object) -> Candidate:
    base: dict[str, object] = {
        "row_id": row_id,
        "campaign_id": f"17{row_id:05d}",
        "name": f"Campaign {row_id}",
        "currency": "USD",
        "budget_mode": "BUDGET_MODE_DAY",
        "budget_minor": 100_00,
    }
    base.update(kw)
    return Candidate(**base)  # type: ignore[arg-type]


def test_two_campaigns_take_part_of_the_pool() -> None:
    asks = [
        Ask(1, 50_00, campaign(1)),
        Ask(2, 25_50, campaign(2, budget_mode="BUDGET_MODE_TOTAL", budget_minor=1_000_00)),
    ]
    p = plan("usd", 120_00, asks, {1: 50_00, 2: 50_00})
    assert p.ok
    assert p.currency == "USD"
    assert (p.pool_before_minor, p.total_minor, p.pool_after_minor) == (120_00, 75_50, 44_50)
    first, second = p.lines
    assert (first.before_minor, first.after_minor, first.daily) == (100_00, 150_00, True)
    assert (second.before_minor, second.after_minor, second.daily) == (1_000_00, 1_025_50, False)


def test_exactly_the_pool_is_allowed_one_cent_more_is_not() -> None:
    assert plan("USD", 75_00, [Ask(1, 75_00, campaign(1))]).pool_after_minor == 0
    p = plan("USD", 75_00, [Ask(1, 75_01, campaign(1))])
    assert not p.ok
    assert [x.code for x in p.problems] == ["pool_too_small"]
    assert p.problems[0].detail.startswith("only 75.00 USD left in the pool")
    assert p.pool_after_minor == -1


def test_minimum_applies_to_the_budget_after() -> None:
    low = campaign(1, budget_minor=10_00)
    p = plan("USD", 1_000_00, [Ask(1, 30_00, low)], {1: 50_00})
    assert [(x.code, x.row_id) for x in p.problems] == [("below_minimum", 1)]
    assert "below TikTok's minimum of 50.00 USD" in p.problems[0].detail
    assert plan("USD", 1_000_00, [Ask(1, 40_00, low)], {1: 50_00}).ok
    # no known minimum for the currency: TikTok's own answer decides
    assert plan("USD", 1_000_00, [Ask(1, 1, low)], {1: None}).ok


@pytest.mark.parametrize(
    ("candidate", "code"),
    [
        (campaign(1, currency="EUR"), "currency_mismatch"),
        (campaign(1, deleted=True), "campaign_deleted"),
        (campaign(1, vanished=True), "campaign_deleted"),
        (campaign(1, budget_mode="BUDGET_MODE_INFINITE"), "budget_unlimited"),
        (campaign(1, in_scope=False), "not_in_pool"),
    ],
)
def test_targets_that_cannot_take_money(candidate: Candidate, code: str) -> None:
    p = plan("USD", 1_000_00, [Ask(1, 10_00, candidate)])
    assert [(x.code, x.row_id) for x in p.problems] == [(code, 1)]
    assert p.lines[0].problem == code


def test_amounts_targets_and_duplicates() -> None:
    assert [x.code for x in plan("USD", 100, []).problems] == ["no_targets"]
    assert [x.code for x in plan("USD", 100, [Ask(1, 0, campaign(1))]).problems] == [
        "amount_not_positive"
    ]
    assert [x.code for x in plan("USD", 100, [Ask(9, 5, None)]).problems] == ["campaign_not_found"]
    p = plan("USD", 100, [Ask(1, 5, campaign(1)), Ask(1, 5, campaign(1))])
    assert [x.code for x in p.problems] == ["duplicate_target"]
    assert p.total_minor == 5


def test_amount_parsing_is_exact() -> None:
    assert amount("120.50", "USD") == 120_50
    assert amount("750000", "IDR") == 750_000_00  # ISO 4217: two decimals
    with pytest.raises(ValidationFailed):
        amount("1e3", "USD")
    with pytest.raises(ValidationFailed):
        amount("1.005", "USD")


def test_minimum_by_mode() -> None:
    daily, lifetime = {"USD": 50_00}, {"USD": 100_00}
    assert minimum_minor("BUDGET_MODE_DAY", "usd", daily, lifetime) == 50_00
    assert minimum_minor("BUDGET_MODE_DYNAMIC_DAILY_BUDGET", "USD", daily, lifetime) == 50_00
    assert minimum_minor("BUDGET_MODE_TOTAL", "USD", daily, lifetime) == 100_00
    assert minimum_minor("BUDGET_MODE_TOTAL", "EUR", daily, lifetime) is None


def test_lifecycle_edges() -> None:
    assert {(a.value, b.value) for a, nxt in ALLOWED.items() for b in nxt} == {
        ("reserved", "done"),
        ("reserved", "partial"),
        ("reserved", "failed"),
    }
    assert {(a.value, b.value) for a, nxt in ITEM_ALLOWED.items() for b in nxt} == {
        ("pending", "done"),
        ("pending", "failed"),
    }
    with pytest.raises(InvalidTransition):
        MACHINE.transition(Status.DONE, Status.FAILED)
    with pytest.raises(InvalidTransition):
        ITEM_MACHINE.transition(ItemStatus.FAILED, ItemStatus.DONE)


def test_outcome_of_items() -> None:
    assert outcome([]) is Status.RESERVED
    assert outcome(["done", "pending"]) is Status.RESERVED
    assert outcome(["done", "done"]) is Status.DONE
    assert outcome(["failed"]) is Status.FAILED
    assert outcome(["done", "failed"]) is Status.PARTIAL


def test_transfer_rules_and_edges() -> None:
    from promodesk.campaigns.domain import transfers

    agency = transfers.Side(1, "USD", True)
    other = transfers.Side(2, "USD", True)
    assert transfers.problem(agency, other, 10_00) is None
    cases = [
        (agency, other, 0, "amount_not_positive"),
        (agency, agency, 5, "same_account"),
        (agency, transfers.Side(2, "USD", False), 5, "not_agency_paid"),
        (transfers.Side(1, "USD", False), other, 5, "not_agency_paid"),
        (agency, transfers.Side(2, "EUR", True), 5, "currency_mismatch"),
    ]
    for source, target, amount_minor, code in cases:
        found = transfers.problem(source, target, amount_minor)
        assert found is not None
        assert found[0] == code
    assert {(a.value, b.value) for a, nxt in transfers.ALLOWED.items() for b in nxt} == {
        ("pending", "out_done"),
        ("pending", "failed"),
        ("out_done", "done"),
    }
    assert transfers.request_id(3, 41, "out") == "promodesk-3-41-out"


def test_transfer_retry_backoff_doubles_up_to_an_hour() -> None:
    from promodesk.campaigns.domain import transfers

    assert [transfers.retry_delay(n, 60) for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert transfers.retry_delay(1, 0) == 0
    assert transfers.retry_delay(1000, 60) == 3600
    with pytest.raises(ValueError):
        transfers.retry_delay(0, 60)


@pytest.mark.parametrize(
    ("pool", "campaign_of", "funds"),
    [
        # an advertiser pool: campaigns allocated to that advertiser, in any of its ad accounts
        (("adv", 7), (1, 7, ()), True),
        (("adv", 7), (2, 7, (7, 8)), True),
        # ... not a campaign of another advertiser, even in an ad account advertiser 7 shares
        (("adv", 7), (1, 8, (7, 8)), False),
        (("adv", 7), (3, 8, (8,)), False),
        # ... an unallocated campaign only when its ad account is allocated to advertiser 7 alone
        (("adv", 7), (1, None, (7,)), True),
        (("adv", 7), (1, None, (7, 8)), False),
        (("adv", 7), (1, None, ()), False),
        # an ad-account pool (freed by campaigns no advertiser owns): campaigns of that ad
        # account that no advertiser owns
        (("acct", 1), (1, None, ()), True),
        (("acct", 1), (1, None, (7,)), True),
        (("acct", 1), (2, None, ()), False),
        (("acct", 1), (1, 7, (7,)), False),
        (("acct", 1), (2, 7, (7,)), False),
    ],
)
def test_which_campaigns_a_freed_budget_pool_may_fund(
    pool: tuple[str, int], campaign_of: tuple[int, int | None, tuple[int, ...]], funds: bool
) -> None:
    from promodesk.campaigns.domain.reallocation import pool_funds

    kind, ident = pool
    ad_account, owner, account_advertisers = campaign_of
    assert (
        pool_funds(
            pool_advertiser_id=ident if kind == "adv" else None,
            pool_ad_account_id=ident if kind == "acct" else None,
            campaign_ad_account_id=ad_account,
            campaign_advertiser_id=owner,
            account_advertiser_ids=frozenset(account_advertisers),
        )
        is funds
    )
