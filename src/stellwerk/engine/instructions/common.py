"""Small rules shared by instruction executors."""

from __future__ import annotations

from stellwerk.engine.moves import settle
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model.order import Fresh
from stellwerk.model.position import Position, next_position


def at_controller(step: Step) -> Events | None:
    """Controller-only instructions: an attached order detaches first; a fresh one starts (when due)."""
    if not step.order.is_detached:
        return [e.OrderDetachable()]
    return start_if_fresh(step)


def start_if_fresh(step: Step) -> Events | None:
    """[OrderStarted] when a fresh order is due, [] while it waits, None when it has started already."""
    order = step.order
    if not isinstance(order.state, Fresh):
        return None
    if order.scheduled_for is not None and order.scheduled_for > step.now:
        return []
    return [e.OrderStarted()]


def move_on(step: Step, position: Position | None = None, reason: e.MoveReasons | None = None) -> Events:
    """OrderMoved to the next instruction (collapsing plain moves)."""
    target = settle(step, next_position(step.order.position) if position is None else position)
    return [e.OrderMoved(to=target, reason=reason)]
