"""One guard for every lifecycle.

Rules:
- A lifecycle is a table ``{status: frozenset(next statuses)}`` over a ``StrEnum``; every member
  of the enum is a key (checked when the machine is built), and a status with no next status is
  final.
- ``transition(current, target)`` is the only way a status changes: it returns the target or
  raises ``InvalidTransition`` (HTTP 409) with the machine's own words. Side effects of an edge
  run after the guard passed.
- ``sources_for(target)`` is the set a compare-and-set ``UPDATE … WHERE status IN (…)`` uses, so
  the database and the guard agree on the edges.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from promodesk.kit.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)

Refusal = Callable[[S, S], InvalidTransition]


class StateMachine(Generic[S]):
    """``allowed`` is the table; ``refuse(current, target)`` builds the refusal in the
    lifecycle's own words (by default "<noun> is already <current>" from a final status, else
    "<noun> cannot go from <current> to <target>")."""

    def __init__(
        self,
        status: type[S],
        allowed: Mapping[S, frozenset[S]],
        *,
        noun: str = "the object",
        refuse: Refusal[S] | None = None,
    ) -> None:
        missing = set(status) - set(allowed)
        if missing:
            raise ValueError(f"{status.__name__}: no row for {sorted(missing)}")
        self.status = status
        self.allowed: Mapping[S, frozenset[S]] = dict(allowed)
        self.noun = noun
        self.final: frozenset[S] = frozenset(s for s, nxt in allowed.items() if not nxt)
        self._refuse = refuse or self._default_refusal

    def _default_refusal(self, current: S, target: S) -> InvalidTransition:
        if current in self.final:
            return InvalidTransition(f"{self.noun} is already {current.value}")
        return InvalidTransition(
            f"{self.noun} cannot go from {current.value} to {target.value}", field="status"
        )

    def transition(self, current: S | str, target: S | str) -> S:
        """The guard of every status change: ``target`` or ``InvalidTransition`` (409)."""
        cur, tgt = self.status(current), self.status(target)
        if tgt not in self.allowed[cur]:
            raise self._refuse(cur, tgt)
        return tgt

    def can(self, current: S | str, target: S | str) -> bool:
        return self.status(target) in self.allowed[self.status(current)]

    def sources_for(self, target: S | str) -> frozenset[S]:
        """The statuses from which ``target`` may be reached (for compare-and-set updates)."""
        tgt = self.status(target)
        return frozenset(s for s, nxt in self.allowed.items() if tgt in nxt)

    def edges(self) -> frozenset[tuple[S, S]]:
        """Every allowed ``(from, to)`` pair (for documentation; tests pin their own set)."""
        return frozenset((s, t) for s, nxt in self.allowed.items() for t in nxt)
