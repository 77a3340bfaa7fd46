"""Roles and what they may do.

- owner > admin > operator > viewer. A viewer changes nothing. An operator runs promotions.
  An admin also manages keys, members and settings. An owner also manages owners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from promodesk.kit.errors import Forbidden, ValidationFailed


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2, Role.OWNER: 3}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


def parse_role(value: str) -> Role:
    try:
        return Role(value.lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"unknown role {value!r}; use one of {allowed}", field="role"
        ) from None


def at_least(role: str, needed: Role) -> bool:
    return RANK[Role(role)] >= RANK[needed]


def require(role: str, needed: Role) -> None:
    if not at_least(role, needed):
        raise Forbidden(f"this needs the {needed.value} role or higher; you are {role}")


def may_act_on(role: str, target: str) -> bool:
    """Nobody acts on (revokes, changes, deletes) a key or member of a higher role than their
    own: an admin cannot revoke an owner's key, as it cannot create one."""
    return RANK[Role(role)] >= RANK[Role(target)]


def require_may_act_on(role: str, target: str, what: str) -> None:
    if not may_act_on(role, target):
        raise Forbidden(
            f"the {what} has the {target} role, above your {role} role: "
            "nobody acts on a higher role than their own"
        )


def check_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug):  # fullmatch: "$" alone would accept a trailing newline
        raise ValidationFailed(
            "a slug is 2-63 lowercase letters, digits or dashes, starting with a letter or digit",
            field="slug",
        )
    return slug


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (console) or an API key, always inside one workspace."""

    workspace_id: int
    workspace_slug: str
    role: str
    actor: str  # "user:3" / "key:7" / "cli" / "system"
    label: str

    def require(self, needed: Role) -> None:
        require(self.role, needed)

    def require_may_act_on(self, target_role: str, what: str) -> None:
        require_may_act_on(self.role, target_role, what)

    @property
    def can_write(self) -> bool:
        return at_least(self.role, Role.OPERATOR)
