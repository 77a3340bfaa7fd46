"""Roles, slugs and principals (pure rules)."""

from __future__ import annotations

import itertools

import pytest

from promodesk.kit.errors import Forbidden, ValidationFailed
from promodesk.tenancy.domain import RANK, Principal, Role, at_least, check_slug, parse_role

ORDER = [Role.VIEWER, Role.OPERATOR, Role.ADMIN, Role.OWNER]


@pytest.mark.parametrize(("have", "need"), list(itertools.product(ORDER, ORDER)))
def test_every_role_pair(have: Role, need: Role) -> None:
    allowed = ORDER.index(have) >= ORDER.index(need)
    assert at_least(have.value, need) is allowed
    principal = Principal(1, "ws", have.value, "key:1", "k")
    if allowed:
        principal.require(need)
    else:
        with pytest.raises(Forbidden, match=need.value):
            principal.require(need)


def test_only_operators_and_above_write() -> None:
    writers = {r for r in Role if Principal(1, "ws", r.value, "key:1", "k").can_write}
    assert writers == {Role.OPERATOR, Role.ADMIN, Role.OWNER}
    assert set(RANK) == set(Role)


@pytest.mark.parametrize("value", ["owner", "ADMIN", "Operator", "viewer"])
def test_parse_role_accepts_any_case(value: str) -> None:
    assert parse_role(value) == Role(value.lower())


@pytest.mark.parametrize("value", ["", "root", "owners", " admin"])
def test_parse_role_names_the_choices(value: str) -> None:
    with pytest.raises(ValidationFailed, match="owner, admin, operator, viewer") as info:
        parse_role(value)
    assert info.value.field == "role"


@pytest.mark.parametrize("slug", ["ab", "demo", "acme-2", "0x", "a" * 63])
def test_good_slugs(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "a", "-ab", "Ab", "a_b", "a b", "a" * 64, "ab\n", "dé"])
def test_bad_slugs(slug: str) -> None:
    with pytest.raises(ValidationFailed):
        check_slug(slug)
