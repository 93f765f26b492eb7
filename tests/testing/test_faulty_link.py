"""The FaultyLink proxy between a client and an echo server that records what reached it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from stellwerk.testing.faulty_link import Direction, FaultyLink


class EchoServer:
    def __init__(self) -> None:
        self.received = bytearray()
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            self.received += data
            writer.write(data)
            await writer.drain()
        writer.close()


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    echo = EchoServer()
    server = await asyncio.start_server(echo._serve, "127.0.0.1", 0)
    echo.port = server.sockets[0].getsockname()[1]
    async with server:
        yield echo


@pytest.fixture
async def link(echo: EchoServer) -> AsyncIterator[FaultyLink]:
    link = FaultyLink("127.0.0.1", echo.port)
    await link.start()
    yield link
    await link.close()


async def exchange(link: FaultyLink, data: bytes, wait: float = 2.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(data)), wait)
    finally:
        writer.transport.abort()


async def test_a_healthy_link_forwards_both_ways(link: FaultyLink, echo: EchoServer) -> None:
    assert await exchange(link, b"hello") == b"hello"
    assert bytes(echo.received) == b"hello"


async def test_a_cut_both_ways_swallows_what_is_sent_and_heal_lets_new_connections_through(
    link: FaultyLink, echo: EchoServer
) -> None:
    link.cut()
    with pytest.raises(TimeoutError):
        await exchange(link, b"lost", wait=0.3)
    assert bytes(echo.received) == b""
    link.heal()
    assert await exchange(link, b"again") == b"again"


async def test_a_cut_of_the_answers_lets_the_request_reach_the_server(
    link: FaultyLink, echo: EchoServer
) -> None:
    link.cut(Direction.BACKWARD)
    with pytest.raises(TimeoutError):
        await exchange(link, b"one way", wait=0.3)
    assert bytes(echo.received) == b"one way"


async def test_healing_resets_a_connection_that_lost_bytes(link: FaultyLink) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
    link.cut(Direction.FORWARD)
    writer.write(b"vanishes")
    await writer.drain()
    await asyncio.sleep(0.1)
    link.heal()
    assert await asyncio.wait_for(reader.read(100), 2) == b""  # closed by the reset, never the lost bytes
    writer.transport.abort()


async def test_a_delay_slows_every_exchange(link: FaultyLink) -> None:
    link.delay = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await exchange(link, b"slow") == b"slow"
    assert loop.time() - started >= 0.4  # there and back


async def test_a_link_to_a_server_that_is_down_refuses_like_the_server(echo: EchoServer) -> None:
    link = FaultyLink("127.0.0.1", 1)  # nothing listens on port 1
    await link.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
        assert await asyncio.wait_for(reader.read(10), 2) == b""
        writer.transport.abort()
    finally:
        await link.close()
