"""Fuzz: a real segment (written by JournaledState) changed at random is read as the format promises. A flaw
in the last line is a torn end, cut off; a flaw followed by an intact line is corruption, a Problem naming the
line and its byte offset; random bytes and re-checksummed mutated lines decode or give such a Problem. Nothing
raises; snapshots of mutated elements load or give a Problem."""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from stellwerk.engine.apply import apply_event
from stellwerk.journal.format import (
    ParsedSegment,
    decode_event,
    encode_event,
    encode_line,
    line_payload,
    parse_segment,
)
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.snapshot import load_snapshot, snapshot_objects
from stellwerk.model.problems import Problem
from tests.engine.harness import state_with
from tests.fuzzing import fuzzed, json_values, mutations
from tests.journal.journal_helpers import BASE, ManualClock, open_journal, small_journal, two_step_workflow

_AT_LINE = re.compile(r"line (?P<number>\d+) \(byte offset (?P<offset>\d+)\): \S.*", re.DOTALL)
_NO_EVENTS_SECTION = "the segment ends before its events section"
_SNAPSHOT_PROBLEM = re.compile(r"Snapshot element \d+: \S.*|Snapshot: order .+", re.DOTALL)
KEYS = st.sampled_from(
    ["eventId", "Key", "TYPE", "timestamp", "workflowId", "path", "versionId", "arguments"]
)
VALUES = json_values(keys=KEYS | st.text(max_size=4))


class Segment:
    """The bytes of a real segment, its lines and what it parses to, and the snapshot of its final state."""

    def __init__(self, data: bytes, final_snapshot: list[bytes]) -> None:
        self.data = data
        self.lines = data.splitlines(keepends=True)
        self.offsets = [sum(len(line) for line in self.lines[:index]) for index in range(len(self.lines))]
        parsed = parse_segment(data)
        assert isinstance(parsed, ParsedSegment) and parsed.torn is None, parsed
        self.parsed = parsed
        self.first_event_line = (
            next(n for n, line in enumerate(self.lines) if b"-------EVENTS-------" in line) + 1
        )
        self.final_snapshot = final_snapshot


async def _written_segment(directory: Path) -> Segment:
    await small_journal(directory)
    data = (directory / f"{BASE}--0.journal").read_bytes()
    journaled = await open_journal(directory)
    final_snapshot = snapshot_objects(journaled.state)
    await journaled.close()
    return Segment(data, final_snapshot)


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> Segment:
    directory: Path = tmp_path_factory.mktemp("journal")
    return asyncio.run(_written_segment(directory))


def _assert_precise(result: ParsedSegment | Problem, data: bytes) -> None:
    """A Problem names a line and its byte offset; a parsed segment keeps a prefix and cuts only the rest."""
    if isinstance(result, Problem):
        match = _AT_LINE.fullmatch(result.message)
        assert match or result.message == _NO_EVENTS_SECTION, result.message
        if match:
            lines = data.splitlines(keepends=True)
            assert int(match["offset"]) == sum(len(line) for line in lines[: int(match["number"]) - 1])
        return
    assert result.valid_length <= len(data)
    if result.torn is None:
        assert result.valid_length == len(data)
    else:
        assert result.torn.offset == result.valid_length
        assert result.torn.cut_bytes == len(data) - result.valid_length
    reread = parse_segment(data[: result.valid_length])
    assert isinstance(reread, ParsedSegment) and reread.torn is None
    assert reread.transactions == result.transactions


def _assert_events_survive_encoding_and_replay(result: ParsedSegment | Problem) -> None:
    """Every event accepted is one the journal can write again as the same event, and replaying the events
    on the snapshot (as recovery does) applies them or stops at a Problem."""
    if not isinstance(result, ParsedSegment):
        return
    events = [stamped for transaction in result.transactions for stamped in transaction]
    for stamped in events:
        payload = line_payload(encode_event(stamped).rstrip(b"\n"))
        assert payload is not None and decode_event(payload) == stamped
    state = load_snapshot(result.snapshot)
    if isinstance(state, Problem):
        assert _SNAPSHOT_PROBLEM.fullmatch(state.message), state.message
        return
    for stamped in events:
        if apply_event(state, stamped.keyed) is not None:
            break


def _any_index(data: st.DataObject, sequence: Sequence[Any], start: int = 0) -> int:
    return data.draw(st.integers(min_value=start, max_value=len(sequence) - 1))


@fuzzed(300)
@given(st.binary(max_size=300))
def test_random_bytes_are_a_precise_problem_or_a_segment(data: bytes) -> None:
    _assert_precise(parse_segment(data), data)


@fuzzed(100)
@given(st.binary(min_size=1, max_size=100))
def test_random_bytes_after_the_last_line_are_a_torn_end(segment: Segment, tail: bytes) -> None:
    result = parse_segment(segment.data + tail)
    assert isinstance(result, ParsedSegment), result
    assert result.transactions == segment.parsed.transactions
    assert result.torn is not None and result.torn.offset == len(segment.data)
    assert result.torn.cut_bytes == len(tail)


@fuzzed(200)
@given(st.data())
def test_a_byte_changed_in_a_middle_line_is_corruption_and_in_the_last_line_a_torn_end(
    segment: Segment, data: st.DataObject
) -> None:
    index = _any_index(data, segment.lines)
    line = segment.lines[index]
    position = data.draw(st.integers(min_value=0, max_value=len(line) - 2))  # not the line feed
    replacement = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda b: b not in (line[position], 10))
    )
    changed = bytearray(segment.data)
    changed[segment.offsets[index] + position] = replacement
    result = parse_segment(bytes(changed))
    _assert_precise(result, bytes(changed))
    if index < len(segment.lines) - 1:
        assert isinstance(result, Problem) and result.message.startswith(f"line {index + 1} ("), result
    else:
        assert isinstance(result, ParsedSegment) and result.torn is not None
        assert result.transactions == segment.parsed.transactions[:-1]


def _with_line(segment: Segment, index: int, payload: bytes) -> bytes:
    return b"".join([*segment.lines[:index], encode_line(payload), *segment.lines[index + 1 :]])


@fuzzed(300)
@given(st.data())
def test_a_mutated_event_with_a_good_checksum_decodes_or_is_a_problem_at_its_line(
    segment: Segment, data: st.DataObject
) -> None:
    index = _any_index(data, segment.lines, segment.first_event_line)
    payload = line_payload(segment.lines[index].rstrip(b"\n"))
    assert payload is not None
    mutated = data.draw(mutations(json.loads(payload), VALUES, KEYS | st.text(max_size=4)))
    changed = _with_line(segment, index, json.dumps(mutated).encode())
    result = parse_segment(changed)
    _assert_precise(result, changed)
    _assert_events_survive_encoding_and_replay(result)
    if isinstance(result, Problem):
        assert result.message.startswith(f"line {index + 1} ("), result


@fuzzed(200)
@given(st.data())
def test_lines_dropped_repeated_or_swapped_are_read_or_a_precise_problem(
    segment: Segment, data: st.DataObject
) -> None:
    lines = list(segment.lines)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        index = _any_index(data, lines)
        other = _any_index(data, lines)
        match data.draw(st.sampled_from(["drop", "repeat", "swap"])):
            case "drop":
                del lines[index]
            case "repeat":
                lines.insert(other, lines[index])
            case "swap":
                lines[index], lines[other] = lines[other], lines[index]
        if not lines:
            break
    changed = b"".join(lines)
    result = parse_segment(changed)
    _assert_precise(result, changed)
    _assert_events_survive_encoding_and_replay(result)


def test_the_final_snapshot_holds_the_orders(segment: Segment) -> None:
    state = load_snapshot(segment.final_snapshot)
    assert not isinstance(state, Problem), state
    assert sorted(state.orders) == ["a", "b", "c"]


@fuzzed(200)
@given(st.data())
def test_a_mutated_snapshot_element_loads_or_is_a_problem_naming_it(
    segment: Segment, data: st.DataObject
) -> None:
    elements = list(segment.final_snapshot)
    index = _any_index(data, elements)
    mutated: Any = data.draw(mutations(json.loads(elements[index]), VALUES, KEYS | st.text(max_size=4)))
    elements[index] = json.dumps(mutated).encode()
    result = load_snapshot(elements)
    if isinstance(result, Problem):
        assert _SNAPSHOT_PROBLEM.fullmatch(result.message), result.message
    else:
        reloaded = load_snapshot(snapshot_objects(result))  # what loads is written and loads again alike
        assert not isinstance(reloaded, Problem), reloaded
        assert reloaded.orders == result.orders


def _damaged(segment: Segment) -> st.SearchStrategy[bytes]:
    """The segment cut short, with a byte changed, with bytes appended, or with an event line re-checksummed."""
    offsets = st.integers(min_value=0, max_value=len(segment.data) - 1)
    return st.one_of(
        offsets.map(lambda cut: segment.data[:cut]),
        st.tuples(offsets, st.integers(min_value=1, max_value=255)).map(
            lambda change: _xor(segment.data, *change)
        ),
        st.binary(min_size=1, max_size=40).map(lambda tail: segment.data + tail),
        st.tuples(
            st.integers(min_value=segment.first_event_line, max_value=len(segment.lines) - 1), VALUES
        ).map(lambda change: _with_line(segment, change[0], json.dumps(change[1]).encode())),
    )


def _xor(data: bytes, offset: int, mask: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= mask
    return bytes(changed)


async def _orders_after_opening(directory: Path) -> list[str] | Problem:
    journaled = await JournaledState.open(
        directory, base=BASE, clock=ManualClock(), initial_state=lambda: state_with(two_step_workflow())
    )
    if isinstance(journaled, Problem):
        return journaled
    orders = sorted(journaled.state.orders)
    await journaled.close()
    return orders


@fuzzed(40)
@given(st.data())
def test_a_damaged_journal_file_opens_to_a_prefix_or_is_a_problem_naming_the_file(
    segment: Segment, data: st.DataObject
) -> None:
    """Recovery end to end on a file: it opens (a torn end cut off for good, so opening again gives the
    same state) or stops with a Problem naming the file; it never raises."""
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        path = directory / f"{BASE}--0.journal"
        path.write_bytes(data.draw(_damaged(segment)))
        first = asyncio.run(_orders_after_opening(directory))
        event("a Problem" if isinstance(first, Problem) else "opened")
        if isinstance(first, Problem):
            assert str(path) in first.message, first.message
            return
        assert asyncio.run(_orders_after_opening(directory)) == first
