"""When the Controller must look at its orders again because time passed. Pure."""

from __future__ import annotations

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup


def next_controller_wakeup(state: EngineState, now: int) -> int | None:
    """The earliest wake-up of an order the Controller owns (attached orders wait at their Agent, which
    keeps their timers), or of a notice's endOfLife; None if nothing waits for time."""
    times = [
        wakeup
        for order in state.orders.values()
        if order.attached_state is None and (wakeup := next_wakeup(state, order.id, now)) is not None
    ]
    times += [notice.end_of_life for notice in state.notices.values() if notice.end_of_life is not None]
    return min(times, default=None)


def due_orders(state: EngineState, now: int) -> list[str]:
    """The Controller's orders whose wake-up has come."""
    return [
        order.id
        for order in state.orders.values()
        if order.attached_state is None
        and (wakeup := next_wakeup(state, order.id, now)) is not None
        and wakeup <= now
    ]
