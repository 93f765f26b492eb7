"""The Cockpit's connections to Controllers: one `ControllerProxy` per registered Controller id, over mutual TLS
with the Cockpit's client certificate (plain HTTP only for loopback URLs). Routers send commands and items
through it and read the Controller's orders; the History service follows its event stream.

A proxy follows the active node of a cluster: every call goes to the node that answered last, then to the
others (also when a node answers 503, as the passive node does); the node that answers becomes the active one.
For a Controller with two nodes, the Cockpit runs the Cluster Watch (cluster/watch.py). Each node's last connection state is kept for the
Product Status panel (`/controller/components`). Listeners of `Proxies` learn when a Controller is registered
or forgotten (the History service starts and stops with it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec

from stellwerk.cluster.watch import ClusterWatches
from stellwerk.cockpit.config import ControllerTls
from stellwerk.cockpit.errors import ControllerUnreachable, JocError, UnknownObject
from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context

COMMAND_TIMEOUT = 30.0
T = TypeVar("T")
API = "/controller/api"
# The passive node of a Controller cluster answers 503: the other node is active.
PASSIVE_NODE = 503


class Connection(StrEnum):
    """JOC's connection states of a Controller node as the Cockpit last saw it."""

    ESTABLISHED = "established"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"


class NodeStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A node's last connection state; `since` is when it was seen so (epoch ms), `problem` why it failed."""

    url: str
    connection: Connection = Connection.UNKNOWN
    since: int | None = None
    problem: str | None = None


class ControllerProxy:
    """One Controller as the Cockpit sees it: its id, its nodes' URLs (the first that answers is used)."""

    def __init__(
        self,
        controller_id: str,
        urls: tuple[str, ...],
        ssl_context: ssl.SSLContext | None,
        clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self.controller_id = controller_id
        self.urls = urls
        self._ssl_context = ssl_context
        self._clients: dict[str, NodeClient] = {}
        self._active = urls[0]
        self._clock = clock
        self._status = {url: NodeStatus(url=url) for url in urls}
        self._closed = False

    @property
    def url(self) -> str:
        """The URL of the node last found active."""
        return self._active

    def status(self, url: str) -> NodeStatus:
        """The last connection state of a node (unknown before the first call)."""
        return self._status.get(url) or NodeStatus(url=url)

    def _saw(self, url: str, problem: str | None) -> None:
        connection = Connection.UNREACHABLE if problem else Connection.ESTABLISHED
        self._status[url] = NodeStatus(url=url, connection=connection, since=self._clock(), problem=problem)

    async def _client(self, url: str) -> NodeClient:
        if self._closed:  # a call that began before the proxy was replaced or forgotten opens nothing new
            raise ControllerUnreachable(f"The proxy of Controller {self.controller_id} has been closed")
        client = self._clients.get(url)
        if client is None:
            context = self._ssl_context if url.startswith("https:") else None
            if url.startswith("https:") and context is None:
                self._saw(url, "no client certificate for Controllers is configured")
                raise ControllerUnreachable(
                    f"Controller {self.controller_id} at {url}: the Cockpit has no client certificate for "
                    "Controllers (controller_tls)"
                )
            client = NodeClient(
                url, ssl_context=context, retry=RetryPolicy(attempts=1), timeout=COMMAND_TIMEOUT
            )
            await client.__aenter__()
            self._clients[url] = client
        return client

    async def _call(
        self, method: str, path: str, body: object = None, params: dict[str, str] | None = None
    ) -> Any:
        failures = []
        for url in (self._active, *(u for u in self.urls if u != self._active)):
            client = await self._client(url)
            try:
                if method == "GET":
                    answer = await client.get(f"{API}{path}", object, params)
                else:
                    answer = await client.post(f"{API}{path}", body, object)
            except HttpError as error:
                self._saw(url, None)
                if error.status == PASSIVE_NODE:
                    failures.append(f"{url}: {error}")
                    continue
                raise JocError(f"Controller {self.controller_id}: {error}", "JOC-420") from error
            except TransportError as error:
                self._saw(url, str(error))
                failures.append(f"{url}: {error}")
                continue
            self._saw(url, None)
            self._active = url
            return answer
        raise ControllerUnreachable(
            f"Controller {self.controller_id} is not reachable ({'; '.join(failures)})"
        )

    async def command(self, command: dict[str, Any]) -> Any:
        """Executes a Controller command (engine JSON with `TYPE`); a refused command raises JocError."""
        return await self._call("POST", "/command", command)

    async def command_at(self, url: str, command: dict[str, Any]) -> Any:
        """A command for one node (also a passive one, which takes ShutDown and EmergencyStop), without fail-over
        to the other; a refused command raises JocError."""
        client = await self._client(url)
        return await self._at(url, client.post(f"{API}/command", command, object))

    async def log_lines(self, url: str) -> AsyncIterator[bytes]:
        """The log file of one node, line by line; raises JocError when it keeps none."""
        client = await self._client(url)
        try:
            async for line in client.stream_lines(f"{API}/log", {}):
                yield line
        except HttpError as error:
            raise JocError(f"Controller {self.controller_id} at {url}: {error}", "JOC-404") from error
        except TransportError as error:
            raise ControllerUnreachable(
                f"Controller {self.controller_id} at {url} is not reachable ({error})"
            ) from error

    async def update_items(self, request: dict[str, Any]) -> Any:
        """Adds, changes or removes items (signed when the Controller demands it)."""
        return await self._call("POST", "/item", request)

    async def items(self) -> list[Any]:
        answer: list[Any] = await self._call("GET", "/item")
        return answer

    async def orders(self) -> list[Any]:
        answer: list[Any] = await self._call("GET", "/order")
        return answer

    async def locks(self) -> list[dict[str, Any]]:
        """The Controller's locks: `path`, `limit`, `holders` (order id → count, null when exclusive), `queue`."""
        answer: list[dict[str, Any]] = await self._call("GET", "/lock")
        return answer

    async def notices(self) -> list[dict[str, Any]]:
        """The Controller's notices: `noticeId` (engine JSON), `state`, `endOfLife`?, `expecting` order ids."""
        answer: list[dict[str, Any]] = await self._call("GET", "/notice")
        return answer

    async def order_snapshot(self) -> tuple[int, list[Any]]:
        """The Controller's orders with the EventId they are at: events after it change them."""
        answer: dict[str, Any] = await self._call("GET", "/order", params={"snapshot": "true"})
        return int(answer["eventId"]), list(answer["orders"])

    async def order(self, order_id: str) -> dict[str, Any] | None:
        """One order of the Controller, None when it has no such order."""
        found: list[dict[str, Any]] = await self._call("GET", "/order", params={"id": order_id})
        return found[0] if found else None

    async def overview(self) -> dict[str, Any]:
        """The active node's overview: `controllerId`, `eventId`, `orderCount` and `agents` (path → `uri`,
        `coupled`, `problem`)."""
        answer: dict[str, Any] = await self._call("GET", "")
        return answer

    async def obstacles(self, order_id: str) -> list[dict[str, Any]] | None:
        """JS7's obstacles of the order (`type`, `until` in epoch ms); None when the Controller has no such order."""
        try:
            answer: dict[str, Any] = await self._call("GET", "/obstacles", params={"orderId": order_id})
        except JocError as error:
            if "Unknown Order:" in str(error):
                return None
            raise
        found: list[dict[str, Any]] = answer["obstacles"]
        return found

    async def agent_subagents(self, agent_id: str) -> dict[str, Any]:
        """The Agent's Subagents and elastic pool members as the Agent lists them now, through the Controller
        (`subagents`: rows with `subagentId`, `state`, `pool`, …; `joined`/`left`: pool members so far)."""
        answer: dict[str, Any] = await self._call("GET", f"/agent/{quote(agent_id, safe='')}/subagents")
        return answer

    async def agent_cluster(self, agent_id: str, operation: str, body: dict[str, Any]) -> None:
        """A cluster Agent's `switchover` or `confirm-node-loss`, which the Controller (its watch) carries out."""
        await self._call("POST", f"/agent/{quote(agent_id, safe='')}/cluster/{operation}", body)

    async def probe(self, url: str) -> dict[str, Any]:
        """The overview of one node, asked directly (no fail-over); raises ControllerUnreachable or JocError."""
        client = await self._client(url)
        answer: dict[str, Any] = await self._at(url, client.get(API, dict))
        return answer

    async def _at(self, url: str, call: Awaitable[T]) -> T:
        """The answer of a call to one node (no fail-over), its connection state recorded."""
        try:
            answer = await call
        except HttpError as error:
            self._saw(url, None)
            raise JocError(f"Controller {self.controller_id} at {url}: {error}", "JOC-420") from error
        except TransportError as error:
            self._saw(url, str(error))
            raise ControllerUnreachable(
                f"Controller {self.controller_id} at {url} is not reachable ({error})"
            ) from error
        self._saw(url, None)
        return answer

    async def events(self, after: int, wait_seconds: float, limit: int = 1000) -> list[dict[str, Any]]:
        """The Controller's events after an EventId (each with `eventId`, `Key` when keyed, and `TYPE`); waits up
        to `wait_seconds` for the first. A heartbeat answer is an empty list."""
        client = await self._client(self._active)
        params = {"after": str(after), "timeout": str(wait_seconds), "limit": str(limit)}
        found = []
        try:
            async with contextlib.aclosing(
                client.stream_lines(f"{API}/event", params, idle_timeout=wait_seconds + COMMAND_TIMEOUT)
            ) as lines:
                async for line in lines:
                    event = json.loads(line)
                    if event.get("TYPE") != "Heartbeat":
                        found.append(event)
        except HttpError as error:
            if error.status == PASSIVE_NODE:
                self._active = next((u for u in self.urls if u != self._active), self._active)
                raise ControllerUnreachable(f"Controller {self.controller_id}: {error}") from error
            raise JocError(f"Controller {self.controller_id}: {error}", "JOC-420") from error
        except TransportError as error:
            self._saw(self._active, str(error))
            self._active = next((u for u in self.urls if u != self._active), self._active)
            raise ControllerUnreachable(
                f"Controller {self.controller_id} is not reachable ({error})"
            ) from error
        self._saw(self._active, None)
        return found

    async def release_events(self, until_event_id: int) -> None:
        """Tells the Controller that the Cockpit has stored its events up to this id (its journal may shrink)."""
        await self.command({"TYPE": "ReleaseEvents", "untilEventId": until_event_id})

    async def close(self) -> None:
        self._closed = True
        await asyncio.gather(*(client.close() for client in self._clients.values()))
        self._clients.clear()


class ProxyListener:
    """Told when a Controller's proxy is created or replaced (`registered`) and when it goes (`forgotten`)."""

    def registered(self, proxy: ControllerProxy) -> None:
        pass

    def forgotten(self, controller_id: str) -> None:
        pass


class ClusterWatchFollower(ProxyListener):
    """Runs the Cluster Watch of each registered Controller cluster while it listens: only the active member of
    a Cockpit cluster does, so that one Cluster Watch serves a Controller cluster."""

    def __init__(self, watches: ClusterWatches) -> None:
        self._watches = watches
        self._followed: set[str] = set()

    def registered(self, proxy: ControllerProxy) -> None:
        self._watches.follow(proxy.controller_id, proxy.urls)
        self._followed.add(proxy.controller_id)

    def forgotten(self, controller_id: str) -> None:
        self._watches.forget(controller_id)
        self._followed.discard(controller_id)

    def stop(self) -> None:
        for controller_id in tuple(self._followed):
            self.forgotten(controller_id)


class Proxies:
    """The proxies by Controller id."""

    def __init__(
        self, tls: ControllerTls | None, clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000
    ) -> None:
        self._ssl_context = None if tls is None else client_context(tls.certificate, tls.key, tls.ca)
        # The active Cockpit is the Cluster Watch of every registered Controller cluster (ClusterWatchFollower).
        self.cluster_watches = ClusterWatches(self._ssl_context)
        self._proxies: dict[str, ControllerProxy] = {}
        self._listeners: list[ProxyListener] = []
        self._clock = clock
        self._closing: set[asyncio.Task[None]] = set()

    def listen(self, listener: ProxyListener) -> None:
        """Adds a listener; it is told of the proxies that exist already as if they were registered now."""
        self._listeners.append(listener)
        for proxy in self._proxies.values():
            listener.registered(proxy)

    def unlisten(self, listener: ProxyListener) -> None:
        self._listeners.remove(listener)

    @property
    def listeners(self) -> tuple[ProxyListener, ...]:
        return tuple(self._listeners)

    def register(self, controller_id: str, urls: tuple[str, ...]) -> ControllerProxy:
        """Creates or replaces the proxy of a Controller."""
        old = self._proxies.pop(controller_id, None)
        if old is not None:
            self._close_later(old)
        proxy = ControllerProxy(controller_id, urls, self._ssl_context, self._clock)
        self._proxies[controller_id] = proxy
        for listener in self._listeners:
            listener.registered(proxy)
        return proxy

    def detached(self, controller_id: str, urls: tuple[str, ...]) -> ControllerProxy:
        """A proxy that is not registered (to test a Controller before it is); close it after use."""
        return ControllerProxy(controller_id, urls, self._ssl_context, self._clock)

    def forget(self, controller_id: str) -> None:
        old = self._proxies.pop(controller_id, None)
        if old is not None:
            for listener in self._listeners:
                listener.forgotten(controller_id)
            self._close_later(old)

    def _close_later(self, proxy: ControllerProxy) -> None:
        """Closes a replaced or forgotten proxy in the background; `close` waits for it."""
        task = asyncio.ensure_future(proxy.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def get(self, controller_id: str) -> ControllerProxy:
        """The proxy of a registered Controller; JOC-404 for an unknown id."""
        proxy = self._proxies.get(controller_id)
        if proxy is None:
            raise UnknownObject(f"Unknown controllerId: {controller_id}")
        return proxy

    def ids(self) -> list[str]:
        return sorted(self._proxies)

    async def close(self) -> None:
        await asyncio.gather(*(proxy.close() for proxy in self._proxies.values()), *self._closing)
        self._proxies.clear()
        await self.cluster_watches.close()
