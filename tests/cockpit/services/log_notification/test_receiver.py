"""The Log Notification service's syslog receiver on loopback: the nodes' handler sends over UDP and TCP (octet
counted), other senders with newline framing; warnings and errors become notifications, the rest does not."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import pytest

from stellwerk.cli.syslog import SyslogHandler, SyslogTarget
from stellwerk.cockpit.services.log_notification.notifications import SystemNotification
from stellwerk.cockpit.services.log_notification.service import LogNotificationService

POLL = 0.01


@pytest.fixture
async def service() -> AsyncIterator[LogNotificationService]:
    receiver = LogNotificationService(lambda: 1_000, capacity=100)
    await receiver.start("127.0.0.1", 0)
    yield receiver
    await receiver.close()


async def received(service: LogNotificationService, count: int) -> list[SystemNotification]:
    async with asyncio.timeout(5):
        while len(entries := service.ring.select()) < count:  # noqa: ASYNC110 - polls what the receiver keeps
            await asyncio.sleep(POLL)
    return entries


def node_logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test.syslog.{name}")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    return logger


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_a_node_s_warnings_and_errors_arrive(service: LogNotificationService, transport: str) -> None:
    assert service.port is not None
    handler = SyslogHandler(SyslogTarget(transport, "127.0.0.1", service.port), "agent", "agentA")
    logger = node_logger(transport, handler)
    try:
        logger.info("not sent: below WARNING")
        logger.warning("disk %s is %d%% full", "/var", 95)
        try:
            raise ValueError("broken")
        except ValueError:
            logger.exception("job failed")
        entries = await received(service, 2)
    finally:
        handler.close()
    error, warning = entries
    assert (warning.type, warning.category, warning.notifier, warning.message, warning.exception) == (
        "WARNING", "AGENT", "agentA", "disk /var is 95% full", None,
    )  # fmt: skip
    assert (error.type, error.message) == ("ERROR", "job failed")
    assert error.exception is not None and error.exception.endswith("ValueError: broken")
    assert warning.created > 1_000  # the sender's time stamp, not the time received


async def test_a_sender_that_starts_before_the_receiver_is_heard_once_it_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = SyslogHandler(SyslogTarget("tcp", "127.0.0.1", port), "controller", "c")
    logger = node_logger("early", handler)
    receiver = LogNotificationService(lambda: 1_000)
    try:
        logger.warning("lost: nobody listens")
        await receiver.start("127.0.0.1", port)
        logger.warning("heard")
        assert [e.message for e in await received(receiver, 1)] == ["heard"]
    finally:
        handler.close()
        await receiver.close()


async def test_newline_framed_rfc_3164_over_tcp(service: LogNotificationService) -> None:
    assert service.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(b"<11>Nov 22 07:58:01 web1 app[1]: one\n<12>two\n<14>info only\n<11>last without LF")
    writer.write_eof()
    await writer.drain()
    entries = await received(service, 3)
    writer.close()
    assert [(e.message, e.notifier, e.category) for e in entries] == [
        ("last without LF", "unknown", "SYSTEM"), ("two", "unknown", "SYSTEM"), ("one", "app", "SYSTEM"),
    ]  # fmt: skip
    assert await reader.read() == b""


async def test_a_broken_tcp_stream_is_disconnected(service: LogNotificationService) -> None:
    assert service.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(b"99999999 <11>too long a frame")
    await writer.drain()
    async with asyncio.timeout(5):
        assert await reader.read() == b""
    writer.close()
    assert service.ring.select() == []
