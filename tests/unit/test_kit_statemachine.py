from enum import StrEnum

import pytest

from promodesk.kit.errors import InvalidTransition
from promodesk.kit.statemachine import StateMachine


class Light(StrEnum):
    OFF = "off"
    ON = "on"
    BROKEN = "broken"


MACHINE = StateMachine(
    Light,
    {
        Light.OFF: frozenset({Light.ON, Light.BROKEN}),
        Light.ON: frozenset({Light.OFF, Light.BROKEN}),
        Light.BROKEN: frozenset(),
    },
    noun="the light",
)


def test_allowed_edges_return_the_target() -> None:
    assert MACHINE.transition("off", "on") is Light.ON
    assert MACHINE.transition(Light.ON, Light.BROKEN) is Light.BROKEN


def test_refused_edges_say_why() -> None:
    with pytest.raises(InvalidTransition, match="the light is already broken"):
        MACHINE.transition(Light.BROKEN, Light.ON)
    with pytest.raises(InvalidTransition, match="cannot go from off to off"):
        MACHINE.transition(Light.OFF, Light.OFF)


def test_final_sources_and_edges() -> None:
    assert MACHINE.final == {Light.BROKEN}
    assert MACHINE.sources_for(Light.BROKEN) == {Light.OFF, Light.ON}
    assert MACHINE.sources_for("off") == {Light.ON}
    assert MACHINE.edges() == {
        (Light.OFF, Light.ON),
        (Light.OFF, Light.BROKEN),
        (Light.ON, Light.OFF),
        (Light.ON, Light.BROKEN),
    }
    assert MACHINE.can("on", "off")
    assert not MACHINE.can("broken", "off")


def test_a_table_must_name_every_status() -> None:
    with pytest.raises(ValueError, match="no row"):
        StateMachine(Light, {Light.OFF: frozenset()})


def test_a_custom_refusal() -> None:
    machine = StateMachine(
        Light,
        MACHINE.allowed,
        refuse=lambda cur, tgt: InvalidTransition(f"{cur}->{tgt} refused"),
    )
    with pytest.raises(InvalidTransition, match="broken->on refused"):
        machine.transition("broken", "on")
