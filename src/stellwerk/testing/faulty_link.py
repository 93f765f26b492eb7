"""A network link that a test controls: a TCP proxy on loopback between a client and a server, which can cut the
link both ways or one way, delay it, and heal it.

A cut behaves like a lost route, not like a refused connection: bytes sent in a cut direction vanish, new
connections are accepted and then hear nothing, so the peers find out only by their own timeouts, as they would
in a real partition. Healing resets the connections that lost bytes during the cut (their streams are broken
beyond repair, as TCP would have found after its retries) and lets new ones through.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from dataclasses import dataclass, field

_READ_BYTES = 64 << 10


class Direction(enum.Flag):
    """FORWARD: from the client to the server; BACKWARD: the answers."""

    NONE = 0
    FORWARD = enum.auto()
    BACKWARD = enum.auto()
    BOTH = FORWARD | BACKWARD


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    broken: bool = False

    def reset(self) -> None:
        for writer in (self.client, self.server):
            with contextlib.suppress(OSError, RuntimeError):
                writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class FaultyLink:
    """Listens on 127.0.0.1 (`port` once started) and forwards to `target_host:target_port`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.cut_direction = Direction.NONE
        self.delay = 0.0  # seconds added to every forwarded piece, both ways
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()

    async def start(self, port: int = 0) -> int:
        """Listens on `port`, or on `self.port` when set before, or on a free port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port or self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def cut(self, direction: Direction = Direction.BOTH) -> None:
        self.cut_direction = direction

    def heal(self) -> None:
        self.cut_direction = Direction.NONE
        for connection in [c for c in self._connections if c.broken]:
            connection.reset()
            self._connections.discard(connection)

    def reset_all(self) -> None:
        """Resets every open connection (as a restarted router would)."""
        for connection in list(self._connections):
            connection.reset()
        self._connections.clear()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.reset_all()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()  # the server is down: refused, as without the proxy
            return
        connection = _Connection(client_writer, server_writer)
        self._connections.add(connection)
        connection.tasks = [
            asyncio.create_task(self._pump(client_reader, server_writer, Direction.FORWARD, connection)),
            asyncio.create_task(self._pump(server_reader, client_writer, Direction.BACKWARD, connection)),
        ]
        await asyncio.gather(*connection.tasks, return_exceptions=True)
        self._connections.discard(connection)
        connection.reset()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: Direction,
        connection: _Connection,
    ) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(_READ_BYTES):
                if self.delay:
                    await asyncio.sleep(self.delay)
                if direction in self.cut_direction:
                    connection.broken = True
                    continue
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof() and direction not in self.cut_direction:
                writer.write_eof()
