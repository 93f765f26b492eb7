"""`stellwerk run`: the engine, a clock and in-process agents that really run the jobs, in one event loop.

Events are derived by the pure engine; this shell starts a process for every OrderProcessingStarted,
reports its output and OrderProcessed back as events, and moves the clock (or lets `--skip-time` jump it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive, touched_by
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Failed
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import job_of
from stellwerk.runner.clock import RunClock
from stellwerk.runner.executors import ExecutionSettings, execute_job
from stellwerk.runner.jobenv import job_input
from stellwerk.runner.process import ProcessKiller

Emit = Callable[[e.KeyedEvent], None]


@dataclass
class LocalRun:
    """One run: orders are added, then driven until all are done, stuck or out of time."""

    state: EngineState
    emit: Emit
    work_dir: Path
    skip_time: bool = False
    clock: RunClock = field(default_factory=RunClock)
    settings: ExecutionSettings = field(default_factory=ExecutionSettings)
    _inbox: asyncio.Queue[e.KeyedEvent] = field(default_factory=asyncio.Queue)
    _running: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _killers: dict[str, ProcessKiller] = field(default_factory=dict)

    def apply(self, keyed_events: list[e.KeyedEvent]) -> Problem | None:
        """Apply events that came from outside the engine (commands, job results) and derive what follows."""
        touched: list[str] = []
        for keyed in keyed_events:
            before = self.state.orders.get(keyed.key)
            problem = apply_event(self.state, keyed)
            if problem is not None:
                return problem
            self.emit(keyed)
            touched += [keyed.key, *touched_by(self.state, before, keyed)]
        self._derive(touched)
        return None

    async def drive(self, until_done: Callable[[], bool]) -> None:
        """Run until `until_done()` holds, or nothing can progress any more (the caller reads the state)."""
        self._derive(list(self.state.orders))
        while not until_done():
            if self._running or not self._inbox.empty():
                await self._next_result()
                continue
            wakeup = self._next_wakeup()
            if wakeup is None:
                return
            if self.skip_time:
                self.clock.skip_to(wakeup)
            else:
                await asyncio.sleep(self.clock.seconds_until(wakeup))
            self._derive(list(self.state.orders))

    async def stop(self) -> None:
        for killer in self._killers.values():
            killer.kill(immediately=True)
        if self._running:
            await asyncio.wait(self._running.values(), timeout=5)

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
                self.emit(item)
                touched += [item.key, *touched_by(self.state, before, item)]
                if isinstance(item.event, e.OrderProcessed):
                    self._running.pop(item.key, None)
                    self._killers.pop(item.key, None)
        self._derive(touched)

    def _next_wakeup(self) -> int | None:
        """The next time an order may move. Notices expire on the way, but are no reason to wait."""
        now = self.clock.now()
        times = (next_wakeup(self.state, order_id, now) for order_id in self.state.orders)
        return min((t for t in times if t is not None), default=None)

    def _derive(self, order_ids: list[str]) -> None:
        for keyed in derive(self.state, order_ids, self.clock.now()):
            self.emit(keyed)
            if isinstance(keyed.event, e.OrderProcessingStarted):
                self._start_job(keyed.key)
        self._kill_marked()

    def _kill_marked(self) -> None:
        for order_id, killer in self._killers.items():
            mark = self.state.orders[order_id].mark
            if isinstance(mark, o.Cancelling) and isinstance(mark.mode, o.FreshOrStarted) and mark.mode.kill:
                killer.kill(mark.mode.kill.immediately)
            elif isinstance(mark, o.Suspending) and mark.mode.kill is not None:
                killer.kill(mark.mode.kill.immediately)

    def _start_job(self, order_id: str) -> None:
        killer = ProcessKiller()
        self._killers[order_id] = killer
        self._running[order_id] = asyncio.create_task(self._run_job(order_id, killer))

    async def _run_job(self, order_id: str, killer: ProcessKiller) -> None:
        order = self.state.orders[order_id]
        step = Step(self.state, order, self.state.workflow_of(order), self.clock.now())
        instruction = step.instruction
        assert isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous)
        job = job_of(step.workflow, instruction)
        assert job is not None
        prepared = job_input(step, job, instruction)
        if isinstance(prepared, Problem):
            self._report(order_id, e.OrderProcessed(outcome=Failed(message=prepared.message)))
            return
        result = await execute_job(
            job,
            prepared.env,
            prepared.arguments,
            self.work_dir,
            lambda stream, chunk: self._output(order_id, stream, chunk),
            killer,
            settings=self.settings,
            job_arguments=prepared.job_arguments,
            order_id=order_id,
        )
        self._report(order_id, e.OrderProcessed(outcome=result.outcome))

    def _output(self, order_id: str, stream: str, chunk: str) -> None:
        event: e.OrderEvent = (
            e.OrderStdoutWritten(chunk=chunk) if stream == "stdout" else e.OrderStderrWritten(chunk=chunk)
        )
        self._report(order_id, event)

    def _report(self, order_id: str, event: e.OrderEvent) -> None:
        self._inbox.put_nowait(e.KeyedEvent(order_id, event))
