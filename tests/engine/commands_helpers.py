"""Helpers for command tests: execute a command, apply its events, derive what follows."""

from __future__ import annotations

from stellwerk.engine.apply import apply_events
from stellwerk.engine.commands import execute_command, touched_orders
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from tests.engine.harness import T0


def execute(state: EngineState, command: c.Command, now: int = T0) -> list[e.KeyedEvent]:
    """The command's events (applied) followed by the derived ones."""
    events = execute_command(state, command, now)
    assert not isinstance(events, Problem), events
    assert apply_events(state, events) is None
    return [*events, *derive(state, touched_orders(state, events), now)]


def rejected(state: EngineState, command: c.Command, now: int = T0) -> str:
    result = execute_command(state, command, now)
    assert isinstance(result, Problem), result
    return result.message
