"""`JournaledState`: the only writer of a node's live `EngineState`.

`persist(events)` makes the events durable (group commit), has them replicated, applies them to the state
and publishes them to the event stream, in this order and in the order of the file; it returns the stamped
events when all of that is done. The events of one call are one transaction. `open` recovers the state from
the newest segment, or creates the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import msgspec

import stellwerk
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.journal.event_id import Clock, EventIdGenerator
from stellwerk.journal.format import JournalHeader, encode_segment_start, iso_timestamp
from stellwerk.journal.recovery import Recovered, recover
from stellwerk.journal.replicator import NoReplication, Replicator, WrittenBatch
from stellwerk.journal.segments import Segment, SegmentDirectory
from stellwerk.journal.snapshot import load_snapshot, snapshot_objects
from stellwerk.journal.stamped import Stamped
from stellwerk.journal.statistics import JournalStatistics
from stellwerk.journal.stream import EventStream
from stellwerk.journal.writer import DEFAULT_SEGMENT_SIZE_LIMIT, JournalStopped, JournalWriter
from stellwerk.model.events import KeyedEvent
from stellwerk.model.problems import Problem

DEFAULT_SNAPSHOT_PERIOD = 3600.0


class JournalSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`type_name` names the state in the header (ControllerState, AgentState) and must match on recovery.
    A new segment beginning with a snapshot is started when the segment exceeds `segment_size_limit` bytes, or
    is older than `snapshot_period` seconds with events in it (None: never by age); only then can segments that
    every reader released be deleted."""

    type_name: str = "ControllerState"
    segment_size_limit: int = DEFAULT_SEGMENT_SIZE_LIMIT
    stream_keep: int = 10_000
    snapshot_period: float | None = DEFAULT_SNAPSHOT_PERIOD


class InapplicableJournaledEvent(Exception):
    """A persisted event did not apply to the state: a bug in whoever computed it. The journal stops."""


class JournaledState:
    """The state, its journal and its event stream. Build it with `open`."""

    def __init__(
        self, state: EngineState, segments: SegmentDirectory, replicator: Replicator, stream: EventStream
    ) -> None:
        self._state = state
        self._segments = segments
        self._replicator = replicator
        self.stream = stream
        self.warnings: tuple[str, ...] = ()
        self._writer: JournalWriter | None = None

    @classmethod
    async def open(
        cls,
        directory: Path,
        *,
        base: str,
        clock: Clock,
        initial_state: Callable[[], EngineState] = EngineState,
        settings: JournalSettings | None = None,
        replicator: Replicator | None = None,
        sync: Callable[[int], None] = os.fdatasync,
    ) -> JournaledState | Problem:
        """Recovers the state from the journal `base` in `directory`, or creates the journal with a snapshot
        of `initial_state()`. Returns a Problem if the journal is corrupt or does not apply; what recovery
        cut off a torn end is in `warnings`."""
        settings = settings or JournalSettings()
        segments = SegmentDirectory(directory, base)
        with _garbage_collection_paused():
            start = _recover_or_create(segments, settings.type_name, clock, initial_state)
        if isinstance(start, Problem):
            return start
        stream = EventStream(start.last_event_id, settings.stream_keep)
        journaled = cls(start.state, segments, replicator or NoReplication(), stream)
        journaled.warnings = start.warnings
        # Release points journaled as JournalEventsReleased outlive a restart.
        for reader, until_event_id in start.state.released.items():
            segments.register(reader)
            segments.release(reader, until_event_id)
        journaled._writer = JournalWriter(
            segments,
            start.segment,
            start.header,
            ids=EventIdGenerator(clock, start.last_event_id),
            snapshot=lambda: snapshot_objects(journaled._state),
            on_durable=journaled._on_durable,
            sync=sync,
            segment_size_limit=settings.segment_size_limit,
            total_event_count=start.total_event_count,
            snapshot_period=settings.snapshot_period,
        )
        return journaled

    @property
    def state(self) -> EngineState:
        """The live state, to read. Change it only through `persist`."""
        return self._state

    @property
    def last_event_id(self) -> int:
        return self.stream.last_event_id

    @property
    def committed_event_id(self) -> int:
        """The EventId of the last event committed: with `commit`, the state includes every event up to it
        (some perhaps not yet durable, so not yet published)."""
        return self._running().last_stamped_id

    @property
    def segment(self) -> Segment:
        return self._running().segment

    @property
    def statistics(self) -> JournalStatistics:
        return self._running().statistics

    def size(self) -> int:
        """Bytes of the journal's segment files (a look at the directory)."""
        total = 0
        for segment in self._segments.segments():
            with contextlib.suppress(FileNotFoundError):  # deleted after a release meanwhile
                total += segment.path.stat().st_size
        return total

    async def persist(self, keyed_events: Sequence[KeyedEvent]) -> tuple[Stamped, ...]:
        """Persists (durable), replicates, applies and publishes the events as one transaction; returns them
        stamped. Raises JournalStopped if the journal has stopped."""
        return await self._running().persist(keyed_events)

    def commit(
        self, keyed_events: Sequence[KeyedEvent], timestamps: Sequence[int | None] | None = None
    ) -> asyncio.Future[tuple[Stamped, ...]]:
        """Applies the events to the state now, as one transaction, and writes them behind: the future is done
        when they are durable (and replicated); only then are they published. Whoever acts on them outside
        this process (an answer, a command to an Agent) must wait for it. If writing fails the journal stops
        and the process must end: its state is ahead of its journal, and recovery gives the journal's state.
        Raises InapplicableJournaledEvent, with the state already changed, if an event does not apply: a bug
        in whoever computed it. `timestamps`: see EventIdGenerator.stamp."""
        writer = self._running()
        stamped = writer.stamp(keyed_events, timestamps)
        for one in stamped:
            if problem := apply_event(self._state, one.keyed):
                raise InapplicableJournaledEvent(f"Event {one.event_id} does not apply: {problem}")
        return writer.enqueue(stamped, applied=True)

    async def take_snapshot(self) -> Segment:
        """Rolls over to a new segment that begins with a snapshot of the state; returns it."""
        return await self._running().roll_over()

    def register_reader(self, reader: str) -> None:
        """From now on, segments are kept until `reader` releases them."""
        self._segments.register(reader)

    def release(self, reader: str, until_event_id: int) -> list[Path]:
        """`reader` needs no events up to `until_event_id`; returns the segment files deleted."""
        return self._segments.release(reader, until_event_id)

    async def close(self, *, snapshot: bool = False) -> None:
        """Writes what is queued and closes the journal. With `snapshot` (an orderly stop), a segment with
        events in it is followed by a new one that begins with a snapshot, so the next start reads no events;
        unless the journal has stopped."""
        writer = self._running()
        if snapshot and writer.has_events:
            with contextlib.suppress(JournalStopped):
                await writer.roll_over()
        await writer.close()

    async def until_stopped(self) -> BaseException | None:
        """Until the journal has stopped: the failure (an I/O error such as a full disk) or None when closed."""
        return await self._running().until_stopped()

    def _running(self) -> JournalWriter:
        if self._writer is None:
            raise RuntimeError("JournaledState is not open")
        return self._writer

    async def _on_durable(
        self, transactions: Sequence[tuple[tuple[Stamped, ...], bool]], written: WrittenBatch, data: bytes
    ) -> None:
        await self._replicator.replicate(written, data)
        durable: list[Stamped] = []
        for transaction, already_applied in transactions:
            for stamped in transaction:
                if not already_applied and (problem := apply_event(self._state, stamped.keyed)):
                    self.stream.publish(durable)
                    raise InapplicableJournaledEvent(f"Event {stamped.event_id} does not apply: {problem}")
                durable.append(stamped)
        self.stream.publish(durable)


@contextlib.contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """Recovery allocates an object graph per order, all of which stays alive: the cyclic garbage collector,
    run again and again over the growing graph, found nothing and took half of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Start(NamedTuple):
    state: EngineState
    segment: Segment
    header: JournalHeader
    total_event_count: int
    last_event_id: int
    warnings: tuple[str, ...]


def _recover_or_create(
    segments: SegmentDirectory, type_name: str, clock: Clock, initial_state: Callable[[], EngineState]
) -> _Start | Problem:
    recovered = recover(segments)
    if isinstance(recovered, Problem):
        return recovered
    if recovered is None:
        state = initial_state()
        segment, header = _create_journal(segments, state, type_name, clock())
        return _Start(state, segment, header, 0, 0, ())
    loaded = _replay(recovered, type_name)
    if isinstance(loaded, Problem):
        return loaded
    parsed = recovered.parsed
    total = parsed.header.total_event_count + parsed.event_count
    return _Start(loaded, recovered.segment, parsed.header, total, parsed.last_event_id, recovered.warnings)


def _create_journal(
    segments: SegmentDirectory, state: EngineState, type_name: str, now_ms: int
) -> tuple[Segment, JournalHeader]:
    header = JournalHeader(
        type_name=type_name,
        journal_id=str(uuid.uuid4()),
        event_id=0,
        generation=1,
        total_event_count=0,
        timestamp=iso_timestamp(now_ms),
        stellwerk_version=stellwerk.__version__,
    )
    segment = segments.create(0, encode_segment_start(header, snapshot_objects(state)))
    return segment, header


def _replay(recovered: Recovered, type_name: str) -> EngineState | Problem:
    """The snapshot with the segment's events applied."""
    path = recovered.segment.path
    header = recovered.parsed.header
    if header.type_name != type_name:
        return Problem(f"Journal file {path} holds a {header.type_name}, not a {type_name}")
    state = load_snapshot(recovered.parsed.snapshot)
    if isinstance(state, Problem):
        return state.prefixed(f"Journal file {path}")
    for transaction in recovered.parsed.transactions:
        for stamped in transaction:
            if problem := apply_event(state, stamped.keyed):
                return Problem(f"Journal file {path}: event {stamped.event_id} does not apply: {problem}")
    return state
