"""ControllerService: the Controller as a running node — its journal, engine loop, Agent drivers and API.

`async with ControllerService.start(config) as controller:` opens (or recovers) the journal in the data
directory, serves the API, derives the Controller's orders as their time comes, and drives every known Agent;
leaving the block stops all of it and closes the journal, after a snapshot (so the next start reads no events).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from prometheus_client.registry import Collector
from starlette.types import ASGIApp

from stellwerk.cluster.decide import Refused
from stellwerk.cluster.states import NodeId
from stellwerk.cluster.watch import ClusterWatches
from stellwerk.controller.agent_directors import AGENT_API, director_uris, director_uris_of_config
from stellwerk.controller.agent_driver import AgentDriver
from stellwerk.controller.api import ControllerApi
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.core import Accepted, Clock, CommandResponse, ControllerCore
from stellwerk.controller.effects import AgentIntents
from stellwerk.controller.items import UpdateItems
from stellwerk.engine.state import EngineState
from stellwerk.journal.halt import JournalHalt
from stellwerk.journal.journaled import JournaledState, JournalSettings
from stellwerk.journal.replicator import Replicator
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from stellwerk.transport import node_process
from stellwerk.transport.auth import require_peer
from stellwerk.transport.server import RunningServer, serve
from stellwerk.transport.tls import client_context, server_context

logger = logging.getLogger(__name__)

# Serves an app on a server of the caller's for as long as the context runs; gives the server's URL.
Mount = Callable[[ASGIApp], AbstractAsyncContextManager[str]]


class ControllerStartFailed(RuntimeError):
    """The journal could not be recovered (the message says why)."""


def wall_clock() -> int:
    return int(time.time() * 1000)


class ControllerService:
    """A running Controller. Build it with `start`."""

    def __init__(self, config: ControllerConfig, core: ControllerCore) -> None:
        self.config = config
        self.core = core
        self.drivers: dict[str, AgentDriver] = {}
        self._halt = JournalHalt(core.journal, "Controller")
        self._agent_watches = ClusterWatches(_client_ssl(config), api=AGENT_API)
        self._tasks: list[asyncio.Task[None]] = []
        self._server: RunningServer | None = None
        self._mount: Mount | None = None
        self._collectors: Sequence[Collector] = ()
        self._mounted_url: str | None = None
        self._stopping = asyncio.Event()
        self._client_ssl = _client_ssl(config)
        core.on_intents(self._dispatch)

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        config: ControllerConfig,
        *,
        clock: Clock = wall_clock,
        replicator: Replicator | None = None,
        mount: Mount | None = None,
        collectors: Sequence[Collector] = (),
    ) -> AsyncIterator[ControllerService]:
        """`replicator` replicates the journal (a cluster's active node); `mount` serves the API on a server of
        the caller's instead of one of its own; `collectors` add to its metrics (a cluster node's)."""
        config.data_directory.mkdir(parents=True, exist_ok=True)
        journal = await JournaledState.open(
            config.data_directory,
            base="controller",
            clock=clock,
            initial_state=lambda: EngineState(role="controller", controller_id=config.controller_id),
            settings=JournalSettings(type_name="ControllerState"),
            replicator=replicator,
        )
        if isinstance(journal, Problem):
            raise ControllerStartFailed(journal.message)
        for warning in journal.warnings:
            logger.warning("Controller journal: %s", warning)
        for reader in config.event_readers:
            journal.register_reader(reader)
        service = cls(config, ControllerCore(journal, clock, lambda: uuid.uuid4().hex[:12]))
        service._mount = mount
        service._collectors = collectors
        try:
            async with service._serving():
                yield service
        finally:
            # An orderly stop ends with a snapshot: the next start need not replay the events.
            await journal.close(snapshot=not service.core.failed)

    @contextlib.asynccontextmanager
    async def _serving(self) -> AsyncIterator[None]:
        api = ControllerApi(
            self.core,
            self,
            event_readers=self.config.event_readers,
            middleware=[require_peer(self.config.allowed_client_subjects, insecure=self.config.insecure)],
            stopping=self._stopping,
        )
        for collector in self._collectors:
            api.metrics_registry.register(collector)
        tls = _server_ssl(self.config)
        try:
            self._spawn(self.core.run_timers(), "timers")
            self._spawn(self._halt.watch(self._stopping), "journal watch")
            self.ensure_drivers()
            if self._mount is not None:
                async with self._mount(api.app) as url:
                    self._mounted_url = url
                    yield
                    self._stopping.set()
                return
            async with serve(
                api.app, self.config.host, self.config.port, tls=tls, insecure=tls is None
            ) as server:
                self._server = server
                yield
                self._stopping.set()
        finally:
            self._stopping.set()
            await self._agent_watches.close()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def url(self) -> str:
        if self._mounted_url is not None:
            return self._mounted_url
        if self._server is None:
            raise RuntimeError("The Controller is not serving")
        return self._server.url

    @property
    def state(self) -> EngineState:
        return self.core.state

    async def execute(self, command: c.Command) -> CommandResponse | Problem:
        """An order, notice or Agent command, as `POST /controller/api/command` executes it."""
        if isinstance(command, c.ResetAgent) and (problem := self._resettable(command.agent_path)):
            return problem
        if isinstance(command, c.ShutDown | c.EmergencyStop):
            return self._end_process(command)
        return await self.core.execute(command)

    def _end_process(self, command: c.ShutDown | c.EmergencyStop) -> CommandResponse | Problem:
        """A cluster node's hosting handles a switch-over before (hosting.py); here the node stops alone."""
        if isinstance(command, c.ShutDown) and isinstance(command.cluster_action, c.Switchover):
            return Problem("ShutDown with a switch-over needs a Controller cluster")
        if isinstance(command, c.EmergencyStop) or isinstance(command.cluster_action, c.Failover):
            node_process.abort_soon(restart=command.restart)
        else:
            node_process.stop_soon(restart=command.restart)
        logger.info("Controller %s: %s requested", self.config.controller_id, type(command).__name__)
        return Accepted()

    def _resettable(self, agent_path: str) -> Problem | None:
        """JS7 resets standalone Agents only: a cluster Agent's Directors hand over to each other instead."""
        driver = self.drivers.get(agent_path)
        if driver is None:
            return Problem(f"Unknown Agent:{agent_path}")
        if len(driver.uris) == 2:
            return Problem(f"Agent {agent_path} is a cluster Agent, which cannot be reset")
        return None

    async def update_items(self, update: UpdateItems) -> list[e.KeyedEvent] | Problem:
        result = await self.core.update_items(update)
        self.ensure_drivers()
        return result

    def ensure_drivers(self) -> None:
        """A driver for every Agent from the configuration and every AgentRef item with a URI; for a cluster
        Agent (two Directors) also its Cluster Watch, which this Controller is."""
        known = {path: director_uris_of_config(value) for path, value in self.config.agents.items()}
        known.update(
            {path: director_uris(ref, self.state) for path, ref in self.state.agent_refs.items() if ref.uri}
        )
        for path, uris in known.items():
            if path not in self.drivers:
                driver = AgentDriver(self.core, path, uris, self._client_ssl, self.config)
                self.drivers[path] = driver
                self._spawn(driver.run(), f"Agent {path}")
                if len(uris) == 2:
                    self._agent_watches.follow(path, uris)

    async def agent_subagents(self, agent_path: str) -> dict[str, Any] | Problem | None:
        """What the Agent lists of its Subagents and pool members now; None for an Agent not driven here."""
        driver = self.drivers.get(agent_path)
        return None if driver is None else await driver.subagents()

    async def switch_over_agent(self, agent_path: str) -> Problem | None:
        driver = self.drivers.get(agent_path)
        if driver is None:
            return Problem(f"Unknown Agent:{agent_path}")
        if len(driver.uris) != 2:
            return Problem(f"Agent {agent_path} is no cluster Agent")
        return await driver.switch_over()

    def confirm_agent_node_loss(self, agent_path: str, lost_node: str, confirmer: str) -> Problem | None:
        """`lost_node` "": the Director whose loss the watch refused last."""
        if agent_path not in self.drivers:
            return Problem(f"Unknown Agent:{agent_path}")
        watch = self._agent_watches.get(agent_path)
        if watch is None:
            return Problem(f"Agent {agent_path} is no cluster Agent")
        if not lost_node:
            answer = watch.confirm_refused_loss(confirmer)
        else:
            lost = _NODE_IDS.get(lost_node)
            if lost is None:
                return Problem(f"lostNodeId: Primary or Backup expected, not {lost_node!r}")
            answer = watch.confirm_node_loss(lost, confirmer)
        return answer.problem if isinstance(answer, Refused) else None

    def overview(self) -> dict[str, Any]:
        agents = {
            path: {"uri": driver.uri, "coupled": driver.coupled, "problem": driver.problem}
            for path, driver in sorted(self.drivers.items())
        }
        return {
            "controllerId": self.state.controller_id,
            "eventId": self.core.journal.last_event_id,
            "orderCount": len(self.state.orders),
            "agents": agents,
        }

    def _dispatch(self, intents: AgentIntents) -> None:
        for agent_path, intent in intents:
            driver = self.drivers.get(agent_path)
            if driver is None:
                logger.warning("No Agent %s for %s of %s", agent_path, intent.kind, intent.key)
            else:
                driver.enqueue([intent])

    @property
    def halted(self) -> asyncio.Event:
        """Set when the journal failed (the Controller then accepts nothing any more)."""
        return self._halt.halted

    async def until_halted(self) -> None:
        """Raises ServiceHalted once the journal failed."""
        await self._halt.until_halted()

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        task.add_done_callback(_log_failure)
        self._tasks.append(task)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("Controller task %s failed", task.get_name(), exc_info=task.exception())


def _server_ssl(config: ControllerConfig) -> ssl.SSLContext | None:
    if config.tls is None:
        if not config.insecure:
            raise ValueError("The Controller needs tls files, or insecure=True on a loopback address")
        return None
    return server_context(config.tls.cert, config.tls.key, config.tls.ca)


_NODE_IDS: dict[str, NodeId] = {"Primary": "Primary", "Backup": "Backup"}


def _client_ssl(config: ControllerConfig) -> ssl.SSLContext | None:
    tls = config.tls
    return None if tls is None else client_context(tls.cert, tls.key, tls.ca)
