"""The mirror's rules for an enrollment after a read of the platform: the platform's status
decides the stage, what it no longer lists leaves the activity by its stage's path, a
cancelled or replaced enrollment never comes back by a read, stock to zero is promodesk's
own."""

from __future__ import annotations

import pytest

from promodesk.shop.domain.enrollments import State
from promodesk.shop.domain.platform import chunk, discounted, mirrored_state, next_phase

S = State


@pytest.mark.parametrize(
    ("current", "status", "listed", "expected"),
    [
        (None, "DRAFT", True, S.PENDING_REVIEW),
        (None, "NOT_START", True, S.APPROVED),
        (None, "ONGOING", True, S.LIVE),
        (None, "EXPIRED", True, None),
        (S.APPROVED, "ONGOING", True, S.LIVE),
        (S.LIVE, "ONGOING", True, None),
        (S.STOCK_ZEROED, "ONGOING", True, None),
        (S.TERMINATED, "ONGOING", True, None),
        (S.REMOVED, "NOT_START", True, None),
        (S.PENDING_REVIEW, "DRAFT", False, S.WITHDRAWN),
        (S.APPROVED, "NOT_START", False, S.REMOVED),
        (S.LIVE, "ONGOING", False, S.TERMINATED),
        (S.STOCK_ZEROED, "ONGOING", False, S.TERMINATED),
        (S.STOCK_ZEROED, "NOT_START", False, S.REMOVED),
        (S.LIVE, "DEACTIVATED", True, S.TERMINATED),
        (S.APPROVED, "NOT_EFFECTIVE", True, S.REMOVED),
        (S.LIVE, "EXPIRED", True, None),
        (S.TERMINATED, "ONGOING", False, None),
        # a replaced product still listed while its removal is on its way: it stays replaced
        # (an undo goes through its snapshot, like a cancel's)
        (S.REPLACED, "ONGOING", True, None),
        (S.REPLACED, "NOT_START", True, None),
        (S.REPLACED, "ONGOING", False, None),
    ],
)
def test_mirrored_state(
    current: State | None, status: str, listed: bool, expected: State | None
) -> None:
    assert mirrored_state(current, status, listed) == expected


def test_chunks_of_the_platform_cap_without_repeats() -> None:
    ids = [str(i) for i in range(650)] + ["1", "2"]
    parts = chunk(ids, 300)
    assert [len(p) for p in parts] == [300, 300, 50]
    assert [i for part in parts for i in part] == [str(i) for i in range(650)]


def test_discounted_price_rounds_half_up_once() -> None:
    assert discounted(999, 15) == 849  # 849.15
    assert discounted(5, 50) == 3  # 2.5 -> 3
    assert discounted(100, 0) == 100
    assert discounted(100, 100) == 0


def test_sync_phases_in_order() -> None:
    assert next_phase("products") == "activities"
    assert next_phase("activities") == "coupons"
    assert next_phase("coupons") is None
