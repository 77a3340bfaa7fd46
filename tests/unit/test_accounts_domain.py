"""Allocation rules: every refusal with its reason; each lifecycle walked pair by pair against
an edge set written out here (not the table the guard reads)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from promodesk.accounts.domain import (
    CLIENT_LIFECYCLE,
    GRANT_LIFECYCLE,
    REQUEST_LIFECYCLE,
    SYNC_LIFECYCLE,
    AccountRequestInput,
    AuthStatus,
    ClientStatus,
    PairState,
    Refusal,
    RequestStatus,
    SyncStatus,
    Usage,
    becomes_default,
    check_allocatable,
    check_campaign_allocate,
    check_campaign_deallocate,
    check_deallocate,
    check_new_default,
    default_after_deallocate,
    industry_id,
    next_stage,
    payment_url,
    validate_request,
)
from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.kit.statemachine import StateMachine


def _pair(**kw: object) -> PairState:
    base: dict[str, object] = {
        "is_default": False,
        "last_pair_of_client": True,
        "other_candidates": (),
        "usage": Usage(),
    }
    base.update(kw)
    return PairState(**base)  # type: ignore[arg-type]


def test_first_allocation_becomes_default() -> None:
    assert becomes_default(None)
    assert not becomes_default(7)


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        (Usage(campaigns=1), "campaigns_allocated"),
        (Usage(conversion_goals=2), "conversion_goals"),
        (Usage(remarketing_tags=1), "remarketing_tags"),
    ],
)
def test_deallocation_refused_while_used(usage: Usage, reason: str) -> None:
    with pytest.raises(Refusal) as info:
        check_deallocate(_pair(usage=usage))
    assert info.value.reason == reason
    assert info.value.to_body()["reason"] == reason
    assert info.value.to_body()["count"] == max(
        usage.campaigns, usage.conversion_goals, usage.remarketing_tags
    )


def test_default_needs_another_default_first_and_lists_candidates() -> None:
    state = _pair(is_default=True, other_candidates=(3, 4))
    with pytest.raises(Refusal) as info:
        check_deallocate(state)
    assert info.value.reason == "default_account"
    assert info.value.to_body()["candidates"] == [3, 4]


def test_default_used_by_another_advertiser_of_the_client_may_go() -> None:
    state = _pair(is_default=True, last_pair_of_client=False, other_candidates=(3,))
    check_deallocate(state)
    assert default_after_deallocate(state, 9) == 9


def test_last_default_clears() -> None:
    state = _pair(is_default=True)
    check_deallocate(state)
    assert default_after_deallocate(state, 9) is None


def test_non_default_keeps_default() -> None:
    state = _pair(other_candidates=(9,))
    check_deallocate(state)
    assert default_after_deallocate(state, 9) == 9


def test_new_default_must_be_allocated() -> None:
    check_new_default(1, frozenset({1, 2}))
    with pytest.raises(Refusal) as info:
        check_new_default(3, frozenset({1, 2}))
    assert info.value.reason == "not_allocated"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("active", "active", False), "advertiser_not_of_client"),
        (("archived", "active", True), "client_archived"),
        (("active", "archived", True), "advertiser_archived"),
    ],
)
def test_allocation_refusals(args: tuple[str, str, bool], reason: str) -> None:
    with pytest.raises(Refusal) as info:
        check_allocatable(*args)
    assert info.value.reason == reason


def test_allocatable() -> None:
    check_allocatable("active", "active", True)


def test_campaign_allocation_rules() -> None:
    check_campaign_allocate(False, True)
    with pytest.raises(Refusal) as info:
        check_campaign_allocate(True, True)
    assert info.value.reason == "campaign_allocated"
    with pytest.raises(Refusal) as info:
        check_campaign_allocate(False, False)
    assert info.value.reason == "ad_account_not_allocated"
    check_campaign_deallocate(False)
    with pytest.raises(Refusal) as info:
        check_campaign_deallocate(True)
    assert info.value.reason == "campaign_initialized"


def _walk(machine: StateMachine[Any], expected: set[tuple[Any, Any]]) -> None:
    """Every (from, to) pair: the expected edges pass, every other pair is refused."""
    assert machine.edges() == expected
    for cur, tgt in itertools.product(machine.status, machine.status):
        if (cur, tgt) in expected:
            assert machine.transition(cur, tgt) == tgt
        else:
            with pytest.raises(InvalidTransition):
                machine.transition(cur, tgt)


def test_client_lifecycle() -> None:
    A, R = ClientStatus.ACTIVE, ClientStatus.ARCHIVED
    _walk(CLIENT_LIFECYCLE, {(A, R), (R, A)})
    with pytest.raises(InvalidTransition) as refused:
        CLIENT_LIFECYCLE.transition(A, A)
    assert refused.value.detail == "cannot go from active to active"


def test_sync_lifecycle() -> None:
    S = SyncStatus
    _walk(
        SYNC_LIFECYCLE,
        {
            (S.QUEUED, S.RUNNING),
            (S.QUEUED, S.FAILED),
            (S.RUNNING, S.RUNNING),  # a resumed step after an interruption
            (S.RUNNING, S.SUCCEEDED),
            (S.RUNNING, S.PARTIAL),
            (S.RUNNING, S.FAILED),
        },
    )
    assert SYNC_LIFECYCLE.final == {S.SUCCEEDED, S.PARTIAL, S.FAILED}
    with pytest.raises(InvalidTransition) as refused:
        SYNC_LIFECYCLE.transition(S.SUCCEEDED, S.RUNNING)
    assert refused.value.detail == "a sync run cannot go from succeeded to running"


def test_grant_and_request_lifecycles() -> None:
    _walk(
        GRANT_LIFECYCLE,
        {(AuthStatus.ACTIVE, AuthStatus.REVOKED), (AuthStatus.REVOKED, AuthStatus.ACTIVE)},
    )
    _walk(REQUEST_LIFECYCLE, {(RequestStatus.EMAILED, RequestStatus.FULFILLED)})
    assert REQUEST_LIFECYCLE.final == {RequestStatus.FULFILLED}


def test_stages() -> None:
    assert next_stage("account", "advertiser") == "ads"  # the longest list first
    assert next_stage("account", "campaigns") == "audiences"
    assert next_stage("campaigns", "campaigns") is None
    assert next_stage("audiences", "audiences") is None


def _req(**kw: str) -> AccountRequestInput:
    base = {
        "name": " Shop A ",
        "industry": "Retail",
        "country": "sg",
        "currency": "usd",
        "timezone": "Asia/Singapore",
    }
    base.update(kw)
    return AccountRequestInput(**base)


def test_request_normalised() -> None:
    got = validate_request(_req())
    assert (got.name, got.country, got.currency) == ("Shop A", "SG", "USD")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", " "),
        ("name", "x" * 101),
        ("industry", ""),
        ("country", "XX"),
        ("country", "SGP"),
        ("currency", "ABC"),
        ("currency", "CO1"),
        ("currency", "DEM"),  # withdrawn: CLDR still lists it
        ("currency", "XAU"),  # gold, no minor units
        ("currency", "COI"),
        ("timezone", "Mars/Base"),
        ("timezone", ""),
    ],
)
def test_request_refusals(field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_request(_req(**{field: value}))
    assert info.value.field == field


def test_payment_url() -> None:
    url = payment_url("https://ads.tiktok.com/i18n/account/payment?aadvid={advertiser_id}", "42")
    assert url.endswith("aadvid=42")


MAPPING = {"E-commerce": 290101, "Food and beverage": 290501, "Other": 290000}


@pytest.mark.parametrize(
    ("industry", "expected"),
    [
        ("E-commerce", 290101),
        ("e-COMMERCE", 290101),  # any case
        ("  food   AND beverage ", 290501),  # spacing does not matter
        ("291905", 291905),  # a numeric industry passes through
        (" 291905 ", 291905),
        ("Space tourism", 7),  # unknown: the fallback
        ("0", 7),  # not an id
        ("-5", 7),
        ("²", 7),  # a digit to Unicode, not a number to int()
    ],
)
def test_industry_id(industry: str, expected: int) -> None:
    assert industry_id(industry, MAPPING, 7) == expected


def test_default_industry_ids_are_distinct_and_found_by_name() -> None:
    from promodesk.accounts.settings import INDUSTRY_IDS

    assert all(industry_id(name, INDUSTRY_IDS, 1) == INDUSTRY_IDS[name] for name in INDUSTRY_IDS)
    assert len(set(INDUSTRY_IDS.values())) == len(INDUSTRY_IDS)  # no two share an id
