"""The Cockpit's connections to Controllers: one `ControllerProxy` per registered Controller id, over mutual TLS
with the Cockpit's client certificate (plain HTTP only for loopback URLs). Routers send commands and items
through it and read the Controller's orders; the History service follows its event stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from typing import Any

from stellwerk.cockpit.config import ControllerTls
from stellwerk.cockpit.errors import ControllerUnreachable, JocError, UnknownObject
from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context

COMMAND_TIMEOUT = 30.0
API = "/controller/api"


class ControllerProxy:
    """One Controller as the Cockpit sees it: its id, its nodes' URLs (the first that answers is used)."""

    def __init__(self, controller_id: str, urls: tuple[str, ...], ssl_context: ssl.SSLContext | None) -> None:
        self.controller_id = controller_id
        self.urls = urls
        self._ssl_context = ssl_context
        self._clients: dict[str, NodeClient] = {}
        self._active = urls[0]

    @property
    def url(self) -> str:
        """The URL of the node last found active."""
        return self._active

    async def _client(self, url: str) -> NodeClient:
        client = self._clients.get(url)
        if client is None:
            context = self._ssl_context if url.startswith("https:") else None
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
                raise JocError(f"Controller {self.controller_id}: {error}", "JOC-420") from error
            except TransportError as error:
                failures.append(f"{url}: {error}")
                continue
            self._active = url
            return answer
        raise ControllerUnreachable(
            f"Controller {self.controller_id} is not reachable ({'; '.join(failures)})"
        )

    async def command(self, command: dict[str, Any]) -> Any:
        """Executes a Controller command (engine JSON with `TYPE`); a refused command raises JocError."""
        return await self._call("POST", "/command", command)

    async def update_items(self, request: dict[str, Any]) -> Any:
        """Adds, changes or removes items (signed when the Controller demands it)."""
        return await self._call("POST", "/item", request)

    async def items(self) -> list[Any]:
        answer: list[Any] = await self._call("GET", "/item")
        return answer

    async def orders(self) -> list[Any]:
        answer: list[Any] = await self._call("GET", "/order")
        return answer

    async def overview(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call("GET", "")
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
            raise JocError(f"Controller {self.controller_id}: {error}", "JOC-420") from error
        except TransportError as error:
            raise ControllerUnreachable(
                f"Controller {self.controller_id} is not reachable ({error})"
            ) from error
        return found

    async def release_events(self, until_event_id: int) -> None:
        """Tells the Controller that the Cockpit has stored its events up to this id (its journal may shrink)."""
        await self.command({"TYPE": "ReleaseEvents", "untilEventId": until_event_id})

    async def close(self) -> None:
        await asyncio.gather(*(client.close() for client in self._clients.values()))
        self._clients.clear()


class Proxies:
    """The proxies by Controller id."""

    def __init__(self, tls: ControllerTls | None) -> None:
        self._ssl_context = None if tls is None else client_context(tls.certificate, tls.key, tls.ca)
        self._proxies: dict[str, ControllerProxy] = {}

    def register(self, controller_id: str, urls: tuple[str, ...]) -> ControllerProxy:
        """Creates or replaces the proxy of a Controller."""
        old = self._proxies.pop(controller_id, None)
        if old is not None:
            asyncio.ensure_future(old.close())
        proxy = ControllerProxy(controller_id, urls, self._ssl_context)
        self._proxies[controller_id] = proxy
        return proxy

    def forget(self, controller_id: str) -> None:
        old = self._proxies.pop(controller_id, None)
        if old is not None:
            asyncio.ensure_future(old.close())

    def get(self, controller_id: str) -> ControllerProxy:
        """The proxy of a registered Controller; JOC-404 for an unknown id."""
        proxy = self._proxies.get(controller_id)
        if proxy is None:
            raise UnknownObject(f"Unknown controllerId: {controller_id}")
        return proxy

    def ids(self) -> list[str]:
        return sorted(self._proxies)

    async def close(self) -> None:
        await asyncio.gather(*(proxy.close() for proxy in self._proxies.values()))
        self._proxies.clear()
