"""The HTTP client one node uses to call another: aiohttp over mutual TLS, msgspec bodies, retries.

Only failures to *connect* are retried: the request was never sent then, so even a POST is safe to
repeat. Everything else is raised as a `TransportError` for the caller (e.g. an agent driver) to handle.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import AsyncGenerator, Iterator, Mapping
from types import SimpleNamespace, TracebackType
from typing import Any, Self, TypeVar

import aiohttp
import msgspec
from aiohttp.http_exceptions import LineTooLong

from stellwerk.model import codec

T = TypeVar("T")

logger = logging.getLogger(__name__)

Params = Mapping[str, str | int]


class TransportError(Exception):
    """A call to another node failed; the message says which call and why."""


class Unreachable(TransportError):
    """No connection could be made, not even after the retries."""


class CertificateRejected(TransportError):
    """The TLS connection was closed on its first read: most likely the server rejected our certificate.

    Under TLS 1.3 the client finishes its side of the handshake before the server checks the client
    certificate, so a rejection shows up as a dropped connection on the first read (stack.md 1.1).
    """


class HttpError(TransportError):
    """The server answered with an error status; `message` is the problem's message when it sent one."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how long to retry a connection: exponential backoff with jitter, bounded both ways."""

    attempts: int = 6
    """Connection attempts in all, at least 1."""
    first_delay: float = 0.1
    max_delay: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.3
    """Up to this fraction of each delay is dropped at random, so that clients do not reconnect in step."""

    def delays(self) -> Iterator[float]:
        """The waits between attempts: `attempts - 1` of them."""
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_delay) * (1 - self.jitter * random.random())
            delay *= self.multiplier


DEFAULT_RETRY = RetryPolicy()


class _Attempt:
    """Passed through aiohttp's tracing to learn whether this request opened a new connection."""

    def __init__(self) -> None:
        self.connected = False


async def _on_connection_created(_: aiohttp.ClientSession, trace: SimpleNamespace, __: object) -> None:
    if isinstance(trace.trace_request_ctx, _Attempt):
        trace.trace_request_ctx.connected = True


class NodeClient:
    """A kept-alive connection pool to one node, e.g. the Controller's to one Agent.

    Use as `async with NodeClient("https://agent:4443", ssl_context=client_context(...)) as client:`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None,
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout: float = 30.0,
        connections: int = 16,
        max_line_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        if base_url.startswith("https:") and ssl_context is None:
            raise ValueError(f"{base_url} needs an ssl_context")
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.timeout = timeout
        self.max_line_bytes = max_line_bytes
        self._ssl_context = ssl_context
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        # Sent with every request, e.g. a JS7 session token as `x-js7-session`.
        self.headers: dict[str, str] = {}

    async def __aenter__(self) -> Self:
        tracing = aiohttp.TraceConfig()
        tracing.on_connection_create_end.append(_on_connection_created)
        connector = aiohttp.TCPConnector(ssl=self._ssl_context or True, limit=self._connections)
        self._session = aiohttp.ClientSession(
            connector=connector, trace_configs=[tracing], headers={"Accept": "application/json"}
        )
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str, response_type: type[T], params: Params | None = None) -> T:
        """GET path?params and decode the JSON answer as `response_type`."""
        response = await self._request("GET", path, params=params)
        return await _decoded(response, response_type)

    async def post(self, path: str, body: object, response_type: type[T]) -> T:
        """POST `body` (a msgspec Struct or plain data) as JSON and decode the answer as `response_type`."""
        response = await self._request("POST", path, data=codec.encode(body))
        return await _decoded(response, response_type)

    async def stream_lines(
        self,
        path: str,
        params: Params | None = None,
        *,
        idle_timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncGenerator[bytes, None]:
        """GET path?params and yield each line of the answer as it arrives, without its line end.

        `idle_timeout` bounds the wait for the next bytes (a stream with heartbeats can set it); `headers` are
        sent besides the session's (`{"Accept": "application/x-ndjson"}` asks a JS7 node to stream events).
        Close the iterator when done early (`contextlib.aclosing`) to give the connection back at once.
        """
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=idle_timeout)
        response = await self._request("GET", path, params=params, client_timeout=timeout, headers=headers)
        async with response:
            await _raise_for_status(response)
            # Split here what arrived rather than `readline` per line: a long-poll answer holds many lines.
            partial = b""
            while chunk := await self._read_chunk(response):
                *lines, partial = (partial + chunk).split(b"\n")
                self._check_line_length(response, partial)
                for line in lines:
                    self._check_line_length(response, line)
                    yield line.removesuffix(b"\r")
            if partial:
                yield partial.removesuffix(b"\r")

    async def _read_chunk(self, response: aiohttp.ClientResponse) -> bytes:
        try:
            return await response.content.readany()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransportError(f"reading the stream from {response.url} failed: {error!r}") from error

    def _check_line_length(self, response: aiohttp.ClientResponse, line: bytes) -> None:
        if len(line) > self.max_line_bytes:
            error = LineTooLong(line[:100], str(self.max_line_bytes), str(len(line)))
            raise TransportError(f"reading the stream from {response.url} failed: {error!r}")

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: bytes | None = None,
        client_timeout: aiohttp.ClientTimeout | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        url = self.base_url + path
        delays = self.retry.delays()
        while True:
            try:
                return await self._send_once(method, url, params, data, client_timeout, headers)
            except Unreachable as error:
                delay = next(delays, None)
                if delay is None:
                    raise
                logger.warning("%s; retrying in %.2f s", error, delay)
                await asyncio.sleep(delay)

    async def _send_once(
        self,
        method: str,
        url: str,
        params: Params | None,
        data: bytes | None,
        client_timeout: aiohttp.ClientTimeout | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        if self._session is None:
            raise RuntimeError("NodeClient used outside `async with`")
        attempt = _Attempt()
        headers = {**self.headers, **(extra_headers or {})}
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            return await self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=client_timeout or aiohttp.ClientTimeout(total=self.timeout),
                trace_request_ctx=attempt,
            )
        except aiohttp.ClientSSLError as error:
            raise TransportError(f"{method} {url}: TLS handshake failed: {error}") from error
        except aiohttp.ClientConnectorError as error:
            raise Unreachable(f"{method} {url}: cannot connect: {error.os_error!r}") from error
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            if attempt.connected and url.startswith("https:"):
                raise CertificateRejected(
                    f"{method} {url}: the first read after the TLS handshake failed ({error!r}); "
                    "the server most likely rejected our client certificate "
                    "(not issued by the CA it trusts, expired, or none sent)"
                ) from error
            raise TransportError(f"{method} {url}: {error!r}") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransportError(f"{method} {url}: {error!r}") from error


async def _decoded(response: aiohttp.ClientResponse, response_type: type[T]) -> T:
    async with response:
        await _raise_for_status(response)
        try:
            body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransportError(f"reading the answer from {response.url} failed: {error!r}") from error
    try:
        return msgspec.json.decode(body, type=response_type)
    except msgspec.DecodeError as error:
        raise TransportError(f"unexpected answer from {response.url}: {error}") from error


class _ProblemBody(msgspec.Struct):
    message: str


async def _raise_for_status(response: aiohttp.ClientResponse) -> None:
    if response.status < 400:
        return
    body: Any = await response.read()
    try:
        message = msgspec.json.decode(body, type=_ProblemBody).message
    except msgspec.DecodeError:
        message = body.decode(errors="replace")[:500] or response.reason or ""
    raise HttpError(response.status, message)
