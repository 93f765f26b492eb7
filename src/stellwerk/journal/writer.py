"""Group commit: many producers `await persist(events)`, one writer task writes everything queued during the
previous fdatasync in one write and one fdatasync (in a thread, unless the disk syncs fast), then hands the batch
to `on_durable` and wakes the producers. Rollover to a new segment with a full snapshot happens between batches,
on request or when the segment grows beyond `segment_size_limit`, or when events were written and the segment is
older than `snapshot_period` seconds (so that released segments get deleted on a node that runs long).

The order of effects is the file's: EventIds are given when `persist` is called, batches are written, made
durable and handed to `on_durable` one after the other, all in the writer task.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from msgspec.structs import replace

import stellwerk
from stellwerk.journal.event_id import EventIdGenerator
from stellwerk.journal.format import JournalHeader, encode_segment_start, encode_transaction, iso_timestamp
from stellwerk.journal.replicator import WrittenBatch
from stellwerk.journal.segments import Segment, SegmentDirectory
from stellwerk.journal.stamped import Stamped
from stellwerk.journal.statistics import JournalStatistics
from stellwerk.model.events import KeyedEvent

# Called in the writer task with each durable batch (transactions in file order, each with whether it was
# applied already) before producers wake.
OnDurable = Callable[[Sequence[tuple[tuple[Stamped, ...], bool]], WrittenBatch, bytes], Awaitable[None]]
# Snapshot elements (JSON objects) of the state after every event handed to `on_durable`.
SnapshotSource = Callable[[], Sequence[bytes]]

DEFAULT_SEGMENT_SIZE_LIMIT = 1 << 30
# When the last fdatasync took less than this, the next batch is written and synced in the loop's own thread:
# handing it to a thread and back costs more than such a sync blocks the loop (order added -> process started
# 0.3-0.5 ms sooner at the median in bench/throughput.py). A slower disk, and the first sync on a disk not yet
# seen, sync in a thread, so that the loop goes on meanwhile.
INLINE_SYNC_LIMIT = 0.002


class JournalStopped(Exception):
    """The journal is closed, or it failed (an I/O error, a failed replication, an event that did not
    apply): nothing more can be persisted. The cause is chained."""


@dataclass(slots=True)
class _Pending:
    stamped: tuple[Stamped, ...]
    data: bytes
    done: asyncio.Future[tuple[Stamped, ...]]
    # Applied to the state when committed (`JournaledState.commit`), not after it became durable.
    applied: bool = False


class JournalWriter:
    """Appends to the newest segment of `segments`, which is open for appending at `position`."""

    def __init__(
        self,
        segments: SegmentDirectory,
        segment: Segment,
        header: JournalHeader,
        *,
        ids: EventIdGenerator,
        snapshot: SnapshotSource,
        on_durable: OnDurable,
        sync: Callable[[int], None] = os.fdatasync,
        segment_size_limit: int = DEFAULT_SEGMENT_SIZE_LIMIT,
        total_event_count: int = 0,
        snapshot_period: float | None = None,
    ) -> None:
        self._segments = segments
        self._segment = segment
        self._header = header
        self._ids = ids
        self._snapshot = snapshot
        self._on_durable = on_durable
        self._sync = sync
        self._size_limit = segment_size_limit
        self._total_event_count = total_event_count
        self._last_written_id = ids.last
        self._fd = os.open(segment.path, os.O_WRONLY | os.O_APPEND)
        self._position = os.fstat(self._fd).st_size
        # A snapshot alone larger than the limit must not cause a rollover after every batch.
        self._grown = False
        self._queue: list[_Pending] = []
        self._last_sync_seconds = math.inf
        self.statistics = JournalStatistics()
        self._rollovers: list[asyncio.Future[Segment]] = []
        self._wakeup = asyncio.Event()
        self._stopped: BaseException | None = None
        self._closing = False
        self._period = snapshot_period
        self._loop = asyncio.get_running_loop()
        self._segment_began = self._loop.time()
        self._task = self._loop.create_task(self._run(), name=f"journal {segment.name}")

    @property
    def segment(self) -> Segment:
        return self._segment

    @property
    def last_written_id(self) -> int:
        return self._last_written_id

    @property
    def last_stamped_id(self) -> int:
        return self._ids.last

    @property
    def has_events(self) -> bool:
        """Whether events were written to the segment since its snapshot."""
        return self._grown

    async def persist(self, keyed_events: Sequence[KeyedEvent]) -> tuple[Stamped, ...]:
        """Stamps the events, queues them as one transaction and returns them when they are durable (and
        `on_durable` has run for their batch)."""
        return await self.enqueue(self.stamp(keyed_events), applied=False)

    def stamp(
        self, keyed_events: Sequence[KeyedEvent], timestamps: Sequence[int | None] | None = None
    ) -> tuple[Stamped, ...]:
        self._check_running()
        return self._ids.stamp(keyed_events, timestamps)

    def enqueue(self, stamped: tuple[Stamped, ...], *, applied: bool) -> asyncio.Future[tuple[Stamped, ...]]:
        """Queues stamped events as one transaction; the future is done when they are durable."""
        self._check_running()
        done: asyncio.Future[tuple[Stamped, ...]] = asyncio.get_running_loop().create_future()
        if not stamped:
            done.set_result(stamped)
            return done
        self._queue.append(_Pending(stamped, encode_transaction(stamped), done, applied))
        self._wakeup.set()
        return done

    async def roll_over(self) -> Segment:
        """Begins a new segment with a snapshot after everything persisted so far; returns it."""
        self._check_running()
        done: asyncio.Future[Segment] = asyncio.get_running_loop().create_future()
        self._rollovers.append(done)
        self._wakeup.set()
        return await done

    async def close(self) -> None:
        """Writes what is queued, then stops the writer task and closes the file."""
        if not self._closing:
            self._closing = True
            self._wakeup.set()
        await asyncio.shield(self._task)

    async def until_stopped(self) -> BaseException | None:
        """Until the writer has stopped: the failure that stopped it, None after an orderly close."""
        await asyncio.shield(self._task)
        return self._stopped

    def _check_running(self) -> None:
        if self._stopped is not None or self._closing:
            raise JournalStopped("The journal is not running") from self._stopped

    async def _run(self) -> None:
        try:
            while self._queue or self._rollovers or not self._closing:
                await self._wait()
                while self._queue:
                    await self._commit(self._take_queue())
                # No await since the queue was found empty: the snapshot shows exactly what is written, even
                # with transactions that are applied when committed.
                if self._rollovers or (self._grown and (self._position > self._size_limit or self._aged())):
                    await self._roll_over()
        except BaseException as failure:
            self._stopped = failure
            self._fail_all(failure)
            if not isinstance(failure, Exception):
                raise
        finally:
            os.close(self._fd)

    async def _wait(self) -> None:
        """Until there is work, or until the segment with events in it reaches the snapshot period."""
        timeout = None
        if self._period is not None and self._grown and not self._closing:
            timeout = max(0.0, self._segment_began + self._period - self._loop.time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        self._wakeup.clear()

    def _aged(self) -> bool:
        return self._period is not None and self._loop.time() - self._segment_began >= self._period

    def _take_queue(self) -> list[_Pending]:
        queue, self._queue = self._queue, []
        return queue

    async def _commit(self, batch: list[_Pending]) -> None:
        data = b"".join(pending.data for pending in batch)
        try:
            if self._last_sync_seconds < INLINE_SYNC_LIMIT:
                self._write_and_sync(data)
            else:
                await asyncio.to_thread(self._write_and_sync, data)
        except BaseException as failure:
            self._fail(batch, failure)
            raise
        last_id = batch[-1].stamped[-1].event_id
        written = WrittenBatch(
            segment=self._segment.name,
            start=self._position,
            end=self._position + len(data),
            last_event_id=last_id,
        )
        self._position = written.end
        self._grown = True
        self._last_written_id = last_id
        events = sum(len(p.stamped) for p in batch)
        self._total_event_count += events
        self.statistics.written(events, len(data))
        try:
            await self._on_durable([(p.stamped, p.applied) for p in batch], written, data)
        except BaseException as failure:
            self._fail(batch, failure)
            raise
        for pending in batch:
            if not pending.done.done():
                pending.done.set_result(pending.stamped)

    def _write_and_sync(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        began = time.monotonic()
        self._sync(self._fd)
        self._last_sync_seconds = time.monotonic() - began
        self.statistics.synced(self._last_sync_seconds)

    async def _roll_over(self) -> None:
        rollovers, self._rollovers = self._rollovers, []
        try:
            await self._begin_segment()
        except BaseException:
            self._rollovers = rollovers + self._rollovers  # failed with the writer, not left waiting
            raise
        for done in rollovers:
            if not done.done():
                done.set_result(self._segment)

    async def _begin_segment(self) -> None:
        header = replace(
            self._header,
            event_id=self._last_written_id,
            generation=self._header.generation + 1,
            total_event_count=self._total_event_count,
            timestamp=iso_timestamp(self._ids.clock()),
            stellwerk_version=stellwerk.__version__,
        )
        content = encode_segment_start(header, self._snapshot())
        segment = await asyncio.to_thread(self._segments.create, header.event_id, content)
        os.close(self._fd)
        self._fd = os.open(segment.path, os.O_WRONLY | os.O_APPEND)
        self._segment, self._header, self._position = segment, header, len(content)
        self._grown = False
        self._segment_began = self._loop.time()
        await asyncio.to_thread(self._segments.delete_released)

    def _fail(self, batch: list[_Pending], failure: BaseException) -> None:
        error = JournalStopped(f"Journal {self._segment.name} failed: {failure!r}")
        error.__cause__ = failure
        for pending in batch:
            if not pending.done.done():
                pending.done.set_exception(error)
                # Retrieved here: a waiter that went away must not have it logged at garbage collection (the
                # failure is reported once, by the service's halt).
                pending.done.exception()

    def _fail_all(self, failure: BaseException) -> None:
        self._fail(self._take_queue(), failure)
        error = JournalStopped(f"Journal {self._segment.name} failed: {failure!r}")
        for done in self._rollovers:
            if not done.done():
                done.set_exception(error)
        self._rollovers = []
