"""Cancellation rules as worked examples: the lifecycles' edges written out, the freed-budget
rule, reasons, chunking, shares and the read-back verdict."""

from __future__ import annotations

import functools
import operator
from decimal import Decimal

import pytest

from promodesk.campaigns.domain.cancellations import (
    CANCELLATION,
    ITEM,
    VERIFICATION,
    Action,
    CancelStatus,
    ItemStatus,
    Level,
    ReasonCode,
    Seen,
    VerifyStatus,
    action,
    already_as_asked,
    cancellation_status,
    chunks,
    freed_minor,
    level,
    reason,
    row_ids,
    share_percent,
    tolerance_minor,
    verify,
)
from promodesk.kit.errors import InvalidTransition, ValidationFailed


def test_cancellation_edges() -> None:
    assert {(a.value, b.value) for a, b in CANCELLATION.edges()} == {
        ("running", "done"),
        ("running", "partial"),
        ("running", "failed"),
        ("partial", "running"),
        ("failed", "running"),
    }
    assert CANCELLATION.final == {CancelStatus.DONE}
    with pytest.raises(InvalidTransition):
        CANCELLATION.transition("done", "running")


def test_item_edges() -> None:
    assert {(a.value, b.value) for a, b in ITEM.edges()} == {
        ("pending", "done"),
        ("pending", "failed"),
        ("pending", "skipped"),
        ("failed", "pending"),
    }
    with pytest.raises(InvalidTransition):
        ITEM.transition(ItemStatus.DONE, ItemStatus.PENDING)


def test_verification_edges() -> None:
    assert {(a.value, b.value) for a, b in VERIFICATION.edges()} == {
        ("pending", "verified"),
        ("pending", "failed"),
        ("pending", "skipped"),
        ("pending", "unverifiable"),
        ("verified", "failed"),
        ("verified", "unverifiable"),
        ("unverifiable", "pending"),
    }
    assert VERIFICATION.final == {VerifyStatus.FAILED, VerifyStatus.SKIPPED}


def test_actions_are_tiktok_operations() -> None:
    assert action(" Pause ").operation_status == "DISABLE"
    assert action("delete").operation_status == "DELETE"
    assert Action.PAUSE.reversible
    assert not Action.DELETE.reversible
    with pytest.raises(ValidationFailed) as refused:
        action("stop")
    assert refused.value.field == "action"
    assert level("AdGroup") is Level.ADGROUP
    with pytest.raises(ValidationFailed):
        level("account")


def test_reason_is_required_and_other_needs_a_note() -> None:
    assert reason("budget", "") == (ReasonCode.BUDGET, "")
    assert reason(" OUT_OF_STOCK ", "  sold out  ") == (ReasonCode.OUT_OF_STOCK, "sold out")
    for code, note, field in (
        ("", "x", "reason_code"),
        (None, None, "reason_code"),
        ("bored", "", "reason_code"),
        ("other", "   ", "note"),
        ("budget", "x" * 2001, "note"),
        ("budget", "a\x00b", "note"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            reason(code, note)
        assert refused.value.field == field
    assert reason("other", "client asked")[0] is ReasonCode.OTHER


def test_freed_lifetime_budget_frees_what_is_left() -> None:
    # 8,000.00 lifetime, 4,975.00 spent to date: 3,025.00 freed (spent today does not matter)
    assert freed_minor("campaign", "BUDGET_MODE_TOTAL", 800_000, 497_500, 10_000) == 302_500
    # overspent: never negative
    assert freed_minor("campaign", "BUDGET_MODE_TOTAL", 800_000, 810_000, 0) == 0


def test_freed_daily_budget_frees_what_is_left_of_today() -> None:
    # 500.00 a day, 120.00 spent today: 380.00 freed, whatever was spent before today
    assert freed_minor("campaign", "BUDGET_MODE_DAY", 50_000, 9_999_999, 12_000) == 38_000
    assert freed_minor("adgroup", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET", 50_000, 0, 0) == 50_000
    assert freed_minor("adgroup", "BUDGET_MODE_DAY", 50_000, 0, 51_000) == 0


def test_freed_nothing_without_a_limit_or_for_ads() -> None:
    assert freed_minor("campaign", "BUDGET_MODE_INFINITE", 0, 100, 10) == 0
    assert freed_minor("campaign", "", 50_000, 0, 0) == 0
    assert freed_minor("ad", "BUDGET_MODE_DAY", 50_000, 0, 0) == 0


def test_row_ids_from_forms_and_queries() -> None:
    assert row_ids(["3", "1,2", 3, " 4 "]) == [3, 1, 2, 4]
    for bad in (["a"], ["0"], ["-1"], [], [""]):
        with pytest.raises(ValidationFailed) as refused:
            row_ids(bad)
        assert refused.value.field == "ids"


def test_chunks_of_twenty() -> None:
    ids = [str(i) for i in range(45)]
    parts = list(chunks(ids))
    assert [len(p) for p in parts] == [20, 20, 5]
    assert functools.reduce(operator.iadd, parts, []) == ids
    assert list(chunks([])) == []
    with pytest.raises(ValueError):
        list(chunks(ids, 21))


def test_share_and_tolerance() -> None:
    assert share_percent(2_500, 10_000) == Decimal("25.0")
    assert share_percent(1, 3) == Decimal("33.3")
    assert share_percent(5, 0) is None
    assert tolerance_minor(Decimal("1"), "USD") == 100
    assert tolerance_minor(Decimal("1"), "JPY") == 1


def test_cancellation_status_from_items() -> None:
    assert cancellation_status(["done", "skipped"]) is CancelStatus.DONE
    assert cancellation_status(["done", "failed"]) is CancelStatus.PARTIAL
    assert cancellation_status(["failed", "failed"]) is CancelStatus.FAILED
    assert cancellation_status(["done", "pending"]) is CancelStatus.RUNNING


def test_already_as_asked() -> None:
    assert already_as_asked(Action.PAUSE, "DISABLE", False)
    assert not already_as_asked(Action.DELETE, "DISABLE", False)
    assert already_as_asked(Action.DELETE, "ENABLE", True)


def test_verify_status_children_and_spend() -> None:
    ok = verify(Action.PAUSE, Seen(True, "DISABLE", "CAMPAIGN_STATUS_DISABLE"), 0, 100, "USD")
    assert ok.ok
    assert ok.problems == []
    deleted = Seen(True, "ENABLE", "CAMPAIGN_STATUS_DELETE")
    assert verify(Action.DELETE, deleted, 0, 100, "USD").ok
    assert verify(Action.DELETE, Seen(False), 0, 100, "USD").ok
    assert not verify(Action.PAUSE, Seen(False), 0, 100, "USD").ok
    noop = verify(Action.DELETE, Seen(True, "ENABLE", "CAMPAIGN_STATUS_ENABLE"), 0, 100, "USD")
    assert not noop.ok
    assert "not deleted" in noop.problems[0]
    kids = Seen(True, "DISABLE", "CAMPAIGN_STATUS_DISABLE", ("ADGROUP 1",))
    assert "still delivering" in verify(Action.PAUSE, kids, 0, 100, "USD").problems[0]
    spent = verify(Action.PAUSE, Seen(True, "DISABLE", ""), 101, 100, "USD")
    assert spent.problems == ["it spent 1.01 USD after the stop (tolerance 1.00 USD)"]
    assert verify(Action.PAUSE, Seen(True, "DISABLE", ""), 100, 100, "USD").ok
