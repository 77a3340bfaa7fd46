"""Recording audit events.

Rules: an event is written in the same unit of work as the change it describes (so both commit
or neither does); events are only ever inserted; secrets are masked before they are stored, by
``record`` and ``record_many`` alike (nothing else writes audit rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from promodesk.audit.repository import AuditRepository
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import AuditEvent

# A field whose name contains one of these is masked, at any depth: the audit log is read by
# every member of a workspace and must never carry a credential.
SECRET_MARKERS = ("password", "secret", "token", "key_hash", "api_key", "plaintext", "credential")
MASK = "***"


# Field names repeat across events (a bulk change records thousands with the same keys): the
# verdict per name is cached instead of scanning the markers for every field of every event.
@lru_cache(maxsize=4096)
def is_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered == "key" or any(marker in lowered for marker in SECRET_MARKERS)


_SCALARS = (str, int, float, bool, type(None))


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                MASK
                if is_secret(str(k))
                else (v if type(v) in _SCALARS else _mask(v))  # scalars need no walk
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def _clean(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    cleaned: dict[str, Any] = _mask(data)
    return cleaned


def record(
    uow: UnitOfWork,
    *,
    workspace_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    event = AuditEvent(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_clean(before),
        after=_clean(after),
        note=note,
        created_at=clock.now(),
    )
    return AuditRepository(uow).add(event)


AUDIT_FIELDS = frozenset(
    {"workspace_id", "actor", "action", "object_type", "object_id", "before", "after", "note"}
)
_MANY_FIELDS = AUDIT_FIELDS | {"created_at"}


def record_many(uow: UnitOfWork, events: Iterable[Mapping[str, Any]]) -> int:
    """Insert many events in one statement (a bulk change's one event per row); returns how
    many. Each event has ``record``'s keyword arguments (``created_at`` optional: now) and is
    masked exactly like ``record``'s; an unknown key is a programming error (``TypeError``).
    The rows read back exactly like ``record``'s."""
    repo = AuditRepository(uow)
    encode, stamp = repo.encoders()
    payload = _Payloads(encode)
    stamps: dict[Any, Any] = {}
    at = clock.now()
    rows: list[tuple[Any, ...]] = []
    for event in events:
        if not event.keys() <= _MANY_FIELDS:
            unknown = set(event) - _MANY_FIELDS
            raise TypeError(f"record_many: unknown audit fields {sorted(unknown)}")
        when = event.get("created_at") or at
        if when not in stamps:
            stamps[when] = stamp(when)
        rows.append(
            (
                event["workspace_id"],
                event["actor"],
                event["action"],
                event["object_type"],
                str(event["object_id"]),
                payload(event.get("before")),
                payload(event.get("after")),
                event.get("note", ""),
                stamps[when],
            )
        )
    repo.add_many(rows)
    return len(rows)


class _Payloads:
    """Masked and encoded ``before``/``after`` values, each distinct flat one once: a bulk
    change repeats a few (``{"state": "live"}`` for thousands of rows)."""

    def __init__(self, encode: Callable[[Any], Any]) -> None:
        self._encode = encode
        self._seen: dict[tuple[tuple[Any, ...], ...], Any] = {}

    def __call__(self, data: dict[Any, Any] | None) -> Any:
        if data is None:
            return self._encode(None)
        # The types are part of the key (1, 1.0 and True are equal but encode differently);
        # a float is not cached (0.0 and -0.0 are equal too).
        kinds = tuple(map(type, data.values()))
        if float in kinds:
            return self._encode(_clean(data))
        key = (tuple(map(type, data)), kinds, tuple(data.items()))
        try:
            found = self._seen.get(key, _MISSING)
        except TypeError:  # a nested value (unhashable): encoded on its own
            return self._encode(_clean(data))
        if found is _MISSING:
            found = self._seen[key] = self._encode(_clean(data))
        return found


_MISSING = object()


def list_events(uow: UnitOfWork, workspace_id: int | None, **filters: Any) -> list[AuditEvent]:
    return AuditRepository(uow).search(workspace_id, **filters)


def get_event(uow: UnitOfWork, workspace_id: int, event_id: int) -> AuditEvent:
    event = AuditRepository(uow).get(workspace_id, event_id)
    if event is None:
        raise NotFound(f"audit event {event_id} not found")
    return event
