"""Empty: a no-op; a Fresh or Ready order moves on (without OrderStarted, as in JS7)."""

from __future__ import annotations

from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.step import Events, Step
from stellwerk.model import instructions as i
from stellwerk.model import order as o


def next_events(step: Step, instruction: i.Empty) -> Events:
    if not isinstance(step.order.state, o.Fresh | o.Ready):
        return []
    return move_on(step)
