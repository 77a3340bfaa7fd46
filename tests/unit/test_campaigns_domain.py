"""Rules for changing a campaign: operations, budgets, the statuses TikTok shows afterwards,
and the error each TikTok failure becomes."""

from __future__ import annotations

from typing import Any

import pytest

from promodesk.accounts.domain import Refusal
from promodesk.accounts.errors import TikTokUnavailable
from promodesk.accounts.service import grants
from promodesk.campaigns.domain.campaigns import (
    Operation,
    budget,
    check_budget_mode,
    check_changeable,
    child_status_after,
    operation,
    status_after,
)
from promodesk.campaigns.errors import TikTokRefused
from promodesk.campaigns.service import change_steps
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit.errors import ValidationFailed


def test_operations_are_tiktoks_three() -> None:
    assert operation(" disable ") is Operation.DISABLE
    for bad in ("PAUSE", "", "ENABLED", "delete me"):
        with pytest.raises(ValidationFailed) as refused:
            operation(bad)
        assert refused.value.field == "status"


def test_statuses_after_each_operation() -> None:
    on = status_after(Operation.ENABLE, "DISABLE")
    assert (on.operation_status, on.secondary_status, on.deleted) == (
        "ENABLE",
        "CAMPAIGN_STATUS_ENABLE",
        False,
    )
    off = status_after(Operation.DISABLE, "ENABLE")
    assert (off.operation_status, off.secondary_status) == ("DISABLE", "CAMPAIGN_STATUS_DISABLE")
    gone = status_after(Operation.DELETE, "ENABLE")  # the switch stays as it was
    assert (gone.operation_status, gone.secondary_status, gone.deleted) == (
        "ENABLE",
        "CAMPAIGN_STATUS_DELETE",
        True,
    )


def test_children_follow_the_documented_cascade() -> None:
    gone = child_status_after(Operation.DELETE, "ADGROUP", "ADGROUP_STATUS_DELIVERY_OK", False)
    assert gone is not None
    assert (gone.secondary_status, gone.deleted) == ("ADGROUP_STATUS_CAMPAIGN_DELETE", True)
    off = child_status_after(Operation.DISABLE, "AD", "AD_STATUS_DELIVERY_OK", False)
    assert off is not None
    assert (off.secondary_status, off.deleted) == ("AD_STATUS_CAMPAIGN_DISABLE", False)
    # a child deleted by itself stays so; enabling leaves the children to TikTok's read-back
    assert child_status_after(Operation.DISABLE, "AD", "AD_STATUS_DELETE", True) is None
    assert child_status_after(Operation.DELETE, "AD", "AD_STATUS_DELETE", True) is None
    assert (
        child_status_after(Operation.ENABLE, "ADGROUP", "ADGROUP_STATUS_CAMPAIGN_DISABLE", False)
        is None
    )


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("120.50", "USD", 12050), ("120.5", "USD", 12050), ("7", "USD", 700), ("1500", "JPY", 1500)],
)
def test_budgets_are_exact_in_the_currency(amount: str, currency: str, minor: int) -> None:
    assert budget(amount, currency).amount == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.005", "USD"), ("12.5", "JPY"), ("0", "USD"), ("-1", "USD"), ("x", "USD"), ("", "USD")],
)
def test_bad_budgets_are_refused_on_the_budget_field(amount: str, currency: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        budget(amount, currency)
    assert refused.value.field == "budget"


def test_deleted_vanished_and_unlimited_campaigns_are_refused() -> None:
    check_changeable(False, False)
    for deleted, vanished, reason in (
        (True, False, "campaign_deleted"),
        (False, True, "campaign_vanished"),
    ):
        with pytest.raises(Refusal) as refused:
            check_changeable(deleted, vanished)
        assert refused.value.reason == reason
    for mode in ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"):
        check_budget_mode(mode)
    for mode, reason in (("BUDGET_MODE_INFINITE", "budget_unlimited"), ("", "budget_mode_unknown")):
        with pytest.raises(Refusal) as refused:
            check_budget_mode(mode)
        assert refused.value.reason == reason


ACCESS = grants.TikTokAccess(1, 5, "7000", "USD", 3, token_enc="secret-token")
TARGET: Any = change_steps.Target(1, 2, "1800", "7000", "USD", ACCESS)


@pytest.mark.parametrize(
    ("error", "kind", "reason"),
    [
        (tt.BadParameter("budget: too low", code=40002), TikTokRefused, "tiktok_bad_parameter"),
        (tt.PermissionDenied("no", code=40001), TikTokRefused, "tiktok_permission"),
        (tt.ObjectNotFound("gone", code=40007), TikTokRefused, "tiktok_not_found"),
        (tt.AuthCodeInvalid("bad", code=40110), TikTokRefused, "tiktok_auth"),
        (tt.UnexpectedResponse("html"), TikTokRefused, "tiktok_error"),
        (tt.Throttled("slow down", code=40100), TikTokUnavailable, "tiktok_unavailable"),
        (tt.ServerError("boom", code=50000), TikTokUnavailable, "tiktok_unavailable"),
        (tt.Transport("reset", sent=True), TikTokUnavailable, "tiktok_unavailable"),
    ],
)
def test_each_tiktok_failure_becomes_a_clear_409(
    error: tt.TikTokError, kind: type[Exception], reason: str
) -> None:
    mapped = change_steps.failure(None, TARGET, error)  # type: ignore[arg-type]
    assert isinstance(mapped, kind)
    assert mapped.status_code == 409  # type: ignore[attr-defined]
    assert mapped.extra["reason"] == reason  # type: ignore[attr-defined]
    assert error.message in mapped.detail  # type: ignore[attr-defined]
    assert "secret-token" not in repr(TARGET)


def test_a_request_that_may_have_arrived_says_so() -> None:
    maybe = change_steps.failure(None, TARGET, tt.Transport("reset", sent=True))  # type: ignore[arg-type]
    never = change_steps.failure(None, TARGET, tt.Transport("refused", sent=False))  # type: ignore[arg-type]
    assert "may have reached" in str(maybe)
    assert "nothing was changed" in str(never)


def test_budgets_are_plain_decimals() -> None:
    from promodesk.campaigns.domain.campaigns import budget
    from promodesk.kit.errors import ValidationFailed

    assert budget("120.50", "USD").amount == 12050
    for text in ("1e5", "1E5", "+5", "-5", "5.", ".5", "1_000", "0x10", "Infinity", "NaN"):
        with pytest.raises(ValidationFailed):
            budget(text, "USD")


def test_a_budget_above_the_factor_needs_confirmation() -> None:
    from decimal import Decimal

    from promodesk.campaigns.domain.campaigns import budget_needs_confirmation as needs

    three = Decimal(3)
    assert not needs(5000, 15000, three)
    assert needs(5000, 15001, three)
    assert not needs(5000, 100, three)  # lowering a budget spends less: no question
    assert needs(None, 100, three)  # no known budget: always asked
    assert needs(0, 100, three)
    assert not needs(5000, 7500, Decimal("1.5"))
    assert needs(5000, 7501, Decimal("1.5"))
