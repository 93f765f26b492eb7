"""The node client: msgspec JSON, problems as errors, retries on connect, streamed lines."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest

from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy, TransportError, Unreachable
from stellwerk.transport.server import serve
from tests.transport.apps import Echo, TestApp
from tests.transport.pki import TestPki

NO_RETRY = RetryPolicy(attempts=1)
STEP = 5  # an upper bound for one step; the steps take milliseconds


async def test_a_struct_posted_comes_back_decoded(pki: TestPki) -> None:
    async with (
        serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server,
        NodeClient(server.url, ssl_context=pki.client_context("controller")) as client,
    ):
        assert await client.post("/echo", Echo("ä\n", 7), Echo) == Echo("ä\n", 7)


async def test_an_error_status_raises_with_the_problem_message() -> None:
    async with (
        serve(TestApp().app, "127.0.0.1", 0, tls=None, insecure=True) as server,
        NodeClient(server.url, ssl_context=None) as client,
    ):
        with pytest.raises(HttpError, match="HTTP 404: No such thing") as raised:
            await client.get("/missing-problem", Echo)
        with pytest.raises(HttpError, match="HTTP 404: Not Found"):
            await client.get("/nowhere", Echo)
    assert raised.value.status == 404


async def test_lines_are_delivered_as_they_are_sent(pki: TestPki) -> None:
    app = TestApp()
    async with (
        serve(app.app, "127.0.0.1", 0, tls=pki.server_context()) as server,
        NodeClient(server.url, ssl_context=pki.client_context("controller")) as client,
    ):
        async with contextlib.aclosing(client.stream_lines("/lines", {"prefix": "event "})) as lines:
            # The server sends the next line only after the client got the previous one:
            # a client that buffered to the end would wait here until the timeout.
            for text in ("1", "2", "3"):
                app.lines.put_nowait(text)
                assert await asyncio.wait_for(anext(lines), STEP) == f"event {text}".encode()
            app.lines.put_nowait(None)
            assert [line async for line in lines] == []


async def test_many_lines_at_once_come_one_by_one_and_a_too_long_one_fails() -> None:
    app = TestApp()
    async with (
        serve(app.app, "127.0.0.1", 0, tls=None, insecure=True) as server,
        NodeClient(server.url, ssl_context=None, max_line_bytes=100) as client,
    ):
        for index in range(1000):
            app.lines.put_nowait(f"line {index}")
        app.lines.put_nowait("x" * 101)
        received: list[bytes] = []
        with pytest.raises(TransportError, match="LineTooLong"):
            async with contextlib.aclosing(client.stream_lines("/lines")) as lines:
                async for line in lines:
                    received.append(line)  # noqa: PERF401 (the lines before the failure are wanted)
        assert received == [f"line {index}".encode() for index in range(1000)]


async def test_a_stream_closed_early_frees_the_server() -> None:
    app = TestApp()
    loop = asyncio.get_running_loop()
    async with (
        serve(app.app, "127.0.0.1", 0, tls=None, insecure=True, graceful_timeout=STEP) as server,
        NodeClient(server.url, ssl_context=None) as client,
    ):
        async with contextlib.aclosing(client.stream_lines("/lines")) as lines:
            app.lines.put_nowait("only")
            assert await anext(lines) == b"only"
        closed = loop.time()
    # Leaving `serve` waits for open connections: an unclosed stream would hold it for STEP seconds.
    assert loop.time() - closed < STEP / 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_retries_reach_a_server_that_starts_late(pki: TestPki) -> None:
    port = free_port()
    retry = RetryPolicy(attempts=50, first_delay=0.02, max_delay=0.1)
    async with NodeClient(
        f"https://127.0.0.1:{port}", ssl_context=pki.client_context("c"), retry=retry
    ) as client:
        answer = asyncio.create_task(client.post("/echo", Echo("late", 1), Echo))
        await asyncio.sleep(0.3)  # several refused attempts
        assert not answer.done()
        async with serve(TestApp().app, "127.0.0.1", port, tls=pki.server_context()):
            assert await asyncio.wait_for(answer, STEP) == Echo("late", 1)


async def test_retries_are_bounded() -> None:
    retry = RetryPolicy(attempts=3, first_delay=0.01)
    async with NodeClient(f"http://127.0.0.1:{free_port()}", ssl_context=None, retry=retry) as client:
        with pytest.raises(Unreachable, match="cannot connect"):
            await client.get("/whoami", Echo)


def test_the_backoff_grows_exponentially_with_jitter_up_to_a_bound() -> None:
    policy = RetryPolicy(attempts=8, first_delay=0.1, max_delay=1.0, multiplier=2.0, jitter=0.25)
    delays = list(policy.delays())
    bounds = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert len(delays) == len(bounds)
    assert all(0.75 * bound <= delay <= bound for delay, bound in zip(delays, bounds, strict=True))


def test_https_without_a_context_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an ssl_context"):
        NodeClient("https://agent:4443", ssl_context=None)
