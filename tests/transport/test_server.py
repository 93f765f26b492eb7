"""Running uvicorn inside the caller's loop: ephemeral ports, loopback-only plain HTTP, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket

import pytest
from starlette.applications import Starlette

from stellwerk.transport.client import NodeClient, RetryPolicy, Unreachable
from stellwerk.transport.server import InsecureBindRefused, ServerStartFailed, is_loopback, serve
from tests.transport.apps import TestApp, Whoami
from tests.transport.pki import TestPki

NO_RETRY = RetryPolicy(attempts=1)


async def test_port_0_binds_an_ephemeral_port_and_reads_it_back(pki: TestPki) -> None:
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        assert server.port > 0
        assert server.url == f"https://127.0.0.1:{server.port}"
        with socket.create_connection(("127.0.0.1", server.port)):
            pass


async def test_the_callers_signal_handlers_stay_in_place() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    async with serve(TestApp().app, "127.0.0.1", 0, tls=None, insecure=True):
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


async def test_after_the_block_the_port_is_closed() -> None:
    async with serve(TestApp().app, "127.0.0.1", 0, tls=None, insecure=True) as server:
        url = server.url
    async with NodeClient(url, ssl_context=None, retry=NO_RETRY) as client:
        with pytest.raises(Unreachable):
            await client.get("/whoami", Whoami)


async def test_a_request_in_flight_at_the_exit_is_answered_before_the_server_stops() -> None:
    app = TestApp()
    async with NodeClient("http://127.0.0.1:0", ssl_context=None) as client, asyncio.TaskGroup() as tasks:
        async with serve(app.app, "127.0.0.1", 0, tls=None, insecure=True) as server:
            client.base_url = server.url
            answer = tasks.create_task(client.get("/gate", str))
            await app.entered.wait()
            asyncio.get_running_loop().call_later(0.05, app.gate.set)
        assert answer.done()
        assert answer.result() == "passed"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com", "::"])
async def test_plain_http_refuses_to_bind_a_non_loopback_address(host: str) -> None:
    with pytest.raises(InsecureBindRefused, match="loopback only"):
        async with serve(TestApp().app, host, 0, tls=None, insecure=True):
            pass


async def test_plain_http_must_be_asked_for() -> None:
    with pytest.raises(ValueError, match="no TLS context"):
        async with serve(TestApp().app, "127.0.0.1", 0, tls=None):
            pass


def test_loopback_addresses() -> None:
    assert [is_loopback(host) for host in ("localhost", "127.0.0.1", "127.1.2.3", "::1")] == [True] * 4
    assert [is_loopback(host) for host in ("0.0.0.0", "::", "10.0.0.1", "localhost.example")] == [False] * 4


class FailingLifespan(contextlib.AbstractAsyncContextManager[None]):
    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __aenter__(self) -> None:
        raise RuntimeError("no journal")

    async def __aexit__(self, *exc_info: object) -> None:
        return None


async def test_a_failing_app_startup_raises_server_start_failed() -> None:
    app = Starlette(lifespan=FailingLifespan)
    with pytest.raises(ExceptionGroup) as raised:
        async with serve(app, "127.0.0.1", 0, tls=None, insecure=True):
            pytest.fail("the block must not run")
    assert raised.group_contains(ServerStartFailed)


async def test_a_port_in_use_raises_at_once() -> None:
    async with serve(TestApp().app, "127.0.0.1", 0, tls=None, insecure=True) as server:
        with pytest.raises(OSError, match="in use"):
            async with serve(TestApp().app, "127.0.0.1", server.port, tls=None, insecure=True):
                pass
