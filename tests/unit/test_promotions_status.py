"""The one status vocabulary: every channel's own statuses mapped by worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.promotions.domain import index
from promodesk.promotions.domain.status import (
    Status,
    activity_status,
    enrollment_status,
    promote_status,
    statuses,
    tiktok_status,
)

S = Status


@pytest.mark.parametrize(
    ("level", "op", "sec", "flags", "want"),
    [
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_ENABLE", {}, S.LIVE),
        ("campaign", "ENABLE", "", {}, S.LIVE),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_BUDGET_EXCEED", {}, S.LIVE),
        ("campaign", "DISABLE", "CAMPAIGN_STATUS_DISABLE", {}, S.PAUSED),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_DELETE", {}, S.STOPPED),
        ("campaign", "DELETE", "", {}, S.STOPPED),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_ENABLE", {"deleted": True}, S.STOPPED),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_ENABLE", {"vanished": True}, S.STOPPED),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_ADVERTISER_AUDIT", {}, S.SCHEDULED),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_ADVERTISER_AUDIT_DENY", {}, S.STOPPED),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_ENABLE", {"stopping": True}, S.STOPPING),
        ("campaign", "DISABLE", "CAMPAIGN_STATUS_DISABLE", {"stopping": True}, S.STOPPING),
        ("campaign", "ENABLE", "CAMPAIGN_STATUS_DELETE", {"stopping": True}, S.STOPPED),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_DELIVERY_OK", {}, S.LIVE),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_CAMPAIGN_DISABLE", {}, S.PAUSED),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_CAMPAIGN_DELETE", {}, S.STOPPED),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_TIME_DONE", {}, S.ENDED),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_NOT_START", {}, S.SCHEDULED),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_AUDIT", {}, S.SCHEDULED),
        ("adgroup", "ENABLE", "ADGROUP_STATUS_AUDIT_DENY", {}, S.STOPPED),
        ("adgroup", "DISABLE", "ADGROUP_STATUS_TIME_DONE", {}, S.PAUSED),
        ("ad", "ENABLE", "AD_STATUS_DELIVERY_OK", {}, S.LIVE),
        ("ad", "ENABLE", "AD_STATUS_ADGROUP_DISABLE", {}, S.PAUSED),
        ("ad", "ENABLE", "AD_STATUS_ADGROUP_DELETE", {}, S.STOPPED),
        ("ad", "ENABLE", "AD_STATUS_DONE", {}, S.ENDED),
        ("ad", "ENABLE", "AD_STATUS_NOT_START", {}, S.SCHEDULED),
    ],
)
def test_tiktok_statuses(
    level: str, op: str, sec: str, flags: dict[str, bool], want: Status
) -> None:
    assert tiktok_status(level, op, sec, **flags) is want


@pytest.mark.parametrize(
    ("native", "want"),
    [
        ("in_review", S.SCHEDULED),
        ("delivering", S.LIVE),
        ("completed", S.ENDED),
        ("stopped", S.STOPPED),
        ("rejected", S.STOPPED),
    ],
)
def test_promote_statuses(native: str, want: Status) -> None:
    assert promote_status(native) is want


T0 = datetime(2026, 9, 20, 4, 0, tzinfo=UTC)
START, END = T0, T0 + timedelta(days=7)
BEFORE, DURING, AFTER = T0 - timedelta(hours=1), T0 + timedelta(days=1), END


@pytest.mark.parametrize(
    ("state", "at", "stopping", "want"),
    [
        ("pending_review", BEFORE, False, S.SCHEDULED),
        ("pending_review", DURING, False, S.SCHEDULED),
        ("approved", BEFORE, False, S.SCHEDULED),
        ("approved", DURING, False, S.LIVE),
        ("live", DURING, False, S.LIVE),
        ("live", AFTER, False, S.ENDED),
        ("approved", AFTER, False, S.ENDED),
        ("stock_zeroed", DURING, False, S.PAUSED),
        ("withdrawn", BEFORE, False, S.STOPPED),
        ("removed", DURING, False, S.STOPPED),
        ("terminated", DURING, False, S.STOPPED),
        ("delisted", DURING, False, S.STOPPED),
        ("replaced", DURING, False, S.STOPPED),
        ("rejected", BEFORE, False, S.STOPPED),
        ("live", DURING, True, S.STOPPING),
    ],
)
def test_enrollment_statuses(state: str, at: datetime, stopping: bool, want: Status) -> None:
    assert enrollment_status(state, START, END, at, stopping=stopping) is want


@pytest.mark.parametrize(
    ("platform", "at", "enrolled", "active", "want"),
    [
        (None, BEFORE, 3, 3, S.SCHEDULED),
        (None, DURING, 3, 3, S.LIVE),
        (None, DURING, 3, 0, S.STOPPED),
        (None, AFTER, 3, 3, S.ENDED),
        ("ONGOING", DURING, 3, 3, S.LIVE),
        ("DEACTIVATED", DURING, 3, 3, S.STOPPED),
        ("NOT_EFFECTIVE", DURING, 3, 3, S.STOPPED),
        ("EXPIRED", DURING, 3, 3, S.ENDED),
        ("NOT_START", DURING, 3, 3, S.SCHEDULED),
    ],
)
def test_activity_statuses(
    platform: str | None, at: datetime, enrolled: int, active: int, want: Status
) -> None:
    assert activity_status(platform, START, END, at, enrolled=enrolled, active=active) is want


def test_status_words_and_unknown_ones() -> None:
    assert statuses("Live, paused") == {S.LIVE, S.PAUSED}
    assert statuses(["ended", "stopped"]) == {S.ENDED, S.STOPPED}
    assert statuses(None) == frozenset()
    with pytest.raises(ValidationFailed) as err:
        statuses("running")
    assert err.value.field == "status"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"channel": "facebook"}, "channel"),
        ({"kind": "video"}, "kind"),
        ({"owner": "brand:3"}, "owner"),
        ({"owner": "shop:x"}, "owner"),
        ({"owner": "shop:0"}, "owner"),
        ({"product": "abc"}, "product"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_unknown_filter_values_are_refused(kw: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        index.filters(**kw)  # type: ignore[arg-type]
    assert err.value.field == field


def test_refs_round_trip_and_refusals() -> None:
    for text in ("campaign:12", "ad:3", "promote_order:9", "shop_activity:4:2"):
        assert str(index.parse_ref(text)) == text
    for bad in ("campaign", "campaign:x", "shop_activity:4", "ad:1:2", "video:1", "ad:0"):
        with pytest.raises(ValidationFailed):
            index.parse_ref(bad)


def test_sorts() -> None:
    assert index.sort(None).token == "-last_change"
    assert index.sort("-Spend").token == "-spend"
    assert index.sort("name").token == "name"
    with pytest.raises(ValidationFailed) as err:
        index.sort("status")
    assert err.value.field == "sort"
