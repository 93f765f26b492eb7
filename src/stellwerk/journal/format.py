"""The segment file format, pure: values to bytes and bytes to values, with the torn end found and measured.

A segment is a sequence of lines. Every line is

    <crc32><TAB><json><LF>

where <crc32> is the 8 lowercase hex digits of `zlib.crc32(<json>)`. The JSON lines are, in order:

1. the header `{"TYPE":"JS7.Journal","typeName":…,"journalId":…,"eventId":…,"generation":…,…}`
2. `"-------SNAPSHOT-------"`, one JSON object per snapshot element, `"-------END OF SNAPSHOT-------"`
3. `"-------EVENTS-------"`, then one stamped event per line, `{"eventId":N,"Key":…,"TYPE":…,…}` (a
   `"timestamp"` only when it differs from eventId / 1000); the events of one transaction of more than one
   event stand between the lines `"TRANSACTION"` and `"COMMIT"`.

Segments are created whole (temp name, fsync, rename), so the header and snapshot are never torn; only the
events section grows, and only its end can be torn by a crash.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import msgspec

from stellwerk.journal.stamped import Stamped
from stellwerk.model.codec import decode_keyed_event, encode_keyed_event
from stellwerk.model.problems import Problem

SNAPSHOT = b'"-------SNAPSHOT-------"'
END_OF_SNAPSHOT = b'"-------END OF SNAPSHOT-------"'
EVENTS = b'"-------EVENTS-------"'
TRANSACTION = b'"TRANSACTION"'
COMMIT = b'"COMMIT"'

_CRC_DIGITS = 8
_TAB = ord("\t")


class JournalHeader(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="JS7.Journal"):
    """The first line of a segment. `event_id` is the last EventId before the segment (its fileEventId);
    `generation` counts the segments of this journal; `timestamp` is when the segment was begun."""

    type_name: str = msgspec.field(name="typeName")
    journal_id: str = msgspec.field(name="journalId")
    event_id: int = msgspec.field(name="eventId")
    generation: int
    total_event_count: int = msgspec.field(name="totalEventCount")
    timestamp: str
    version: str = "1"
    stellwerk_version: str = msgspec.field(default="", name="stellwerkVersion")


class TornTail(msgspec.Struct, frozen=True, kw_only=True):
    """What recovery cut off the end of a segment: from byte `offset` (line `line_number`, 1-based) on."""

    offset: int
    line_number: int
    cut_bytes: int
    reason: str

    def describe(self, file_name: str) -> str:
        return (
            f"{file_name}: cut {self.cut_bytes} bytes from line {self.line_number} "
            f"(byte offset {self.offset}): {self.reason}"
        )


class ParsedSegment(msgspec.Struct, frozen=True, kw_only=True):
    """A segment read up to its last complete transaction. `valid_length` bytes are to be kept."""

    header: JournalHeader
    snapshot: tuple[bytes, ...]
    transactions: tuple[tuple[Stamped, ...], ...]
    events_offset: int
    valid_length: int
    torn: TornTail | None = None

    @property
    def last_event_id(self) -> int:
        return self.transactions[-1][-1].event_id if self.transactions else self.header.event_id

    @property
    def event_count(self) -> int:
        return sum(len(t) for t in self.transactions)


class _Line(NamedTuple):
    number: int
    offset: int
    end: int
    payload: bytes | None  # None: torn or corrupt
    reason: str


class _EventStamp(msgspec.Struct):
    event_id: int = msgspec.field(name="eventId")
    timestamp: int | None = None


_header_decoder = msgspec.json.Decoder(JournalHeader)
_stamp_decoder = msgspec.json.Decoder(_EventStamp)
_encoder = msgspec.json.Encoder()


# Encoding ----------------------------------------------------------------------------------------------------


def encode_line(payload: bytes) -> bytes:
    return b"%08x\t%s\n" % (zlib.crc32(payload), payload)


def iso_timestamp(epoch_ms: int) -> str:
    instant = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_segment_start(header: JournalHeader, snapshot: Sequence[bytes]) -> bytes:
    """Header, snapshot section and the events marker: everything a new segment is created with."""
    lines = [_encoder.encode(header), SNAPSHOT, *snapshot, END_OF_SNAPSHOT, EVENTS]
    return b"".join(encode_line(line) for line in lines)


def encode_event(stamped: Stamped) -> bytes:
    extra: dict[str, Any] = {"eventId": stamped.event_id}
    if stamped.timestamp != stamped.event_id // 1000:
        extra["timestamp"] = stamped.timestamp
    return encode_line(encode_keyed_event(stamped.keyed, **extra))


def encode_transaction(stamped: Sequence[Stamped]) -> bytes:
    """One event as a line; more than one between TRANSACTION and COMMIT (all or nothing on recovery)."""
    if len(stamped) == 1:
        return encode_event(stamped[0])
    events = b"".join(encode_event(s) for s in stamped)
    return encode_line(TRANSACTION) + events + encode_line(COMMIT)


# Decoding ----------------------------------------------------------------------------------------------------


def line_payload(line: bytes) -> bytes | None:
    """The JSON of a complete line (without its LF), or None if the checksum does not match."""
    payload = line[_CRC_DIGITS + 1 :]
    if line[_CRC_DIGITS : _CRC_DIGITS + 1] != b"\t" or line[:_CRC_DIGITS] != b"%08x" % zlib.crc32(payload):
        return None
    return payload


def decode_event(payload: bytes) -> Stamped | Problem:
    try:
        stamp = _stamp_decoder.decode(payload)
        keyed = decode_keyed_event(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return Problem(f"Undecodable event: {error}")
    timestamp = stamp.event_id // 1000 if stamp.timestamp is None else stamp.timestamp
    return Stamped(event_id=stamp.event_id, timestamp=timestamp, keyed=keyed)


def _lines(data: bytes) -> Iterator[_Line]:
    offset = 0
    number = 1
    size = len(data)
    find = data.find
    while offset < size:
        newline = find(b"\n", offset)
        if newline < 0:
            yield _Line(number, offset, size, None, "incomplete line (no line feed)")
            return
        # As line_payload, without copying the line first (recovery reads a million lines and more).
        payload = data[offset + _CRC_DIGITS + 1 : newline]
        intact = (
            newline - offset > _CRC_DIGITS
            and data[offset + _CRC_DIGITS] == _TAB
            and data[offset : offset + _CRC_DIGITS] == b"%08x" % zlib.crc32(payload)
        )
        if intact:
            yield _Line(number, offset, newline + 1, payload, "")
        else:
            yield _Line(number, offset, newline + 1, None, "checksum mismatch")
        offset = newline + 1
        number += 1


def _at(line: _Line, message: str) -> Problem:
    return Problem(f"line {line.number} (byte offset {line.offset}): {message}")


def parse_segment(data: bytes) -> ParsedSegment | Problem:
    """The segment's header, snapshot and complete transactions, and how much of a torn end to cut.

    A bad last line (no line feed, checksum mismatch) and an unterminated TRANSACTION at the end are a torn
    end: they are left out and described in `torn`. A bad line followed by a good one is corruption: a Problem
    naming the line and its byte offset. So is any misplaced or undecodable line with a good checksum.
    """
    lines = _lines(data)
    start = _parse_start(lines)
    if isinstance(start, Problem):
        return start
    header, snapshot, events_offset = start
    events = _parse_events(lines, events_offset, header.event_id, len(data))
    if isinstance(events, Problem):
        return events
    transactions, valid_length, torn = events
    return ParsedSegment(
        header=header,
        snapshot=snapshot,
        transactions=transactions,
        events_offset=events_offset,
        valid_length=valid_length,
        torn=torn,
    )


def _parse_start(lines: Iterator[_Line]) -> tuple[JournalHeader, tuple[bytes, ...], int] | Problem:
    """Header and snapshot section: written whole when the segment was created, so any flaw is corruption."""
    first = next(lines, None)
    if first is None or first.payload is None:
        return _at(first, f"{first.reason} before the events section") if first else _NO_EVENTS_SECTION
    try:
        header = _header_decoder.decode(first.payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return _at(first, f"not a journal header: {error}")
    markers: list[bytes] = []
    second: _Line | None = None
    for line in lines:
        if line.payload is None:
            return _at(line, f"{line.reason} before the events section")
        second = second or line
        if line.payload == EVENTS:
            break
        markers.append(line.payload)
    else:
        return _NO_EVENTS_SECTION
    if len(markers) < 2 or markers[0] != SNAPSHOT or markers[-1] != END_OF_SNAPSHOT:
        return _at(second, "no well-formed snapshot section")
    return header, tuple(markers[1:-1]), line.end


_NO_EVENTS_SECTION = Problem("the segment ends before its events section")


class _EventsParser:
    """The events section as a small state machine: outside or inside a transaction."""

    def __init__(self, valid_length: int, last_event_id: int) -> None:
        self.transactions: list[tuple[Stamped, ...]] = []
        self.valid_length = valid_length
        self.last_event_id = last_event_id
        self.open_transaction: list[Stamped] | None = None
        self.transaction_line: _Line | None = None

    def accept(self, line: _Line, payload: bytes) -> Problem | None:
        if payload == TRANSACTION:
            if self.open_transaction is not None:
                return _at(line, "TRANSACTION inside a transaction")
            self.open_transaction, self.transaction_line = [], line
        elif payload == COMMIT:
            if self.open_transaction is None:
                return _at(line, "COMMIT outside a transaction")
            self._commit(tuple(self.open_transaction), line)
        else:
            stamped = decode_event(payload)
            if isinstance(stamped, Problem):
                return _at(line, stamped.message)
            if stamped.event_id <= self.last_event_id:
                return _at(line, f"EventId {stamped.event_id} does not follow {self.last_event_id}")
            self.last_event_id = stamped.event_id
            if self.open_transaction is not None:
                self.open_transaction.append(stamped)
            else:
                self._commit((stamped,), line)
        return None

    def _commit(self, transaction: tuple[Stamped, ...], line: _Line) -> None:
        if transaction:
            self.transactions.append(transaction)
        self.valid_length = line.end
        self.open_transaction = self.transaction_line = None


def _parse_events(
    lines: Iterator[_Line], events_offset: int, header_event_id: int, data_length: int
) -> tuple[tuple[tuple[Stamped, ...], ...], int, TornTail | None] | Problem:
    parser = _EventsParser(events_offset, header_event_id)
    for line in lines:
        if line.payload is None:
            later_good = next((later for later in lines if later.payload is not None), None)
            if later_good is not None:
                return _at(line, f"{line.reason}, but line {later_good.number} after it is intact")
            cut_line = parser.transaction_line or line
            reason = line.reason if parser.transaction_line is None else f"transaction with {line.reason}"
            return tuple(parser.transactions), parser.valid_length, _torn(cut_line, data_length, reason)
        if problem := parser.accept(line, line.payload):
            return problem
    if parser.transaction_line is not None:
        torn = _torn(parser.transaction_line, data_length, "unterminated transaction")
        return tuple(parser.transactions), parser.valid_length, torn
    return tuple(parser.transactions), parser.valid_length, None


def _torn(first_cut: _Line, data_end: int, reason: str) -> TornTail:
    return TornTail(
        offset=first_cut.offset,
        line_number=first_cut.number,
        cut_bytes=data_end - first_cut.offset,
        reason=reason,
    )
