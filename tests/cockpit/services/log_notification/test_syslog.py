"""Parsing syslog messages (RFC 5424, RFC 3164, a bare `<PRI>text`) and splitting a TCP stream into them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stellwerk.cockpit.services.log_notification.syslog import SyslogMessage, frames, parse
from stellwerk.model.problems import Problem

NOW = int(datetime(2026, 11, 22, 8, 0, tzinfo=UTC).timestamp() * 1000)


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            (
                b'<12>1 2026-11-22T07:59:58.123Z host controller 4711 - [stellwerk@32473 id="e2e" '
                b'logger="stellwerk.controller.agent_driver"] Agent agentA: coupling failed'
            ),
            SyslogMessage(
                facility=1, severity=4, time=ms("2026-11-22T07:59:58.123+00:00"), hostname="host",
                app_name="controller", proc_id="4711",
                structured_data={"stellwerk@32473": {"id": "e2e", "logger": "stellwerk.controller.agent_driver"}},
                message="Agent agentA: coupling failed",
            ),
        ),
        (  # RFC 5424's example 1: no structured data, a BOM before the message
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed".encode(),
            SyslogMessage(
                facility=4, severity=2, time=ms("2003-10-11T22:14:15.003+00:00"),
                hostname="mymachine.example.com", app_name="su", msg_id="ID47", message="'su root' failed",
            ),
        ),
        (  # RFC 5424's example 4: two elements, an offset, escaped characters in a value, no message
            b'<165>1 2003-10-11T22:14:15.003-07:00 - evntslog - - [a@1 x="1"][b@2 q="say \\"hi\\" \\]"]',
            SyslogMessage(
                facility=20, severity=5, time=ms("2003-10-11T22:14:15.003-07:00"), app_name="evntslog",
                structured_data={"a@1": {"x": "1"}, "b@2": {"q": 'say "hi" ]'}},
            ),
        ),
        (  # a multi-line message (a traceback) and a trailing newline
            b"<11>1 - - agent - - - failed\nTraceback (most recent call last):\n",
            SyslogMessage(
                facility=1, severity=3, app_name="agent", message="failed\nTraceback (most recent call last):"
            ),
        ),
        (  # RFC 3164 with a tag and pid; the year is now's
            b"<13>Nov 22 07:58:01 web1 sshd[812]: Connection closed",
            SyslogMessage(
                facility=1, severity=5, time=ms("2026-11-22T07:58:01+00:00"), hostname="web1",
                app_name="sshd", proc_id="812", message="Connection closed",
            ),
        ),
        (  # RFC 3164 in January of a message from December: last year's
            b"<13>Dec 31 23:59:59 web1 cron: done",
            SyslogMessage(
                facility=1, severity=5, time=ms("2025-12-31T23:59:59+00:00"), hostname="web1",
                app_name="cron", message="done",
            ),
        ),
        (  # a bare <PRI>text (Python's SysLogHandler, NUL-terminated)
            b"<12>something odd\x00",
            SyslogMessage(facility=1, severity=4, message="something odd"),
        ),
        (  # version 1 but a broken header: read as RFC 3164 text
            b"<12>1 yesterday h a p m - text",
            SyslogMessage(facility=1, severity=4, message="1 yesterday h a p m - text"),
        ),
    ],
)  # fmt: skip
def test_messages(data: bytes, expected: SyslogMessage) -> None:
    now = int(datetime(2026, 1, 2, tzinfo=UTC).timestamp() * 1000) if b"Dec 31" in data else NOW
    assert parse(data, now) == expected


@pytest.mark.parametrize("data", [b"no priority", b"<192>1 - - - - - -", b"<abc>x", b""])
def test_not_syslog(data: bytes) -> None:
    assert isinstance(parse(data, NOW), Problem)


@pytest.mark.parametrize(
    ("stream", "messages", "rest"),
    [
        (b"5 <1>ab3 <2>", [b"<1>ab", b"<2>"], b""),  # octet counting, back to back
        (b"10 <1>a\nb\nc\nd4 <2>", [b"<1>a\nb\nc\nd"], b"4 <2>"),  # newlines inside a counted frame
        (b"<1>a\n<2>b\x00<3>c", [b"<1>a", b"<2>b"], b"<3>c"),  # LF or NUL ends a frame
        (b"<1>a\r\n\n<2>b\n", [b"<1>a\r", b"<2>b"], b""),  # empty lines between frames are skipped
        (b"12", [], b"12"),  # the length, not yet its space
        (b"", [], b""),
    ],
)
def test_tcp_frames(stream: bytes, messages: list[bytes], rest: bytes) -> None:
    assert frames(stream) == (messages, rest)


@pytest.mark.parametrize("stream", [b"99999999 <1>", b"12345678901234", b"1x2 <1>"])
def test_a_broken_stream_is_a_problem(stream: bytes) -> None:
    assert isinstance(frames(stream), Problem)
