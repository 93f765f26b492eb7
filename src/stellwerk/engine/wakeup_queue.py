"""The orders a service must derive again when their time comes, without scanning every order: a heap of
(wake-up, order id), kept up to date for the orders whose events were committed. Pure (no clock: `now` is a
parameter).

An entry is valid while it is the order's latest wake-up; outdated entries stay in the heap and are skipped.
A wake-up that has come and was derived without effect is dropped (`spent`), so it cannot spin the loop; the
order's next event brings its next wake-up.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model.order import Order

Owned = Callable[[Order], bool]


class WakeupQueue:
    """Wake-ups of the orders `owned` says this node derives."""

    def __init__(self, owned: Owned) -> None:
        self._owned = owned
        self._heap: list[tuple[int, str]] = []
        self._times: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._times)

    def update(self, state: EngineState, order_ids: Iterable[str], now: int) -> None:
        """Takes the current wake-ups of these orders (after their events were applied)."""
        for order_id in order_ids:
            order = state.orders.get(order_id)
            wakeup = None
            if order is not None and self._owned(order):
                wakeup = next_wakeup(state, order_id, now)
            if wakeup is None:
                self._times.pop(order_id, None)
            elif self._times.get(order_id) != wakeup:
                self._times[order_id] = wakeup
                heapq.heappush(self._heap, (wakeup, order_id))

    def next_time(self) -> int | None:
        """The earliest wake-up, or None."""
        heap = self._heap
        while heap and self._times.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: int) -> list[str]:
        """The orders whose wake-up has come, taken off the queue (derive them, then `update` them)."""
        due: list[str] = []
        while (wakeup := self.next_time()) is not None and wakeup <= now:
            _, order_id = heapq.heappop(self._heap)
            del self._times[order_id]
            due.append(order_id)
        return due

    def spent(self, state: EngineState, order_ids: Iterable[str], now: int) -> None:
        """After deriving due orders: takes their wake-ups again, but drops those that have come already
        (they were derived at that time and nothing happened)."""
        for order_id in order_ids:
            self.update(state, [order_id], now)
            if (wakeup := self._times.get(order_id)) is not None and wakeup <= now:
                del self._times[order_id]
