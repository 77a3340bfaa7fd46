"""Runtime changes to a local API sandbox's settings (``POST /sandbox-admin/settings``; shared by
the TikTok Marketing API sandbox and the TikTok Shop Partner API sandbox): only the sandbox's
runtime knobs may change, each JSON value must be of its knob's type (a bool is not a number),
and the result is validated as a whole; a refused change leaves every setting as it was."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Protocol


class Settings(Protocol):
    """A sandbox's settings: a dataclass that validates itself."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def validate(self) -> None: ...


def apply(settings: Settings, changes: dict[str, Any], knobs: tuple[str, ...]) -> None:
    """Apply runtime changes (only ``knobs``), validating the result as a whole."""
    unknown = sorted(set(changes) - set(knobs))
    if unknown:
        raise ValueError(f"unknown or fixed settings: {', '.join(unknown)}")
    types = {f.name: f.type for f in fields(settings)}
    previous = {name: getattr(settings, name) for name in changes}
    try:
        for name, value in changes.items():
            setattr(settings, name, _coerce(value, str(types[name])))
        settings.validate()
    except (TypeError, ValueError):
        for name, value in previous.items():
            setattr(settings, name, value)
        raise


def _coerce(value: Any, kind: str) -> Any:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise TypeError("expected true or false")
    if kind == "str":
        if isinstance(value, str):
            return value
        raise TypeError("expected a string")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("expected an integer")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("expected a number")
    return float(value)
