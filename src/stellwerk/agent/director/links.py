"""The Director's links to its remote Subagents: their liveness by heartbeat, the elastic pools' members, and
the way to run a process on one (runner/remote.py). Every connection is opened by the Director.

Each round (every `subagent_heartbeat` seconds) asks every SubagentItem of this Agent and every pool member for
its overview, and every `pool_discovery` seconds the pools' addresses for new members; then the view (`SubagentView`) goes into the engine state
and the loop derives the waiting orders again. A Subagent silent for `subagent_timeout` takes no new process; a
process whose Subagent refused it or was lost makes that Subagent unavailable at once, until it answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from stellwerk.agent.config import AgentConfig, PoolConfig
from stellwerk.agent.director.pool import PoolMembership, live_of
from stellwerk.engine.state import EngineState
from stellwerk.engine.subagent_selection import SubagentLive, SubagentView
from stellwerk.runner.remote import RemoteProcess
from stellwerk.transport.tls import client_context

logger = logging.getLogger(__name__)

OVERVIEW_PATH = "/subagent/api"
ENROL_PATH = "/subagent/api/enrol"
UNREACHABLE = SubagentLive(available=False)


class SubagentLinks:
    """Owns the HTTP sessions to the Subagents; `run` is the heartbeat task."""

    def __init__(
        self, config: AgentConfig, state: Callable[[], EngineState], changed: Callable[[], None]
    ) -> None:
        self._config = config
        self._state = state
        self._changed = changed
        self._ssl: ssl.SSLContext | None = None
        if config.tls is not None:
            self._ssl = client_context(config.tls.cert, config.tls.key, config.tls.ca)
        self._session: aiohttp.ClientSession | None = None
        self._discovery: aiohttp.ClientSession | None = None
        self._next_discovery = float("-inf")
        self._live: dict[str, SubagentLive] = {}
        self._last_seen: dict[str, float] = {}
        self.pools = PoolMembership()
        self.publish()

    async def run(self) -> None:
        """The heartbeat rounds. Cancelling it leaves the sessions open for the processes still running: the
        service stops those, then calls `close`."""
        timeout = aiohttp.ClientTimeout(total=self._config.subagent_timeout)
        verify = self._ssl if self._ssl is not None else False
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=verify, limit=0), timeout=timeout
        )
        fresh = aiohttp.TCPConnector(ssl=verify, force_close=True)
        self._discovery = aiohttp.ClientSession(connector=fresh, timeout=timeout)
        while True:
            with contextlib.suppress(Exception):
                await self.round()
            await asyncio.sleep(self._config.subagent_heartbeat)

    async def close(self) -> None:
        for session in (self._session, self._discovery):
            if session is not None:
                await session.close()

    def process_on(self, subagent_id: str) -> RemoteProcess | None:
        """RemoteSubagents: a remote process on that Subagent; None for the Director's own."""
        uri = self._uri_of(subagent_id)
        if uri is None or self._session is None:
            return None
        return RemoteProcess(
            self._session,
            uri,
            silence_timeout=self._config.subagent_timeout,
            on_lost=lambda: self._lost(subagent_id),
        )

    def rows(self) -> list[dict[str, object]]:
        """The Subagents as the API lists them: configured ones and pool members."""
        rows: list[dict[str, object]] = [{"subagentId": self._config.name, "state": "local", "pool": None}]
        for sid, item in sorted(self._remote_items().items()):
            live = self._live.get(sid, UNREACHABLE)
            state = "disabled" if item.disabled else "active" if live.available else "unavailable"
            rows.append({"subagentId": sid, "uri": item.uri, "state": state, "pool": None})
        rows += [member.row() for _, member in sorted(self.pools.members.items())]
        return rows

    async def round(self) -> None:
        now = time.monotonic()
        targets = {sid: item.uri for sid, item in self._remote_items().items()}
        targets |= {sid: member.uri for sid, member in self.pools.members.items()}
        answers = await asyncio.gather(*(self._get(uri + OVERVIEW_PATH) for uri in targets.values()))
        for sid, answer in zip(targets, answers, strict=True):
            self._heard(sid, answer, now)
        if now >= self._next_discovery:
            self._next_discovery = now + self._config.pool_discovery
            for pool in self._config.pools:
                await self._discover(pool, now)
        busy = {sid for sid, orders in self._state().subagent_processing.items() if orders}
        for member in self.pools.leaving(now, self._config.subagent_timeout, busy):
            logger.info("Subagent %s left pool %s", member.subagent_id, member.pool)
            self._live.pop(member.subagent_id, None)
        self.publish()
        if targets or self._config.pools:
            # Live facts changed (reachability, load): orders waiting for a Subagent may start now. An Agent
            # with only its own Subagent has nothing to re-check.
            self._changed()

    def publish(self) -> None:
        state = self._state()
        local = self._local_ids(state)
        live = {**self._live, **dict.fromkeys(local - {self._config.name}, SubagentLive())}
        pools = {pool.name: self.pools.of_pool(pool.name) for pool in self._config.pools}
        least = frozenset(pool.name for pool in self._config.pools if pool.balance == "least-loaded")
        state.subagent_view = SubagentView(
            local_id=self._config.name, live=live, pools=pools, least_loaded_pools=least
        )

    def _heard(self, sid: str, answer: dict[str, Any] | None, now: float) -> None:
        if answer is not None:
            self._last_seen[sid] = now
            self._live[sid] = live_of(answer)
            self.pools.seen(sid, answer, now)
        elif now - self._last_seen.get(sid, float("-inf")) > self._config.subagent_timeout:
            self._live[sid] = UNREACHABLE

    async def _discover(self, pool: PoolConfig, now: float) -> None:
        # Enough new connections that a round-robin balancer reaches one more member than we know.
        tries = self.pools.count(pool.name) + 2
        body = {"pool": pool.name, "token": pool.token}
        for address in pool.addresses:
            for answer in await asyncio.gather(
                *(self._post(address + ENROL_PATH, body) for _ in range(tries))
            ):
                if answer is None:
                    continue
                member = self.pools.enrolled(pool.name, answer, now)
                if member is not None:
                    logger.info("Subagent %s joined pool %s at %s", member.subagent_id, pool.name, member.uri)
                    self._last_seen[member.subagent_id] = now
                    self._live[member.subagent_id] = live_of(answer)

    def _lost(self, subagent_id: str) -> None:
        self._live[subagent_id] = UNREACHABLE
        self.publish()

    def _uri_of(self, subagent_id: str) -> str | None:
        state = self._state()
        if subagent_id in self._local_ids(state):
            return None
        item = state.subagent_items.get(subagent_id)
        if item is not None:
            return item.uri
        member = self.pools.members.get(subagent_id)
        return member.uri if member is not None else None

    def _remote_items(self) -> dict[str, Any]:
        state = self._state()
        local = self._local_ids(state)
        return {
            sid: item
            for sid, item in state.subagent_items.items()
            if item.agent_path == self._config.name and sid not in local
        }

    def _local_ids(self, state: EngineState) -> set[str]:
        """The Director's own Subagent: named like the Agent, or as its AgentRef's directors."""
        agent_ref = state.agent_refs.get(self._config.name)
        return {self._config.name, *(agent_ref.directors[:1] if agent_ref is not None else ())}

    async def _get(self, url: str) -> dict[str, Any] | None:
        if self._session is None:
            return None
        try:
            async with self._session.get(url) as response:
                return await response.json() if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
            return None

    async def _post(self, url: str, body: dict[str, str]) -> dict[str, Any] | None:
        if self._discovery is None:
            return None
        try:
            async with self._discovery.post(url, json=body) as response:
                return await response.json() if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
            return None
