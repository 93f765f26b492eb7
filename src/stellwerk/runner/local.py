"""`stellwerk run`: the engine, a clock and in-process agents that really run the jobs, in one event loop.

Events are derived by the pure engine; this shell starts a process for every OrderProcessingStarted,
reports its output and OrderProcessed back as events, and moves the clock (or lets `--skip-time` jump it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive, touched_by
from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from stellwerk.runner.clock import RunClock
from stellwerk.runner.executors import ExecutionSettings
from stellwerk.runner.jobs import JobLauncher

Emit = Callable[[e.KeyedEvent], None]


class LocalRun:
    """One run: orders are added, then driven until all are done, stuck or out of time."""

    def __init__(
        self,
        state: EngineState,
        emit: Emit,
        work_dir: Path,
        *,
        skip_time: bool = False,
        clock: RunClock | None = None,
        settings: ExecutionSettings | None = None,
    ) -> None:
        self.state = state
        self.clock = clock or RunClock()
        self._emit = emit
        self._skip_time = skip_time
        self._inbox: asyncio.Queue[e.KeyedEvent] = asyncio.Queue()
        self._jobs = JobLauncher(
            work_dir, settings or ExecutionSettings(), self._inbox.put_nowait, self.clock.now
        )

    def apply(self, keyed_events: list[e.KeyedEvent]) -> Problem | None:
        """Apply events that came from outside the engine (commands) and derive what follows."""
        touched: list[str] = []
        for keyed in keyed_events:
            before = self.state.orders.get(keyed.key)
            problem = apply_event(self.state, keyed)
            if problem is not None:
                return problem
            self._emit(keyed)
            touched += [keyed.key, *touched_by(self.state, before, keyed)]
        self._derive(touched)
        return None

    async def drive(self, until_done: Callable[[], bool]) -> None:
        """Run until `until_done()` holds, or nothing can progress any more (the caller reads the state)."""
        self._derive(list(self.state.orders))
        while not until_done():
            if self._jobs.running or not self._inbox.empty():
                await self._next_result()
                continue
            wakeup = self._next_wakeup()
            if wakeup is None:
                return
            if self._skip_time:
                self.clock.skip_to(wakeup)
            else:
                await asyncio.sleep(self.clock.seconds_until(wakeup))
            self._derive(list(self.state.orders))

    async def stop(self) -> None:
        await self._jobs.stop()

    async def _next_result(self) -> None:
        wakeup = self._next_wakeup()
        timeout = None if wakeup is None else self.clock.seconds_until(wakeup)
        try:
            keyed = await asyncio.wait_for(self._inbox.get(), timeout)
        except TimeoutError:
            self._derive(list(self.state.orders))
            return
        batch = [keyed]
        while not self._inbox.empty():
            batch.append(self._inbox.get_nowait())
        touched: list[str] = []
        for item in batch:
            before = self.state.orders.get(item.key)
            if apply_event(self.state, item) is None:
                self._emit(item)
                touched += [item.key, *touched_by(self.state, before, item)]
                if isinstance(item.event, e.OrderProcessed):
                    self._jobs.finished(item.key)
        self._derive(touched)

    def _next_wakeup(self) -> int | None:
        """The next time an order may move. Notices expire on the way, but are no reason to wait."""
        now = self.clock.now()
        times = (next_wakeup(self.state, order_id, now) for order_id in self.state.orders)
        return min((t for t in times if t is not None), default=None)

    def _derive(self, order_ids: list[str]) -> None:
        for keyed in derive(self.state, order_ids, self.clock.now()):
            self._emit(keyed)
            if isinstance(keyed.event, e.OrderProcessingStarted):
                self._jobs.start(self.state, keyed.key)
        self._jobs.kill_marked(self.state)
