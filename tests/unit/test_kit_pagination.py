from dataclasses import dataclass

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import MAX_ID, after, encode_cursor, fetch, page


@dataclass
class Row:
    id: int


def test_a_full_page_with_more_rows_carries_a_cursor_to_its_last_key() -> None:
    rows = [Row(i) for i in (1, 2, 3)]
    out = page(rows, 2)
    assert out["items"] == rows[:2]
    assert after(out["next_cursor"]) == 2


def test_the_last_page_has_no_cursor_even_when_full() -> None:
    assert fetch(2) == 3
    assert page([Row(1), Row(2)], 2)["next_cursor"] is None
    assert page([], 2) == {"items": [], "next_cursor": None}


def test_descending_listings_use_the_same_rule() -> None:
    out = page([Row(9), Row(7), Row(4)], 2)
    assert after(out["next_cursor"]) == 7


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "0" * 500,
        encode_cursor({"after": -1}),
        encode_cursor({"after": MAX_ID + 1}),
        encode_cursor({"after": True}),
        encode_cursor({"after": "3"}),
    ],
)
def test_a_cursor_this_api_did_not_return_is_a_422(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        after(cursor)
    assert err.value.field == "cursor"


def test_no_cursor_is_the_first_page() -> None:
    assert after(None) is None
    assert after("") is None
