"""A TCP load balancer for the tests: each new connection goes to the next backend (round-robin), bytes pass
through untouched, so TLS stays end to end between the Director and the pool member."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Balancer:
    def __init__(self) -> None:
        self.backends: list[tuple[str, int]] = []
        self._next = 0
        self.url = ""

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls) -> AsyncIterator[Balancer]:
        balancer = cls()
        server = await asyncio.start_server(balancer._connected, "127.0.0.1", 0)
        balancer.url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with server:
            yield balancer
            server.close()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.backends:
            writer.close()
            return
        host, port = self.backends[self._next % len(self.backends)]
        self._next += 1
        try:
            backend_reader, backend_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, backend_writer), _pipe(backend_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()
