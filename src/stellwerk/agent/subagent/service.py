"""A remote Subagent: it runs the processes Directors send it and streams their output and outcome back.

    async with SubagentService.start(config) as subagent:
        await subagent.drain()          # scale-in: no new processes, the running ones finish, then return

No journal: a Subagent that dies loses its processes, and the Director reports them as ProcessLost
(js7-reference §6.4). A process whose Director disconnects is killed, so a process the Director has given up
on (and may run again elsewhere) does not run on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import ssl
from collections.abc import AsyncIterator

import psutil

from stellwerk.agent.subagent.api import subagent_app
from stellwerk.agent.subagent.config import SubagentConfig
from stellwerk.runner.executors import ExecutionSettings, execute_job
from stellwerk.runner.process import ProcessKiller
from stellwerk.runner.remote import Ended, Heartbeat, Output, ProcessLine, ProcessRequest, Started
from stellwerk.transport.server import RunningServer, serve
from stellwerk.transport.tls import server_context

logger = logging.getLogger(__name__)


class SubagentStartFailed(RuntimeError):
    pass


class SubagentService:
    """A running Subagent. Build it with `start`."""

    def __init__(self, config: SubagentConfig) -> None:
        self.config = config
        self._settings = ExecutionSettings(
            executables_directory=config.executables_directory, inherited_env=dict(os.environ)
        )
        self._killers: dict[str, ProcessKiller] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.draining = False
        self.processes_started = 0
        self._server: RunningServer | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, config: SubagentConfig) -> AsyncIterator[SubagentService]:
        tls = _tls_context(config)
        config.work_directory.mkdir(parents=True, exist_ok=True)
        service = cls(config)
        app = subagent_app(
            service, allowed_subjects=config.allowed_director_subjects, insecure=config.insecure
        )
        async with serve(app, config.host, config.port, tls=tls, insecure=config.insecure) as server:
            service._server = server
            try:
                yield service
            finally:
                service.draining = True
                for killer in service._killers.values():
                    killer.kill(immediately=True)

    @property
    def url(self) -> str:
        if self.config.uri is not None:
            return self.config.uri
        if self._server is None:
            raise RuntimeError("The Subagent's server is not running")
        return self._server.url

    @property
    def process_count(self) -> int:
        return len(self._killers)

    @property
    def running_orders(self) -> frozenset[str]:
        return frozenset(self._killers)

    async def drain(self) -> None:
        """Scale-in: take no new process, return when the running ones have ended."""
        self.draining = True
        await self._idle.wait()
        # Until the Directors have heard of the draining, a request may still come: refused (503), not cut off.
        await asyncio.sleep(self.config.drain_grace)
        await self._idle.wait()

    def overview(self) -> dict[str, object]:
        memory = psutil.virtual_memory()
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
        return {
            "subagentId": self.config.id,
            "uri": self.url,
            "pool": self.config.pool,
            "processCount": self.process_count,
            "draining": self.draining,
            "cpuLoad": round(load, 3),
            "freeMemorySize": memory.available,
            "totalMemorySize": memory.total,
            "committedVirtualMemorySize": psutil.Process().memory_info().vms,
        }

    def admits(self, pool: str, token: str) -> bool:
        """Whether a Director asking for `pool` with `token` may enrol this Subagent."""
        expected = self.config.enrolment_token
        if self.config.pool != pool or expected is None or self.draining:
            return False
        return hmac.compare_digest(expected.encode(), token.encode())

    def kill(self, order_id: str, immediately: bool) -> bool:
        killer = self._killers.get(order_id)
        if killer is None:
            return False
        killer.kill(immediately)
        return True

    async def run(self, request: ProcessRequest) -> AsyncIterator[ProcessLine]:
        """The lines of one process: Started, Output…, Heartbeat while silent, Ended."""
        killer = ProcessKiller()
        self._killers[request.order_id] = killer
        self._idle.clear()
        self.processes_started += 1
        lines: asyncio.Queue[ProcessLine | None] = asyncio.Queue()
        task: asyncio.Task[None] | None = None
        try:
            yield Started(subagent_id=self.config.id)
            task = asyncio.create_task(self._execute(request, killer, lines))
            while True:
                try:
                    line = await asyncio.wait_for(lines.get(), self.config.heartbeat)
                except TimeoutError:
                    yield Heartbeat()
                    continue
                if line is None:
                    break
                yield line
        finally:
            if task is not None and not task.done():
                logger.warning(
                    "Order %s: the Director went away, the process is killed",
                    request.order_id,
                    extra={"order": request.order_id},
                )
                killer.kill(immediately=True)
                with contextlib.suppress(Exception):
                    await asyncio.shield(task)
            self._killers.pop(request.order_id, None)
            if not self._killers:
                self._idle.set()

    async def _execute(
        self, request: ProcessRequest, killer: ProcessKiller, lines: asyncio.Queue[ProcessLine | None]
    ) -> None:
        try:
            result = await execute_job(
                request.job,
                request.env,
                request.arguments,
                self.config.work_directory,
                lambda stream, chunk: lines.put_nowait(Output(stream=stream, chunk=chunk)),
                killer,
                settings=self._settings,
                job_arguments=request.job_arguments,
                order_id=request.order_id,
            )
            lines.put_nowait(Ended(outcome=result.outcome))
        finally:
            lines.put_nowait(None)


def _tls_context(config: SubagentConfig) -> ssl.SSLContext | None:
    if config.tls is None:
        if not config.insecure:
            raise SubagentStartFailed(
                "The Subagent needs `tls` files, or insecure=True on a loopback address"
            )
        return None
    if not config.allowed_director_subjects:
        raise SubagentStartFailed("No Director is allowed: `allowed_director_subjects` is empty")
    return server_context(config.tls.cert, config.tls.key, config.tls.ca)
