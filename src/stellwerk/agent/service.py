"""The Agent service: its journal, its driving loop, its file watches and its API, started and stopped together.

    async with AgentService.start(config) as agent:
        await agent.shutdown_requested()      # or whatever the caller waits for

Start: open (or create) the journal "agent" in `<data>/journal` and recover; orders recovered in Processing get
their lost process reported (restart.py); then the loop, the file watcher and the HTTP server start.
Leaving the block stops in order (js7-reference §6.4): no more commands, the running processes are killed and
reported as ProcessLost (so they run again after a restart), the server stops, the journal is closed after a
snapshot (so the next start reads no events). `crash()`
makes the stop a crash instead (a test hook): processes are killed, nothing more is persisted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import ssl
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from prometheus_client.registry import Collector
from starlette.types import ASGIApp

from stellwerk.agent.api import agent_app
from stellwerk.agent.config import AgentConfig
from stellwerk.agent.director.links import SubagentLinks
from stellwerk.agent.filewatch import FileWatcher
from stellwerk.agent.loop import AgentLoop
from stellwerk.agent.metrics import AgentMetrics
from stellwerk.engine.state import EngineState
from stellwerk.journal.event_log import EventLog
from stellwerk.journal.halt import JournalHalt
from stellwerk.journal.journaled import JournaledState, JournalSettings
from stellwerk.journal.replicator import Replicator
from stellwerk.journal.segments import Segment
from stellwerk.model import agent_commands as ac
from stellwerk.model.problems import Problem
from stellwerk.runner.spawner import Spawner
from stellwerk.transport.server import RunningServer, serve
from stellwerk.transport.tls import server_context

logger = logging.getLogger(__name__)

JOURNAL_BASE = "agent"
Mount = Callable[[ASGIApp], AbstractAsyncContextManager[str]]
STATE_TYPE_NAME = "AgentState"


class AgentStartFailed(RuntimeError):
    """The journal could not be recovered, or the configuration is unusable; the message says why."""


def epoch_millis() -> int:
    return int(time.time() * 1000)


class AgentService:
    """A running Agent. Build it with `start`."""

    def __init__(self, config: AgentConfig, journal: JournaledState) -> None:
        self.config = config
        self._journal = journal
        self._event_log = EventLog(journal, config.journal_directory, JOURNAL_BASE)
        self._subagents = SubagentLinks(config, lambda: journal.state, lambda: self._loop.subagents_changed())
        self._metrics = AgentMetrics(journal, lambda: self._loop.events_persisted)
        self._spawner = Spawner()
        self._loop = AgentLoop(
            config,
            journal,
            epoch_millis,
            self._event_log.oldest_event_id,
            remote=self._subagents,
            job_ended=self._metrics.job_ended,
            spawner=self._spawner,
        )
        self._watcher = FileWatcher(config, lambda: journal.state, self._loop.report)
        self._closing = asyncio.Event()
        self._server: RunningServer | None = None
        self._mounted_url: str | None = None
        self._halt = JournalHalt(journal, f"Agent {config.name}")
        self._tasks: list[asyncio.Task[None]] = []
        self._crashed = False
        self._journal_open = True

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        config: AgentConfig,
        *,
        replicator: Replicator | None = None,
        mount: Mount | None = None,
        collectors: Sequence[Collector] = (),
    ) -> AsyncIterator[AgentService]:
        """`replicator` replicates the journal (the active Director of a cluster Agent); `mount` serves the API on
        a server of the caller's instead of one of its own; `collectors` add to its metrics."""
        tls = _tls_context(config)
        config.journal_directory.mkdir(parents=True, exist_ok=True)
        config.work_directory.mkdir(parents=True, exist_ok=True)
        journal = await _open_journal(config, replicator)
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(journal.close)
            service = cls(config, journal)
            stack.push_async_callback(service._spawner.close)  # also when the start fails
            for collector in collectors:
                service._metrics.register(collector)
            await service._recover()
            app = agent_app(
                service, allowed_subjects=config.allowed_controller_subjects, insecure=config.insecure
            )
            if mount is None:
                service._server = await stack.enter_async_context(
                    serve(app, config.host, config.port, tls=tls, insecure=config.insecure)
                )
            else:
                service._mounted_url = await stack.enter_async_context(mount(app))
            service._spawner.start()
            service._start_tasks()
            try:
                yield service
            finally:
                await service._stop()

    # For callers and tests -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._mounted_url is not None:
            return self._mounted_url
        if self._server is None:
            raise RuntimeError("The Agent's server is not running")
        return self._server.url

    @property
    def halted(self) -> asyncio.Event:
        """Set when the journal failed (the Agent then accepts nothing any more)."""
        return self._halt.halted

    async def until_halted(self) -> None:
        """Raises ServiceHalted once the journal failed."""
        await self._halt.until_halted()

    @property
    def state(self) -> EngineState:
        """The live state, to read."""
        return self._journal.state

    @property
    def journal(self) -> JournaledState:
        return self._journal

    async def shutdown_requested(self) -> None:
        """Returns when the Controller has sent ShutDown."""
        await self._loop.shutdown_requested.wait()

    async def reset_requested(self) -> None:
        """Returns when the Controller has had this Agent reset (the caller then stops it, calls `drop_journal`
        and starts it again)."""
        await self._loop.reset_requested.wait()

    @property
    def is_to_be_reset(self) -> bool:
        return self._loop.reset_requested.is_set()

    async def take_snapshot(self) -> Segment:
        """Rolls the journal over to a new segment beginning with a snapshot."""
        return await self._journal.take_snapshot()

    async def crash(self) -> None:
        """Test hook: stop now as a crash would. Processes are killed, no ProcessLost is persisted, the journal is
        closed as it is; leaving the `start` block then only stops the server."""
        self._crashed = True
        self._closing.set()
        await self._cancel_tasks()
        await self._loop.stop(orderly=False)
        await self._spawner.close()
        await self._subagents.close()
        await self._close_journal()

    # AgentEndpoints ----------------------------------------------------------------------------------------------

    @property
    def event_log(self) -> EventLog:
        return self._event_log

    @property
    def closing(self) -> asyncio.Event:
        return self._closing

    async def execute(self, commands: tuple[ac.AgentCommand, ...]) -> list[ac.Response]:
        return await self._loop.execute(commands)

    def overview(self) -> dict[str, object]:
        record = self.state.agents.get(self.config.name)
        return {
            "name": self.config.name,
            "agentRunId": record.agent_run_id if record is not None else "",
            "eventId": self._journal.last_event_id,
            "orderCount": len(self.state.orders),
            "isDedicated": bool(record is not None and record.agent_run_id),
        }

    def subagents(self) -> dict[str, object]:
        """The Subagents and elastic pool members, for `GET /agent/api/subagents`."""
        pools = self._subagents.pools
        return {"subagents": self._subagents.rows(), "joined": pools.joined_total, "left": pools.left_total}

    def is_healthy(self) -> bool:
        running = all(not task.done() for task in self._tasks)
        return self._journal_open and running and not self._closing.is_set()

    def metrics(self) -> tuple[bytes, str]:
        return self._metrics.render(), self._metrics.content_type

    # Life cycle --------------------------------------------------------------------------------------------------

    async def _recover(self) -> None:
        for warning in self._journal.warnings:
            logger.warning("Journal recovery: %s", warning)
        self.state.agent_env = dict(os.environ)
        record = self.state.agents.get(self.config.name)
        if record is not None and record.controller_id:
            # Keep the events until the Controller has released them, also across restarts.
            self._journal.register_reader(record.controller_id)
        await self._loop.recover()

    def _start_tasks(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop.run(), name=f"agent {self.config.name} loop"),
            asyncio.create_task(self._watcher.run(), name=f"agent {self.config.name} file watch"),
            asyncio.create_task(self._subagents.run(), name=f"agent {self.config.name} subagents"),
            asyncio.create_task(
                self._halt.watch(self._closing), name=f"agent {self.config.name} journal watch"
            ),
        ]
        for task in self._tasks:
            task.add_done_callback(_log_failure)

    async def _stop(self) -> None:
        if self._crashed:
            return
        self._closing.set()
        await self._cancel_tasks()
        await self._loop.stop(orderly=True)
        await self._spawner.close()
        await self._subagents.close()
        # An orderly stop ends with a snapshot: the next start need not replay the events.
        await self._close_journal(snapshot=not self._loop.failed)

    async def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _close_journal(self, *, snapshot: bool = False) -> None:
        self._journal_open = False
        await self._journal.close(snapshot=snapshot)


def _tls_context(config: AgentConfig) -> ssl.SSLContext | None:
    if config.tls is None:
        if not config.insecure:
            raise AgentStartFailed("The Agent needs `tls` files, or insecure=True on a loopback address")
        return None
    if not config.allowed_controller_subjects:
        raise AgentStartFailed("No Controller is allowed: `allowed_controller_subjects` is empty")
    return server_context(config.tls.cert, config.tls.key, config.tls.ca)


async def _open_journal(config: AgentConfig, replicator: Replicator | None) -> JournaledState:
    journal = await JournaledState.open(
        config.journal_directory,
        base=JOURNAL_BASE,
        clock=epoch_millis,
        initial_state=lambda: EngineState(role="agent"),
        settings=JournalSettings(type_name=STATE_TYPE_NAME),
        replicator=replicator,
    )
    if isinstance(journal, Problem):
        raise AgentStartFailed(journal.message)
    return journal


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s failed", task.get_name(), exc_info=task.exception())


def drop_journal(config: AgentConfig) -> None:
    """A reset Agent starts afresh: its journal (orders, items, dedication) is gone; the work files stay."""
    if config.journal_directory.exists():
        shutil.rmtree(config.journal_directory)
