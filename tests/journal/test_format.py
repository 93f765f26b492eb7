"""The segment format without files: line checksums, event lines, transactions, the torn end at every offset."""

from __future__ import annotations

import zlib
from decimal import Decimal

import msgspec
import pytest

from stellwerk.journal.format import (
    COMMIT,
    EVENTS,
    TRANSACTION,
    JournalHeader,
    ParsedSegment,
    decode_event,
    encode_event,
    encode_line,
    encode_segment_start,
    encode_transaction,
    line_payload,
    parse_segment,
)
from stellwerk.journal.stamped import Stamped
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import WorkflowId

W = WorkflowId(path="W", version_id="v1")
T = 1_714_543_200_000
HEADER = JournalHeader(
    type_name="ControllerState",
    journal_id="j-1",
    event_id=0,
    generation=1,
    total_event_count=0,
    timestamp="2024-05-01T06:00:00.000Z",
)
SNAPSHOT = (b'{"TYPE":"EngineMeta","controllerId":"c"}', b'{"TYPE":"Lock","path":"L1"}')


def stamped(event_id: int, key: str, event: e.Event, timestamp: int | None = None) -> Stamped:
    return Stamped(
        event_id=event_id,
        timestamp=event_id // 1000 if timestamp is None else timestamp,
        keyed=e.KeyedEvent(key, event),
    )


def transactions() -> list[tuple[Stamped, ...]]:
    eid = T * 1000
    return [
        (stamped(eid + 1, "a", e.OrderAdded(workflow_id=W, arguments={"x": Decimal("1.5")})),),
        (stamped(eid + 2, "a", e.OrderStarted()), stamped(eid + 3, "a", e.OrderMoved(to=(1,)))),
        (stamped(eid + 4, "b", e.OrderAdded(workflow_id=W), timestamp=T + 7),),
        tuple(stamped(eid + 5 + n, "b", e.OrderStdoutWritten(chunk=f"line {n}\n")) for n in range(3)),
    ]


def segment_bytes() -> tuple[bytes, list[int]]:
    """The segment and the byte offset where each transaction ends."""
    data = encode_segment_start(HEADER, SNAPSHOT)
    ends = []
    for transaction in transactions():
        data += encode_transaction(transaction)
        ends.append(len(data))
    return data, ends


def parsed(data: bytes) -> ParsedSegment:
    result = parse_segment(data)
    assert not isinstance(result, Problem), result
    return result


def test_a_line_carries_the_crc32_of_its_json() -> None:
    line = encode_line(b'{"a":1}')
    assert line == b'%08x\t{"a":1}\n' % zlib.crc32(b'{"a":1}')
    assert len(line.partition(b"\t")[0]) == 8
    assert line_payload(line[:-1]) == b'{"a":1}'


@pytest.mark.parametrize("position", [0, 7, 8, 9, 12])
def test_any_changed_byte_fails_the_checksum(position: int) -> None:
    line = bytearray(encode_line(b'{"key":"value"}')[:-1])
    line[position] ^= 0x01
    assert line_payload(bytes(line)) is None


def test_an_event_line_is_the_stamped_keyed_event_in_engine_json() -> None:
    event = stamped(T * 1000 + 5, "order-1", e.OrderAdded(workflow_id=W))
    line = encode_event(event)
    payload = line_payload(line[:-1])
    assert payload is not None
    assert msgspec.json.decode(payload) == {
        "eventId": T * 1000 + 5,
        "Key": "order-1",
        "TYPE": "OrderAdded",
        "workflowId": {"path": "W", "versionId": "v1"},
    }
    assert decode_event(payload) == event


def test_the_timestamp_is_written_only_when_it_differs_from_the_event_id() -> None:
    ahead = stamped(T * 1000 + 5, "o", e.OrderStarted(), timestamp=T - 3)
    payload = line_payload(encode_event(ahead)[:-1])
    assert payload is not None
    assert msgspec.json.decode(payload)["timestamp"] == T - 3
    assert decode_event(payload) == ahead


@pytest.mark.parametrize(
    "number",
    # More digits than a float holds: decoding went through float and kept 3.141592653589793.
    [Decimal("0.1"), Decimal("3.14159265358979323846264338327950288"), Decimal("-123456789012345678.5")],
)
def test_decimal_arguments_survive_the_round_trip(number: Decimal) -> None:
    event = stamped(T * 1000, "o", e.OrderAdded(workflow_id=W, arguments={"n": number, "i": 3}))
    payload = line_payload(encode_event(event)[:-1])
    assert payload is not None
    decoded = decode_event(payload)
    assert not isinstance(decoded, Problem)
    assert isinstance(decoded.keyed.event, e.OrderAdded)
    assert decoded.keyed.event.arguments == {"n": number, "i": 3}


def test_one_event_is_a_line_more_are_a_transaction() -> None:
    single, double = transactions()[0], transactions()[1]
    assert encode_transaction(single).count(b"\n") == 1
    lines = encode_transaction(double).splitlines()
    assert [line_payload(lines[0]), line_payload(lines[-1])] == [TRANSACTION, COMMIT]
    assert len(lines) == 4


def test_a_segment_reads_back_whole() -> None:
    data, ends = segment_bytes()
    segment = parsed(data)
    assert segment.header == HEADER
    assert segment.snapshot == SNAPSHOT
    assert list(segment.transactions) == transactions()
    assert (segment.valid_length, segment.torn) == (len(data), None)
    assert segment.last_event_id == transactions()[-1][-1].event_id
    assert segment.event_count == 7


def test_the_journal_torn_at_every_byte_offset_yields_a_prefix_of_the_transactions() -> None:
    data, ends = segment_bytes()
    events_offset = parsed(data).events_offset
    committed = transactions()
    for cut in range(len(data) + 1):
        result = parse_segment(data[:cut])
        if cut < events_offset:
            # Segments are created whole (temp file, fsync, rename): a cut here is corruption, never hidden.
            assert isinstance(result, Problem), cut
            continue
        assert not isinstance(result, Problem), (cut, result)
        complete = sum(1 for end in ends if end <= cut)
        assert list(result.transactions) == committed[:complete], cut
        assert result.valid_length == (ends[complete - 1] if complete else events_offset)
        assert (result.torn is None) == (cut == result.valid_length), cut
        if result.torn is not None:
            assert result.torn.offset == result.valid_length
            assert result.torn.cut_bytes == cut - result.valid_length


def test_a_bad_checksum_on_the_last_complete_line_is_a_torn_end() -> None:
    data, ends = segment_bytes()
    damaged = data[:-3] + b"X" + data[-2:]
    segment = parsed(damaged)
    assert segment.valid_length == ends[-2]
    assert segment.torn is not None
    assert "checksum" in segment.torn.reason


def test_an_unterminated_transaction_at_the_end_is_cut_off_whole() -> None:
    data, ends = segment_bytes()
    without_commit = data[: data.rindex(b"\n", 0, len(data) - 1) + 1]
    segment = parsed(without_commit)
    assert len(segment.transactions) == 3
    assert segment.valid_length == ends[2]
    assert segment.torn is not None and segment.torn.reason == "unterminated transaction"


def _line_start(data: bytes, number: int) -> int:
    offset = 0
    for _ in range(number - 1):
        offset = data.index(b"\n", offset) + 1
    return offset


def test_a_corrupt_line_in_the_middle_is_a_problem_naming_line_and_offset() -> None:
    data, _ = segment_bytes()
    number = 8  # the first event line, followed by good lines
    offset = _line_start(data, number)
    damaged = data[: offset + 12] + b"#" + data[offset + 13 :]
    result = parse_segment(damaged)
    assert isinstance(result, Problem)
    assert f"line {number} (byte offset {offset})" in result.message
    assert "checksum mismatch" in result.message


def test_misplaced_marker_lines_are_problems() -> None:
    start = encode_segment_start(HEADER, SNAPSHOT)
    for body in (
        encode_line(COMMIT),
        encode_line(TRANSACTION) * 2 + encode_line(COMMIT),
        encode_line(EVENTS),
    ):
        assert isinstance(parse_segment(start + body + encode_transaction(transactions()[0])), Problem)


def test_event_ids_must_increase() -> None:
    first = transactions()[0]
    data = encode_segment_start(HEADER, SNAPSHOT) + encode_transaction(first) + encode_transaction(first)
    result = parse_segment(data)
    assert isinstance(result, Problem) and "does not follow" in result.message


def test_an_unknown_event_with_a_good_checksum_is_a_problem_not_a_torn_end() -> None:
    data = encode_segment_start(HEADER, SNAPSHOT) + encode_line(
        b'{"eventId":5,"Key":"x","TYPE":"NoSuchEvent"}'
    )
    result = parse_segment(data)
    assert isinstance(result, Problem) and "Undecodable event" in result.message


@pytest.mark.parametrize(
    ("key", "name"), [(b'["a"]', "array"), (b"{}", "object"), (b"5", "int"), (b"null", "null")]
)
def test_an_event_whose_key_is_not_a_string_is_a_problem(key: bytes, name: str) -> None:
    """A list as Key was decoded as is, and replaying it raised TypeError (unhashable) instead of a Problem."""
    data = encode_segment_start(HEADER, SNAPSHOT) + encode_line(
        b'{"eventId":5,"Key":%s,"TYPE":"OrderStarted"}' % key
    )
    result = parse_segment(data)
    assert isinstance(result, Problem), result
    assert result.message.startswith("line 7 (byte offset ")
    assert result.message.endswith(f"Undecodable event: Expected `str`, got `{name}` - at `$.Key`")
