"""The optional syslog handler of `stellwerk controller` and `stellwerk agent` (`--syslog udp://HOST:PORT` or
`tcp://…`): their warnings and errors go, as RFC 5424 messages, to a syslog receiver such as the Cockpit's Log
Notification service. Each message names the node in the element `stellwerk@32473` (`id`, `logger`); a
traceback follows the message on the next lines. Over TCP the messages are octet-counted (RFC 6587) and a lost
connection is opened again for the next message; a message that cannot be sent is dropped (it is on stderr)."""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import time
from urllib.parse import urlsplit

import click
import msgspec

SD_ID = "stellwerk@32473"  # 32473: RFC 5612's enterprise number for examples; Stellwerk has none of its own
MAX_MESSAGE = 16 * 1024  # a UDP datagram must stay below 64 KB; longer messages are cut
CONNECT_TIMEOUT = 2.0  # seconds
_SCHEMES = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}


class SyslogTarget(msgspec.Struct, frozen=True):
    """Where the messages go."""

    transport: str  # udp | tcp
    host: str
    port: int


def parse_target(text: str) -> SyslogTarget:
    """`udp://HOST:PORT` or `tcp://HOST:PORT`; raises ValueError."""
    parts = urlsplit(text)
    if (
        parts.scheme not in _SCHEMES
        or not parts.hostname
        or parts.port is None
        or parts.path not in ("", "/")
    ):
        raise ValueError(f"{text!r} is not udp://HOST:PORT or tcp://HOST:PORT")
    return SyslogTarget(parts.scheme, parts.hostname, parts.port)


def target_option(_context: click.Context, _param: click.Parameter, value: str | None) -> SyslogTarget | None:
    if value is None:
        return None
    try:
        return parse_target(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _sd_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


class Rfc5424Formatter(logging.Formatter):
    """`1 TIME HOST APP PROCID - [stellwerk@32473 id=… logger=…] MESSAGE` (the `<PRI>` is the handler's)."""

    def __init__(self, app_name: str, node_id: str) -> None:
        super().__init__()
        self._header = f"{socket.gethostname() or '-'} {app_name} {os.getpid()} -"
        self._node = _sd_value(node_id)

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        data = f'[{SD_ID} id="{self._node}" logger="{_sd_value(record.name)}"]'
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        return f"1 {stamp}.{int(record.msecs):03d}Z {self._header} {data} {message}"[:MAX_MESSAGE]


class SyslogHandler(logging.handlers.SysLogHandler):
    """Sends WARNING and above to the target; its socket is opened at the first message (and again after a
    lost TCP connection), not when the handler is made: the receiver may start later."""

    def __init__(self, target: SyslogTarget, app_name: str, node_id: str) -> None:
        self._target = target
        self._connection: socket.socket | None = None
        super().__init__((target.host, target.port), socktype=_SCHEMES[target.transport])
        self.setLevel(logging.WARNING)
        self.setFormatter(Rfc5424Formatter(app_name, node_id))

    def createSocket(self) -> None:
        """Not at once (the stdlib's handler connects in its constructor)."""

    def _connect(self) -> socket.socket:
        target = self._target
        if target.transport == "tcp":
            return socket.create_connection((target.host, target.port), timeout=CONNECT_TIMEOUT)
        family, kind, protocol, _, _ = socket.getaddrinfo(target.host, target.port, 0, socket.SOCK_DGRAM)[0]
        return socket.socket(family, kind, protocol)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            priority = self.encodePriority(self.facility, self.mapPriority(record.levelname))
            payload = f"<{priority}>{self.format(record)}".encode()
        except Exception:
            self.handleError(record)
            return
        try:
            if self._connection is None:
                self._connection = self._connect()
            if self._target.transport == "udp":
                self._connection.sendto(payload, (self._target.host, self._target.port))
            else:
                self._connection.sendall(b"%d %s" % (len(payload), payload))
        except OSError:
            self._drop_connection()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._drop_connection()
        super().close()
