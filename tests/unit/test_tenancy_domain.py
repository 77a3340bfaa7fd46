"""Roles, slugs and principals (pure rules)."""

from __future__ import annotations

import itertools

import pytest

from promodesk.kit.errors import Forbidden, ValidationFailed
from promodesk.tenancy.domain import (
    RANK,
    Principal,
    Role,
    at_least,
    check_slug,
    may_act_on,
    parse_role,
)

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


def test_nobody_acts_on_a_higher_role() -> None:
    allowed = {
        (have.value, target.value)
        for have, target in itertools.product(ORDER, ORDER)
        if may_act_on(have.value, target.value)
    }
    assert allowed == {
        ("viewer", "viewer"),
        ("operator", "viewer"),
        ("operator", "operator"),
        ("admin", "viewer"),
        ("admin", "operator"),
        ("admin", "admin"),
        ("owner", "viewer"),
        ("owner", "operator"),
        ("owner", "admin"),
        ("owner", "owner"),
    }
    with pytest.raises(Forbidden, match="owner role, above your admin role"):
        Principal(1, "ws", "admin", "key:1", "k").require_may_act_on("owner", "key")


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
