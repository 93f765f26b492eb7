"""Try: enter the try block; failures inside are caught by failure propagation (stellwerk.engine.failure)."""

from __future__ import annotations

from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.step import Events, Step
from stellwerk.model import instructions as i


def next_events(step: Step, instruction: i.Try) -> Events:
    return move_on(step, (*step.order.position, "try+0", 0))
