"""Running the jobs the engine starts: one process per OrderProcessingStarted, its output and its outcome
reported back as events. Shared by `stellwerk run` and the Agent. On an Agent whose Director selected a remote
Subagent (the order's Processing.subagentId), `remote` gives the process there (runner/remote.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Failed
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import job_of
from stellwerk.runner.executors import ExecutionSettings, execute_job
from stellwerk.runner.jobenv import job_input
from stellwerk.runner.process import ProcessKiller
from stellwerk.runner.remote import ProcessRequest, RemoteProcess
from stellwerk.runner.spawner import Spawner

logger = logging.getLogger(__name__)

Report = Callable[[e.KeyedEvent], None]
# (workflow path, job name, seconds) of a job run that has ended, for metrics.
JobEnded = Callable[[str, str, float], None]


class RemoteSubagents(Protocol):
    def process_on(self, subagent_id: str) -> RemoteProcess | None:
        """The way to run a process on that Subagent; None for the local one."""


class JobLauncher:
    """Starts a process for an order in Processing and reports OrderStdoutWritten / OrderStderrWritten and
    finally OrderProcessed through `report` (which must not block)."""

    def __init__(
        self,
        work_dir: Path,
        settings: ExecutionSettings,
        report: Report,
        now: Callable[[], int],
        remote: RemoteSubagents | None = None,
        job_ended: JobEnded | None = None,
        spawner: Spawner | None = None,
    ) -> None:
        self._remote = remote
        self._spawner = spawner
        self._job_ended = job_ended
        self._work_dir = work_dir
        self._settings = settings
        self._report = report
        self._now = now
        self._running: dict[str, asyncio.Task[None]] = {}
        self._killers: dict[str, ProcessKiller] = {}

    @property
    def running(self) -> bool:
        return bool(self._running)

    def start(self, state: EngineState, order_id: str) -> None:
        order = state.orders[order_id]
        step = Step(state, order, state.workflow_of(order), self._now())
        killer = ProcessKiller()
        self._killers[order_id] = killer
        self._running[order_id] = asyncio.create_task(self._run(step, killer))

    def finished(self, order_id: str) -> None:
        """The order's OrderProcessed has been applied: forget its process."""
        self._running.pop(order_id, None)
        self._killers.pop(order_id, None)

    def kill_marked(self, state: EngineState) -> None:
        """Kill the processes of orders marked for cancellation or suspension with kill."""
        for order_id, killer in self._killers.items():
            kill = _kill_of(state.orders[order_id].mark)
            if kill is not None:
                killer.kill(kill.immediately)

    async def stop(self, grace: float = 5.0, *, orderly: bool = True) -> None:
        """Stops every running process. Orderly (js7-reference §6.4): SIGTERM to its process group first, SIGKILL
        after the job's sigkillDelay, and after `grace` seconds at the latest; else SIGKILL at once. Returns
        when the processes have ended (their OrderProcessed is reported as usual), or after the grace."""
        for killer in self._killers.values():
            killer.kill(immediately=not orderly)
        if not self._running:
            return
        _, pending = await asyncio.wait(self._running.values(), timeout=grace)
        if pending:
            for killer in self._killers.values():
                killer.kill(immediately=True)
            await asyncio.wait(pending, timeout=grace)

    async def _run(self, step: Step, killer: ProcessKiller) -> None:
        began = time.monotonic()
        instruction = step.instruction
        name = instruction.job_name if isinstance(instruction, i.ExecuteNamed) else ""
        fields = {"order": step.order.id, "workflow": step.workflow.path}
        logger.debug("Job %s starts", name, extra=fields)
        await self._run_step(step, killer)
        seconds = time.monotonic() - began
        logger.debug("Job %s ended after %.3f s", name, seconds, extra=fields)
        if self._job_ended is not None:
            self._job_ended(step.workflow.path, name, seconds)

    async def _run_step(self, step: Step, killer: ProcessKiller) -> None:
        order_id = step.order.id
        instruction = step.instruction
        assert isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous)
        job = job_of(step.workflow, instruction)
        assert job is not None
        prepared = job_input(step, job, instruction)
        if isinstance(prepared, Problem):
            self._send(order_id, e.OrderProcessed(outcome=Failed(message=prepared.message)))
            return
        remote = self._remote_process(step.order)
        if remote is not None:
            request = ProcessRequest(
                order_id=order_id,
                job=job,
                env=dict(prepared.env),
                arguments=dict(prepared.arguments),
                job_arguments=dict(prepared.job_arguments),
            )
            outcome = await remote.run(
                request, lambda stream, chunk: self._output(order_id, stream, chunk), killer
            )
            self._send(order_id, e.OrderProcessed(outcome=outcome))
            return
        result = await execute_job(
            job,
            prepared.env,
            prepared.arguments,
            self._work_dir,
            lambda stream, chunk: self._output(order_id, stream, chunk),
            killer,
            settings=self._settings,
            job_arguments=prepared.job_arguments,
            order_id=order_id,
            spawner=self._spawner,
        )
        self._send(order_id, e.OrderProcessed(outcome=result.outcome))

    def _remote_process(self, order: o.Order) -> RemoteProcess | None:
        subagent_id = order.state.subagent_id if isinstance(order.state, o.Processing) else None
        if self._remote is None or subagent_id is None:
            return None
        return self._remote.process_on(subagent_id)

    def _output(self, order_id: str, stream: str, chunk: str) -> None:
        written = (
            e.OrderStdoutWritten(chunk=chunk) if stream == "stdout" else e.OrderStderrWritten(chunk=chunk)
        )
        self._send(order_id, written)

    def _send(self, order_id: str, event: e.OrderEvent) -> None:
        self._report(e.KeyedEvent(order_id, event))


def _kill_of(mark: o.Mark | None) -> o.Kill | None:
    if isinstance(mark, o.Cancelling) and isinstance(mark.mode, o.FreshOrStarted):
        return mark.mode.kill
    if isinstance(mark, o.Suspending):
        return mark.mode.kill
    return None
