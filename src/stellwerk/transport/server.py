"""Run an ASGI app on uvicorn inside the caller's event loop, as one task of a TaskGroup."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Generator

import uvicorn
from starlette.types import ASGIApp

from stellwerk.transport.tls import PeerCertificateProtocol


class ServerStartFailed(RuntimeError):
    """The server did not start: uvicorn reported a startup failure (e.g. the app's lifespan failed)."""


class InsecureBindRefused(ValueError):
    """Plain HTTP was asked for on an address that is not loopback."""


class RunningServer:
    """A started server: where it listens. Leaving `serve` stops it."""

    def __init__(self, host: str, port: int, scheme: str) -> None:
        self.host = host
        self.port = port
        self.scheme = scheme

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers (the service owns signals) and with a startup event."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.started_event = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.started_event.set()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextlib.asynccontextmanager
async def serve(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None,
    insecure: bool = False,
    graceful_timeout: int = 5,
) -> AsyncIterator[RunningServer]:
    """Serve `app` on host:port (0 = an ephemeral port, read back into `server.port`) until the block exits.

    `tls` is a `tls.server_context(...)`; plain HTTP needs `tls=None, insecure=True` and a loopback host.
    The socket is bound before this yields, so a bind error raises here. On exit the server stops
    accepting, lets running requests finish for up to `graceful_timeout` seconds, then cancels them.
    The server runs in a TaskGroup of its own: a failed startup (the app's lifespan failed) raises an
    ExceptionGroup holding `ServerStartFailed`, and a server failure while the block runs cancels the block.
    """
    _check_security(host, tls, insecure)
    listener = socket.create_server((host, port), family=_family(host))
    server = _EmbeddedServer(_config(app, tls, graceful_timeout))
    async with asyncio.TaskGroup() as task_group:
        task = task_group.create_task(_run(server, listener))
        if not await _started(server, task):
            return  # the TaskGroup raises the task's ServerStartFailed
        try:
            yield RunningServer(host, listener.getsockname()[1], "https" if tls else "http")
        finally:
            server.should_exit = True
            # Awaited here, not left to the TaskGroup, so that an error in the block still stops gracefully.
            await asyncio.wait([task])


def _check_security(host: str, tls: ssl.SSLContext | None, insecure: bool) -> None:
    if tls is not None and insecure:
        raise ValueError("either a TLS context or insecure=True, not both")
    if tls is None and not insecure:
        raise ValueError("no TLS context: pass tls=server_context(...), or insecure=True on loopback")
    if insecure and not is_loopback(host):
        raise InsecureBindRefused(f"plain HTTP (insecure) is allowed on loopback only, not on {host!r}")


def _family(host: str) -> socket.AddressFamily:
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).version == 6:
            return socket.AF_INET6
    return socket.AF_INET


def _config(app: ASGIApp, tls: ssl.SSLContext | None, graceful_timeout: int) -> uvicorn.Config:
    factory: Callable[[uvicorn.Config, Callable[[], ssl.SSLContext]], ssl.SSLContext] | None = None
    if tls is not None:
        factory = lambda _config, _default: tls  # noqa: E731
    return uvicorn.Config(
        app,
        http=PeerCertificateProtocol,
        ws="none",  # websocket upgrades would bypass the peer-certificate hook; no service needs them
        lifespan="auto",
        log_config=None,  # the service configures logging, uvicorn must not replace it
        access_log=False,
        ssl_context_factory=factory,
        timeout_graceful_shutdown=graceful_timeout,
    )


async def _run(server: _EmbeddedServer, listener: socket.socket) -> None:
    try:
        await server.serve(sockets=[listener])
    except SystemExit as exit_:
        # uvicorn calls sys.exit on a failed startup; SystemExit must not escape a task into the loop.
        raise ServerStartFailed(f"uvicorn failed to start (exit code {exit_.code})") from None
    finally:
        for started in getattr(server, "servers", []):
            started.close()
        listener.close()


async def _started(server: _EmbeddedServer, task: asyncio.Task[None]) -> bool:
    started = asyncio.ensure_future(server.started_event.wait())
    try:
        await asyncio.wait([started, task], return_when=asyncio.FIRST_COMPLETED)
    finally:
        started.cancel()
    return server.started_event.is_set()
