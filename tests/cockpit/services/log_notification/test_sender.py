"""The nodes' side: `--syslog` targets, and RFC 5424 lines that the Cockpit's parser reads back exactly."""

from __future__ import annotations

import logging

import pytest

from stellwerk.cli.syslog import Rfc5424Formatter, SyslogTarget, parse_target
from stellwerk.cockpit.services.log_notification.notifications import SD_ID
from stellwerk.cockpit.services.log_notification.syslog import SyslogMessage, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("udp://127.0.0.1:514", SyslogTarget("udp", "127.0.0.1", 514)),
        ("tcp://localhost:6514/", SyslogTarget("tcp", "localhost", 6514)),
        ("tcp://[::1]:514", SyslogTarget("tcp", "::1", 514)),
    ],
)
def test_targets(text: str, expected: SyslogTarget) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["127.0.0.1:514", "http://h:1", "udp://h", "udp://:514", "tcp://h:1/x"])
def test_bad_targets(text: str) -> None:
    with pytest.raises(ValueError, match="udp://HOST:PORT"):
        parse_target(text)


def test_what_the_formatter_writes_the_parser_reads_back() -> None:
    record = logging.LogRecord('odd]"name\\', logging.ERROR, __file__, 1, "a [bracketed] message", None, None)
    line = Rfc5424Formatter("agent", 'node "x"]').format(record)
    parsed = parse(b"<11>" + line.encode(), 0)
    assert isinstance(parsed, SyslogMessage)
    assert parsed.structured_data == {SD_ID: {"id": 'node "x"]', "logger": 'odd]"name\\'}}
    assert (parsed.app_name, parsed.severity, parsed.message) == ("agent", 3, "a [bracketed] message")
    assert parsed.time == int(record.created * 1000)
