"""Real receivers of notifications on 127.0.0.1 for the Monitor's tests, each served by a loop in a thread of its
own (usable from sync and async tests alike): an SMTP server (aiosmtpd) keeping the mails it got, and a webhook
(aiohttp) keeping the JSON posted to it and answering with the status the test sets."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, TypeVar

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

T = TypeVar("T")


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Received:
    """What a receiver got; `wait` polls until `count` items are there."""

    items: list[Any] = field(default_factory=list)

    def wait(self, count: int = 1, timeout: float = 30.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.items) < count:
            assert time.monotonic() < deadline, f"waited for {count} items, got {self.items}"
            time.sleep(0.05)
        return list(self.items)


@contextmanager
def _serving(start: Callable[[], Awaitable[T]], stop: Callable[[T], Awaitable[None]]) -> Iterator[T]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(stop(server), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


class _Keeper:
    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.items.append(Mail(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Received]]:
    """An SMTP server: its port and the mails it got."""
    received = Received()

    async def start() -> asyncio.Server:
        loop = asyncio.get_running_loop()
        return await loop.create_server(lambda: SMTP(_Keeper(received)), "127.0.0.1", 0)

    async def stop(server: asyncio.Server) -> None:
        server.close()
        await server.wait_closed()

    with _serving(start, stop) as server:
        yield server.sockets[0].getsockname()[1], received


@dataclass
class Webhook:
    url: str
    received: Received
    status: list[int]  # the statuses to answer, in turn; 200 when used up


@contextmanager
def webhook_server() -> Iterator[Webhook]:
    """A webhook at `url` keeping each JSON body posted (with its headers)."""
    received = Received()
    statuses: list[int] = []

    async def hook(request: web.Request) -> web.Response:
        status = statuses.pop(0) if statuses else 200
        received.items.append((await request.json(), dict(request.headers), status))
        return web.Response(status=status)

    async def start() -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner

    async def stop(runner: web.AppRunner) -> None:
        await runner.cleanup()

    with _serving(start, stop) as runner:
        port = runner.addresses[0][1]
        yield Webhook(f"http://127.0.0.1:{port}/hook", received, statuses)
