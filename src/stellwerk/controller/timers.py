"""When the Controller must look at its orders again because time passed: the wake-ups of the orders it owns
(attached orders wait at their Agent, which keeps their timers) in a queue kept up to date by the core, and
the notices' endOfLife. No scan of all orders: a Controller may hold a million scheduled ones."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup_queue import WakeupQueue
from stellwerk.model.order import Order


def controller_owned(order: Order) -> bool:
    return order.attached_state is None


class ControllerTimers:
    """The wake-up queue and the timer loop's waiting: `update` after commits wakes `wait` when an earlier
    wake-up appears."""

    def __init__(self) -> None:
        self._queue = WakeupQueue(controller_owned)
        self._changed = asyncio.Event()
        self._deadline: int | None = None

    def update(self, state: EngineState, order_ids: Iterable[str], now: int) -> None:
        self._queue.update(state, order_ids, now)
        earliest = self._queue.next_time()
        if earliest is not None and (self._deadline is None or earliest < self._deadline):
            self._changed.set()

    def next_time(self, state: EngineState) -> int | None:
        """The earliest wake-up of an order or endOfLife of a notice."""
        times = [n.end_of_life for n in state.notices.values() if n.end_of_life is not None]
        if (earliest := self._queue.next_time()) is not None:
            times.append(earliest)
        return min(times, default=None)

    async def wait(self, state: EngineState, clock: Callable[[], int]) -> None:
        """Returns when the earliest wake-up has come, or an earlier one appeared."""
        now = clock()
        self._deadline = self.next_time(state)
        if self._deadline is not None and self._deadline <= now:
            return
        timeout = None if self._deadline is None else (self._deadline - now) / 1000
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    def pop_due(self, now: int) -> list[str]:
        return self._queue.pop_due(now)

    def notice_due(self, state: EngineState, now: int) -> bool:
        return any(n.end_of_life is not None and n.end_of_life <= now for n in state.notices.values())

    def spent(self, state: EngineState, order_ids: list[str], now: int) -> None:
        self._queue.spent(state, order_ids, now)
