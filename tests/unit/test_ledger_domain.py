"""Pure ledger rules: entry shape, balance per currency, floors, batch planning, release split."""

from __future__ import annotations

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import MAX_MINOR
from promodesk.ledger.domain import (
    AccountState,
    FloorCrossed,
    Line,
    NewEntry,
    UnbalancedEntry,
    check_balanced,
    check_header,
    crosses_floor,
    net_deltas,
    plan_batch,
    release_split,
    transfer,
)


def test_net_deltas_sorted_by_account_id_and_netted() -> None:
    lines = [Line(9, -5), Line(3, 2), Line(9, 1), Line(3, 2)]
    assert net_deltas(lines) == [(3, 4), (9, -4)]


def test_accounts_that_cancel_out_still_take_part() -> None:
    assert net_deltas([Line(1, 5), Line(1, -5)]) == [(1, 0)]


@pytest.mark.parametrize(
    "lines",
    [
        [Line(1, 5)],
        [],
        [Line(1, 0), Line(2, 0)],
        [Line(1, 5), Line(2, 1.5)],  # type: ignore[arg-type]
        [Line(1, True), Line(2, -1)],
        [Line(1, MAX_MINOR + 1), Line(2, -MAX_MINOR - 1)],
        [Line("1", 5), Line(2, -5)],  # type: ignore[arg-type]
        [Line(0, 5), Line(2, -5)],
        [Line(2**63, 5), Line(2, -5)],
    ],
)
def test_malformed_lines_are_refused(lines: list[Line]) -> None:
    with pytest.raises(UnbalancedEntry):
        net_deltas(lines)


def test_balance_is_checked_per_currency() -> None:
    currency = {1: "COIN", 2: "COIN", 3: "USD", 4: "USD"}
    check_balanced([Line(1, -5), Line(2, 5), Line(3, -99), Line(4, 99)], currency)
    with pytest.raises(UnbalancedEntry, match="COIN off by 5, USD off by -5"):
        # Sums to zero overall, not per currency.
        check_balanced([Line(1, 5), Line(3, -5)], currency)


def test_header_limits() -> None:
    check_header("hold", "order-1", "memo")
    for kind, ref, memo in [("", "r", ""), ("k" * 65, "r", ""), ("k", "", ""), ("k", "r" * 201, ""),
                            ("k", "r", "m" * 501)]:  # fmt: skip
        with pytest.raises(ValidationFailed):
            check_header(kind, ref, memo)


def test_floors() -> None:
    assert crosses_floor(10, -11, 0)
    assert not crosses_floor(10, -10, 0)
    assert not crosses_floor(0, -(10**12), None)
    assert crosses_floor(-5, -1, -5)


def test_transfer() -> None:
    assert transfer(1, 2, 7) == [Line(1, -7), Line(2, 7)]
    for bad in (0, -1, True):
        with pytest.raises(ValidationFailed):
            transfer(1, 2, bad)


def test_release_split_in_order_with_caps() -> None:
    assert release_split(100, [(1, 30), (2, None)]) == {1: 30, 2: 70}
    assert release_split(20, [(1, 30), (2, None)]) == {1: 20}
    assert release_split(0, [(1, None)]) == {}
    assert release_split(50, [(1, 10), (1, None)]) == {1: 50}
    assert release_split(50, [(1, -10), (2, 5)]) == {2: 5}


ACCOUNTS = {
    1: AccountState(1, "COIN", None, 0),  # system source
    2: AccountState(2, "COIN", 0, 100),  # wallet
    3: AccountState(3, "COIN", 0, 0),  # escrow
    4: AccountState(4, "COIN", None, 0),  # revenue
}


def test_plan_batch_applies_entries_in_order_and_aggregates() -> None:
    entries = [
        NewEntry("hold", "o1", transfer(2, 3, 80)),
        NewEntry("capture", "o1", transfer(3, 4, 30)),
        NewEntry("release", "o1", transfer(3, 2, 50)),
        NewEntry("hold", "o2", transfer(2, 3, 70)),
    ]
    assert plan_batch(entries, ACCOUNTS) == [(2, -100), (3, 70), (4, 30)]


def test_plan_batch_checks_each_entry_at_its_turn() -> None:
    # Net over the batch the wallet stays at 100, but the first entry alone would cross 0:
    # a batch means exactly what posting the entries one by one would mean.
    entries = [
        NewEntry("hold", "o1", transfer(2, 3, 150)),
        NewEntry("fund", "f1", transfer(1, 2, 150)),
    ]
    with pytest.raises(FloorCrossed) as crossed:
        plan_batch(entries, ACCOUNTS)
    assert crossed.value.index == 0
    assert crossed.value.account.id == 2
    assert crossed.value.delta == -150
    assert plan_batch(list(reversed(entries)), ACCOUNTS) == [(1, -150), (3, 150)]


def test_plan_batch_names_the_unbalanced_entry() -> None:
    accounts = {**ACCOUNTS, 5: AccountState(5, "USD", None, 0)}
    with pytest.raises(UnbalancedEntry, match=r"entry \(fx, x\)"):
        plan_batch([NewEntry("fx", "x", [Line(1, -5), Line(5, 5)])], accounts)
