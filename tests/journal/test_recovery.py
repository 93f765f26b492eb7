"""Recovery from real files: after a clean close, after a crash torn anywhere, and a corrupt middle."""

from __future__ import annotations

import shutil
from pathlib import Path

from stellwerk.journal.format import encode_line
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.recovery import Recovered, recover
from stellwerk.journal.segments import SegmentDirectory
from stellwerk.journal.stamped import Stamped
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from tests.journal.journal_helpers import BASE, ManualClock, encoded_orders, open_journal, small_journal


def _recovered(directory: Path) -> Recovered:
    result = recover(SegmentDirectory(directory, BASE))
    assert isinstance(result, Recovered), result
    return result


async def test_a_cleanly_closed_journal_recovers_the_same_state(tmp_path: Path) -> None:
    committed = await small_journal(tmp_path)
    recovered = _recovered(tmp_path)
    assert list(recovered.parsed.transactions) == committed
    assert recovered.warnings == ()
    journaled = await open_journal(tmp_path)
    assert sorted(journaled.state.orders) == ["a", "b", "c"]
    assert all(order.deletion_marked for order in journaled.state.orders.values())
    assert journaled.last_event_id == committed[-1][-1].event_id
    await journaled.close()


async def test_the_journal_torn_at_every_byte_offset_recovers_a_prefix_of_the_transactions(
    tmp_path: Path,
) -> None:
    original = tmp_path / "original"
    original.mkdir()
    committed = await small_journal(original)
    source = original / f"{BASE}--0.journal"
    data = source.read_bytes()
    events_offset = _recovered(original).parsed.events_offset
    ends = _transaction_ends(data, committed)
    assert ends[-1] == len(data)
    torn = tmp_path / "torn"
    torn.mkdir()
    for cut in range(events_offset, len(data) + 1):
        (torn / source.name).write_bytes(data[:cut])
        recovered = _recovered(torn)
        complete = sum(1 for end in ends if end <= cut)
        assert list(recovered.parsed.transactions) == committed[:complete], cut
        kept = (torn / source.name).stat().st_size
        assert kept == recovered.parsed.valid_length <= cut
        assert bool(recovered.warnings) == (kept < cut), cut


def _transaction_ends(data: bytes, committed: list[tuple[Stamped, ...]]) -> list[int]:
    ends = []
    for transaction in committed:
        line_end = data.index(b"\n", data.index(b'"eventId":%d' % transaction[-1].event_id)) + 1
        if len(transaction) > 1:
            line_end = data.index(b"\n", line_end) + 1  # the COMMIT line
        ends.append(line_end)
    return ends


async def test_a_torn_journal_reopens_with_the_state_of_the_committed_prefix(tmp_path: Path) -> None:
    original = tmp_path / "original"
    original.mkdir()
    committed = await small_journal(original)
    data = (original / f"{BASE}--0.journal").read_bytes()
    ends = _transaction_ends(data, committed)
    for number, cut in enumerate([ends[0] + 5, ends[1] - 3, ends[2] + 1, len(data) - 1]):
        directory = tmp_path / f"cut{number}"
        directory.mkdir()
        (directory / f"{BASE}--0.journal").write_bytes(data[:cut])
        journaled = await open_journal(directory)
        complete = sum(1 for end in ends if end <= cut)
        assert journaled.warnings and "Torn journal end cut off" in journaled.warnings[0]
        assert journaled.last_event_id == committed[complete - 1][-1].event_id
        expected = await open_journal(
            _copy_prefix(original, tmp_path / f"expected{number}", data[: ends[complete - 1]])
        )
        assert encoded_orders(journaled.state) == encoded_orders(expected.state)
        await journaled.close()
        await expected.close()


def _copy_prefix(original: Path, directory: Path, data: bytes) -> Path:
    shutil.copytree(original, directory)
    (directory / f"{BASE}--0.journal").write_bytes(data)
    return directory


async def test_a_corrupt_middle_line_stops_recovery_with_a_clear_problem(tmp_path: Path) -> None:
    await small_journal(tmp_path)
    path = tmp_path / f"{BASE}--0.journal"
    data = path.read_bytes()
    offset = data.index(b'"Key":"b"')
    line_start = data.rindex(b"\n", 0, offset) + 1
    line_number = data[:line_start].count(b"\n") + 1
    path.write_bytes(data[:offset] + b'"Key":"B"' + data[offset + 9 :])
    result = await JournaledState.open(tmp_path, base=BASE, clock=ManualClock())
    assert isinstance(result, Problem)
    assert str(path) in result.message
    assert f"line {line_number} (byte offset {line_start})" in result.message
    assert path.read_bytes()[:offset] == data[:offset]  # nothing cut


async def test_a_good_line_with_a_key_that_is_not_a_string_stops_recovery_with_a_problem(
    tmp_path: Path,
) -> None:
    await small_journal(tmp_path)
    path = tmp_path / f"{BASE}--0.journal"
    data = path.read_bytes()
    line = encode_line(b'{"eventId":%d,"Key":["a"],"TYPE":"OrderDeletionMarked"}' % (2**62))
    path.write_bytes(data + line)
    result = await JournaledState.open(tmp_path, base=BASE, clock=ManualClock())
    assert isinstance(result, Problem), result
    assert str(path) in result.message and f"(byte offset {len(data)})" in result.message


async def test_event_ids_keep_increasing_across_restarts_even_when_the_clock_goes_back(
    tmp_path: Path,
) -> None:
    committed = await small_journal(tmp_path)
    clock = ManualClock(1_000)  # long before the journal's events
    journaled = await open_journal(tmp_path, clock)
    workflow_id = journaled.state.latest_workflow["W"]
    stamped = await journaled.persist([e.KeyedEvent("d", e.OrderAdded(workflow_id=workflow_id))])
    assert stamped[0].event_id == committed[-1][-1].event_id + 1
    assert stamped[0].timestamp == 1_000
    await journaled.close()
    reopened = await open_journal(tmp_path, clock)
    assert reopened.last_event_id == stamped[0].event_id
    await reopened.close()
