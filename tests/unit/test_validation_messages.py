"""Validation messages name fields in words and show real limits with thousands separators."""

from __future__ import annotations

from promodesk.kit.validation import describe, label, message


def test_labels() -> None:
    assert label("budget_coins") == "Budget (coins)"
    assert label("ad_account_id") == "Ad account id"
    assert label("duration_hours") == "Duration (hours)"
    assert label("amount_minor") == "Amount (in minor units)"
    assert label("limit") == "Limit"


def test_messages() -> None:
    assert message({"type": "less_than_equal", "ctx": {"le": 10**12}}) == (
        "must be at most 1,000,000,000,000"
    )
    assert message({"type": "less_than_equal", "ctx": {"le": 2**63 - 1}}) == "is too large"
    assert message({"type": "greater_than_equal", "ctx": {"ge": 1}}) == "must be at least 1"
    assert message({"type": "string_too_long", "ctx": {"max_length": 2000}}) == (
        "must be at most 2,000 characters"
    )
    assert message({"type": "missing", "msg": "Field required"}) == "is required"
    assert message({"type": "int_type", "msg": "Input should be a valid integer"}) == (
        "must be a valid integer"
    )


def test_describe_places_nested_fields() -> None:
    error = {"type": "too_long", "ctx": {"max_length": 5}}
    assert (
        describe(error, ["audience", "age_ranges"])
        == "Audience, age ranges must have at most 5 items"
    )
    assert describe({"type": "missing"}, ["items", 2, "budget_coins"]) == (
        "Items, item 3, budget (coins) is required"
    )
    assert describe({"type": "model_type", "msg": "Input should be an object"}, []) == (
        "Must be an object"
    )
