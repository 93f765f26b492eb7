"""Options: a structural block; stopOnFailure is applied by failure propagation."""

from __future__ import annotations

from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.step import Events, Step
from stellwerk.model import instructions as i


def next_events(step: Step, instruction: i.Options) -> Events:
    return move_on(step, (*step.order.position, "options", 0))
