"""A small Starlette app for the transport tests: who am I, echo, and a line stream the test paces."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import msgspec
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from stellwerk.transport.tls import peer_of


class Whoami(msgspec.Struct, frozen=True):
    subject: str | None
    common_name: str | None
    tls_version: int | None


class Echo(msgspec.Struct, frozen=True):
    text: str
    number: int


class TestApp:
    """The app, and a queue of lines that `/lines` sends one by one; None ends the stream."""

    __test__ = False

    def __init__(self, middleware: Iterable[Middleware] = ()) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        routes = [
            Route("/whoami", self.whoami),
            Route("/echo", self.echo, methods=["POST"]),
            Route("/lines", self.stream),
            Route("/missing-problem", self.problem),
            Route("/gate", self.wait_for_gate),
        ]
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.app = Starlette(routes=routes, middleware=list(middleware))

    async def whoami(self, request: Request) -> Response:
        peer = peer_of(request.scope)
        tls_version = request.scope.get("extensions", {}).get("tls", {}).get("tls_version")
        body = Whoami(peer.subject if peer else None, peer.common_name if peer else None, tls_version)
        return Response(msgspec.json.encode(body), media_type="application/json")

    async def echo(self, request: Request) -> Response:
        echo = msgspec.json.decode(await request.body(), type=Echo)
        return Response(msgspec.json.encode(echo), media_type="application/json")

    async def problem(self, request: Request) -> Response:
        return Response(b'{"TYPE":"Problem","message":"No such thing"}', 404, media_type="application/json")

    async def wait_for_gate(self, request: Request) -> Response:
        self.entered.set()
        await self.gate.wait()
        return Response(b'"passed"', media_type="application/json")

    async def stream(self, request: Request) -> Response:
        return StreamingResponse(self._lines(request.query_params.get("prefix", "")), media_type="text/plain")

    async def _lines(self, prefix: str) -> AsyncIterator[bytes]:
        while (line := await self.lines.get()) is not None:
            yield f"{prefix}{line}\n".encode()
