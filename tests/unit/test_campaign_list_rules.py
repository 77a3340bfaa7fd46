"""The campaign list's pure rules: one status word per campaign, filter and sort words."""

from __future__ import annotations

import pytest

from promodesk.campaigns.domain.campaigns import (
    ListSort,
    ListStatus,
    SortKey,
    list_sort,
    list_status,
    search_text,
    status_of,
)
from promodesk.kit.errors import ValidationFailed


@pytest.mark.parametrize(
    ("operation", "secondary", "deleted", "vanished", "word"),
    [
        ("ENABLE", "CAMPAIGN_STATUS_ENABLE", False, False, ListStatus.ACTIVE),
        ("ENABLE", "", False, False, ListStatus.ACTIVE),
        ("", "", False, False, ListStatus.ACTIVE),
        ("DISABLE", "CAMPAIGN_STATUS_DISABLE", False, False, ListStatus.PAUSED),
        ("DISABLE", "CAMPAIGN_STATUS_BUDGET_EXCEED", False, False, ListStatus.PAUSED),
        ("ENABLE", "CAMPAIGN_STATUS_BUDGET_EXCEED", False, False, ListStatus.NOT_DELIVERING),
        ("ENABLE", "ADVERTISER_ACCOUNT_PUNISH", False, False, ListStatus.NOT_DELIVERING),
        ("ENABLE", "CAMPAIGN_STATUS_DELETE", False, False, ListStatus.DELETED),
        ("DELETE", "", False, False, ListStatus.DELETED),
        ("DISABLE", "CAMPAIGN_STATUS_DISABLE", True, False, ListStatus.DELETED),
        ("ENABLE", "CAMPAIGN_STATUS_ENABLE", False, True, ListStatus.DELETED),
    ],
)
def test_status_of(
    operation: str, secondary: str, deleted: bool, vanished: bool, word: ListStatus
) -> None:
    assert status_of(operation, secondary, deleted, vanished) is word


def test_filter_and_sort_words() -> None:
    assert list_status("") is None
    assert list_status(" Not delivering ") is ListStatus.NOT_DELIVERING
    assert list_status("PAUSED") is ListStatus.PAUSED
    assert list_sort(None) == ListSort(SortKey.ID, False)
    assert list_sort("-Last_Change") == ListSort(SortKey.LAST_CHANGE, True)
    assert list_sort("-budget").token == "-budget"
    assert search_text("  ") is None
    assert search_text(" Spring ") == "Spring"
    for bad, field in (
        (lambda: list_status("enable"), "status"),
        (lambda: list_status("all"), "status"),
        (lambda: list_sort("spend"), "sort"),
        (lambda: list_sort("--name"), "sort"),
        (lambda: list_sort("-"), "sort"),
        (lambda: search_text("x" * 201), "search"),
        (lambda: search_text("a\tb"), "search"),
    ):
        with pytest.raises(ValidationFailed) as info:
            bad()
        assert info.value.field == field
