"""`JournalSource` and `JournalReplica` on real journal files: the replica is byte for byte the source however the
bytes are split; a torn end is cut before a fail-over position is taken; a journal that went further than where
the other node took over is cut there; a missing segment is sent whole."""

from __future__ import annotations

from pathlib import Path

from stellwerk.cluster.replication import NO_POSITION, JournalReplica, JournalSource, Position
from stellwerk.cluster.states import ClusterState, Empty
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.segments import SegmentDirectory
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from tests.journal.journal_helpers import ManualClock, order_adds, rich_state


async def _journal(directory: Path) -> JournaledState:
    journaled = await JournaledState.open(
        _mkdir(directory), base="controller", clock=ManualClock(), initial_state=rich_state
    )
    assert not isinstance(journaled, Problem), journaled
    return journaled


def _source(directory: Path, diverged: Position | None = None, chunk_bytes: int = 1 << 20) -> JournalSource:
    state: ClusterState = Empty()
    return JournalSource(
        SegmentDirectory(directory, "controller"),
        needs_ack=lambda: False,
        state=lambda: state,
        diverged_at=lambda: diverged,
        on_ack=lambda _: None,
        chunk_bytes=chunk_bytes,
    )


def _newest_bytes(directory: Path) -> bytes:
    return SegmentDirectory(directory, "controller").segments()[-1].path.read_bytes()


async def _follow(source: JournalSource, replica: JournalReplica) -> None:
    while chunk := await source.read(replica.position(), 0.0, replica.header()):
        if not chunk.data and not chunk.truncate:
            return
        replica.apply(chunk)


async def test_the_replica_is_byte_for_byte_the_source_in_small_chunks(tmp_path: Path) -> None:
    journaled = await _journal(tmp_path / "active")
    replica = JournalReplica(SegmentDirectory(_mkdir(tmp_path / "passive"), "controller"))
    assert replica.position() == NO_POSITION
    await _follow(_source(tmp_path / "active", chunk_bytes=97), replica)
    assert _newest_bytes(tmp_path / "passive") == _newest_bytes(tmp_path / "active")
    await journaled.take_snapshot()  # replaces the segment (no events since): it comes whole again
    await _follow(_source(tmp_path / "active", chunk_bytes=97), replica)
    assert _newest_bytes(tmp_path / "passive") == _newest_bytes(tmp_path / "active")
    await journaled.persist(order_adds(journaled.state))
    await _follow(_source(tmp_path / "active", chunk_bytes=97), replica)
    assert _newest_bytes(tmp_path / "passive") == _newest_bytes(tmp_path / "active")
    await journaled.take_snapshot()  # a new segment comes whole
    await journaled.persist(
        [e.KeyedEvent("w9", e.OrderAdded(workflow_id=journaled.state.latest_workflow["W"]))]
    )
    await _follow(_source(tmp_path / "active", chunk_bytes=97), replica)
    assert _newest_bytes(tmp_path / "passive") == _newest_bytes(tmp_path / "active")
    await journaled.close()


async def test_a_torn_end_is_cut_and_a_journal_beyond_the_fail_over_point_is_cut_there(
    tmp_path: Path,
) -> None:
    journaled = await _journal(tmp_path / "active")
    await journaled.persist(order_adds(journaled.state))
    await journaled.close()
    complete = _newest_bytes(tmp_path / "active")
    passive = SegmentDirectory(_mkdir(tmp_path / "passive"), "controller")
    replica = JournalReplica(passive)
    await _follow(_source(tmp_path / "active"), replica)
    segment = passive.segments()[-1]
    # The passive holds half a line more (a chunk ended in the middle of a line).
    segment.path.write_bytes(complete + b'0badc0de\t{"eventId":')
    replica.cut_torn_end()
    assert replica.position() == (segment.file_event_id, len(complete))

    # The old active has bytes after the position where the other node took over: told to cut there.
    failed_at = (segment.file_event_id, len(complete) - 10)
    chunk = await _source(tmp_path / "passive", diverged=failed_at).read(replica.position(), 0.0)
    assert chunk.truncate
    replica.apply(chunk)
    assert replica.position() == failed_at


async def test_a_position_past_where_the_journals_diverged_acknowledges_nothing(tmp_path: Path) -> None:
    """The old active asks from its own end, beyond the fail-over point: those bytes are not the new active's,
    so the question must not count as their acknowledgement (else the cluster could couple on them)."""
    journaled = await _journal(tmp_path / "active")
    await journaled.persist(order_adds(journaled.state))
    await journaled.close()
    file_id = SegmentDirectory(tmp_path / "active", "controller").segments()[-1].file_event_id
    end = len(_newest_bytes(tmp_path / "active"))
    source = _source(tmp_path / "active", diverged=(file_id, end - 10))
    chunk = await source.read((file_id, end + 50), 0.0)
    assert chunk.truncate and (chunk.file_event_id, chunk.position) == (file_id, end - 10)
    assert source.acknowledged == NO_POSITION
    await source.read((file_id, end - 10), 0.0)  # from the cut on, the bytes agree
    assert source.acknowledged == (file_id, end - 10)


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path
