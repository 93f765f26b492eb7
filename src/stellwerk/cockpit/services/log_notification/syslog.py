"""Syslog messages as the Log Notification service receives them (pure): one message parsed as RFC 5424 or, failing
that, as RFC 3164 (BSD syslog, also a bare `<PRI>text`), and a TCP byte stream split into messages by
octet-counting (`LEN SP MSG`, RFC 6587) or by a trailing LF or NUL (non-transparent framing)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import msgspec

from stellwerk.model.problems import Problem

NIL = "-"
MAX_FRAME = 64 * 1024  # longer octet-counted frames are refused: the stream cannot be trusted any more
_PRI = re.compile(rb"^<(\d{1,3})>")
_RFC3164_TIME = re.compile(r"^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) ")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TAG = re.compile(r"^([^\s:\[]{1,48})(?:\[([^\]]*)\])?: ?")
_SD_PARAM = re.compile(r' ([^ =\]"]+)="((?:[^"\\]|\\.)*)"')
_SD_UNESCAPE = re.compile(r"\\([\"\\\]])")


class SyslogMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A received message; `time` in epoch milliseconds (None when it had none); absent fields are None."""

    facility: int
    severity: int  # 0 emergency … 3 error, 4 warning, 5 notice, 6 informational, 7 debug
    time: int | None = None
    hostname: str | None = None
    app_name: str | None = None
    proc_id: str | None = None
    msg_id: str | None = None
    structured_data: dict[str, dict[str, str]] = {}
    message: str = ""


def parse(data: bytes, now_ms: int) -> SyslogMessage | Problem:
    """One message; `now` gives the year of an RFC 3164 time stamp (which has none)."""
    pri = _PRI.match(data)
    if pri is None or int(pri[1]) > 191:
        return Problem(f"Not a syslog message (no <PRI> from 0 to 191): {data[:40]!r}")
    facility, severity = divmod(int(pri[1]), 8)
    text = data[pri.end() :].decode("utf-8", errors="replace").rstrip("\r\n\x00")
    if text.startswith("1 "):
        parsed = _rfc5424(text[2:], facility, severity)
        if not isinstance(parsed, Problem):
            return parsed
    return _rfc3164(text, facility, severity, now_ms)


def _rfc5424(text: str, facility: int, severity: int) -> SyslogMessage | Problem:
    fields = text.split(" ", 5)
    if len(fields) < 6:
        return Problem("RFC 5424: fewer than six header fields")
    stamp, hostname, app_name, proc_id, msg_id, rest = fields
    time = _rfc5424_time(stamp)
    if isinstance(time, Problem):
        return time
    data = _structured_data(rest)
    if isinstance(data, Problem):
        return data
    elements, message = data
    return SyslogMessage(
        facility=facility,
        severity=severity,
        time=time,
        hostname=_value(hostname),
        app_name=_value(app_name),
        proc_id=_value(proc_id),
        msg_id=_value(msg_id),
        structured_data=elements,
        message=message.removeprefix("\ufeff"),
    )


def _value(field: str) -> str | None:
    return None if field == NIL else field


def _rfc5424_time(stamp: str) -> int | None | Problem:
    if stamp == NIL:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return Problem(f"RFC 5424: {stamp!r} is no time stamp")
    if moment.tzinfo is None:
        return Problem(f"RFC 5424: the time stamp {stamp!r} has no offset")
    return int(moment.timestamp() * 1000)


def _structured_data(text: str) -> tuple[dict[str, dict[str, str]], str] | Problem:
    """The SD elements at the start of `text` and the message after them."""
    if text == NIL or text.startswith(NIL + " "):
        return {}, text[2:]
    elements: dict[str, dict[str, str]] = {}
    rest = text
    while rest.startswith("["):
        end = _element_end(rest)
        if end is None:
            return Problem("RFC 5424: an SD element is not closed")
        sd_id, _, params = rest[1:end].partition(" ")
        elements[sd_id] = {
            name: _SD_UNESCAPE.sub(r"\1", value) for name, value in _SD_PARAM.findall(" " + params)
        }
        rest = rest[end + 1 :]
    if not elements:
        return Problem("RFC 5424: neither structured data nor '-'")
    return elements, rest.removeprefix(" ")


def _element_end(text: str) -> int | None:
    """The index of the `]` closing the element that starts `text` (a `]` in a quoted value is escaped)."""
    quoted = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "]" and not quoted:
            return index
    return None


def _rfc3164(text: str, facility: int, severity: int, now_ms: int) -> SyslogMessage:
    stamp = _RFC3164_TIME.match(text)
    if stamp is None:  # a bare `<PRI>text`, as Python's SysLogHandler sends by default
        return SyslogMessage(facility=facility, severity=severity, message=text)
    month = _MONTHS.index(stamp[1]) + 1 if stamp[1] in _MONTHS else 1
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    numbers = (int(stamp[2]), int(stamp[3]), int(stamp[4]), int(stamp[5]))
    moment = _in_year(now.year, month, numbers)
    if moment is not None and moment.timestamp() * 1000 > now_ms + 86_400_000:  # December's, read in January
        moment = _in_year(now.year - 1, month, numbers)
    hostname, _, rest = text[stamp.end() :].partition(" ")
    tag = _TAG.match(rest)
    return SyslogMessage(
        facility=facility,
        severity=severity,
        time=None if moment is None else int(moment.timestamp() * 1000),
        hostname=hostname or None,
        app_name=tag[1] if tag else None,
        proc_id=tag[2] if tag else None,
        message=rest[tag.end() :] if tag else rest,
    )


def _in_year(year: int, month: int, numbers: tuple[int, int, int, int]) -> datetime | None:
    day, hour, minute, second = numbers
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 29 February of another year, or a field out of range
        return None


def frames(buffer: bytes) -> tuple[list[bytes], bytes] | Problem:
    """The complete messages at the start of a TCP stream's `buffer` and the bytes left for later. A frame that
    starts with a digit is octet-counted, one that starts with `<` ends at LF or NUL."""
    messages: list[bytes] = []
    rest = buffer
    while rest:
        if rest[:1].isdigit():
            length, space, after = rest.partition(b" ")
            if not space:
                if len(rest) > 10:
                    return Problem("Octet counting: no space after the length")
                break
            if not length.isdigit() or int(length) > MAX_FRAME:
                return Problem(f"Octet counting: bad length {length[:12]!r}")
            if len(after) < int(length):
                break
            messages.append(after[: int(length)])
            rest = after[int(length) :]
        elif rest[:1] in (b"\n", b"\r", b"\x00"):
            rest = rest[1:]
        else:
            end = min((i for i in (rest.find(b"\n"), rest.find(b"\x00")) if i >= 0), default=-1)
            if end < 0:
                if len(rest) > MAX_FRAME:
                    return Problem("A syslog message without an end longer than 64 KB")
                break
            messages.append(rest[:end])
            rest = rest[end + 1 :]
    return messages, rest
