"""Stop (at the Controller: OrderStopped, resumable like a failure) and BreakOrder (OrderBroken, for tests)."""

from __future__ import annotations

from stellwerk.engine.instructions.common import at_controller
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i


def stop_events(step: Step, instruction: i.Stop) -> Events:
    """Detach, start a fresh order, then OrderStopped (state Stopped; StoppedWhileFresh is not reached here)."""
    if (first := at_controller(step)) is not None:
        return first
    return [e.OrderStopped()]


def break_order_events(step: Step, instruction: i.BreakOrder) -> Events:
    """OrderBroken wherever the order is (JS7 does not detach or start it first)."""
    return [e.OrderBroken()]
