"""The Log Notification service: a syslog receiver on UDP and TCP (the same port number, loopback by default)
for the warnings and errors of Controllers and Agents (`stellwerk controller|agent --syslog …`); it keeps the
latest of them as system notifications in memory, for `/joc/api/monitoring/sysnotifications`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from stellwerk.cockpit.services.log_notification.notifications import NotificationRing
from stellwerk.cockpit.services.log_notification.syslog import frames, parse
from stellwerk.model.problems import Problem

logger = logging.getLogger(__name__)
BIND_ATTEMPTS = 5  # with port 0, how often to look for a number free on both UDP and TCP
MAX_BUFFER = 256 * 1024  # unframed bytes a TCP sender may have pending before it is disconnected


class LogNotificationService:
    """Receives syslog messages after `start`; `ring` holds the notifications made of them."""

    def __init__(self, clock: Callable[[], int], capacity: int = 1000) -> None:
        self._clock = clock
        self.ring = NotificationRing(capacity)
        self.port: int | None = None
        self._server: asyncio.Server | None = None
        self._datagrams: asyncio.DatagramTransport | None = None

    async def start(self, host: str, port: int) -> int:
        """Listens on TCP and UDP `host:port` (0: a free number for both); returns the port."""
        loop = asyncio.get_running_loop()
        for attempt in range(BIND_ATTEMPTS):
            server = await loop.create_server(lambda: _Stream(self.receive), host, port)
            bound: int = server.sockets[0].getsockname()[1]
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self.receive), local_addr=(host, bound)
                )
            except OSError:
                server.close()
                await server.wait_closed()
                if port != 0 or attempt == BIND_ATTEMPTS - 1:
                    raise
                continue
            self._server, self._datagrams, self.port = server, transport, bound
            logger.info("Log notifications: syslog on UDP and TCP %s:%d", host, bound)
            return bound
        raise AssertionError("unreachable")  # pragma: no cover

    def receive(self, data: bytes) -> None:
        """One received message (a datagram or a TCP frame)."""
        now = self._clock()
        message = parse(data, now)
        if isinstance(message, Problem):
            logger.debug("Log notifications: %s", message.message)
            return
        self.ring.add(message, now)

    async def close(self) -> None:
        if self._datagrams is not None:
            self._datagrams.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receive: Callable[[bytes], None]) -> None:
        self._receive = receive

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._receive(data)


class _Stream(asyncio.Protocol):
    """One TCP sender: its bytes split into messages by octet counting or trailing LF/NUL."""

    def __init__(self, receive: Callable[[bytes], None]) -> None:
        self._receive = receive
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        split = frames(self._buffer + data)
        if isinstance(split, Problem) or len(split[1]) > MAX_BUFFER:
            logger.warning(
                "Log notifications: a TCP sender is disconnected: %s", getattr(split, "message", "too long")
            )
            self._buffer = b""
            if self._transport is not None:
                self._transport.close()
            return
        messages, self._buffer = split
        for message in messages:
            self._receive(message)

    def eof_received(self) -> bool | None:
        if self._buffer.strip(b"\r\n\x00"):  # a last frame without its LF
            self._receive(self._buffer)
        self._buffer = b""
        return None
