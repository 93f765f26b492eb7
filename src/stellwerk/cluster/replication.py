"""Journal replication between the cluster nodes, byte for byte (js7-reference §8.2 step 3).

The passive node asks the active one for its journal from a position — `(fileEventId, byte offset)` of its own
newest segment — and gets the bytes after it (`JournalSource.read`, a long-poll that waits for new bytes up to a
heartbeat). It writes and fsyncs them (`JournalFollower`) and asks again from its new position: each request
acknowledges everything before its position. While the cluster is coupled the active node's `replicate` (the
journal's Replicator) returns only when the passive has acknowledged the batch: an event counts as committed only
when both nodes have it.

A new segment is sent whole (header and snapshot, up to its current end) and created atomically on the passive.
A passive that has bytes the active node does not — a former active node that failed — is told to cut its journal
where the new active node took over (`failed_at`), dropping what was never acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

import msgspec

from stellwerk.cluster.states import ClusterState
from stellwerk.journal.recovery import recover, truncate
from stellwerk.journal.replicator import WrittenBatch
from stellwerk.journal.segments import Segment, SegmentDirectory, fsync_directory
from stellwerk.model.problems import Problem

# (fileEventId of the segment, byte offset in it); (-1, 0): no journal yet.
Position = tuple[int, int]
NO_POSITION: Position = (-1, 0)


class JournalChunk(msgspec.Struct, frozen=True, kw_only=True):
    """The active node's answer: `data` of segment `file_event_id` from byte `position` (position 0: the whole
    segment start, to be created at once), or with `truncate` the position to cut the asker's journal at. `state`
    is the active node's cluster state."""

    file_event_id: int
    position: int
    data: bytes = b""
    truncate: bool = False
    state: ClusterState


def file_event_id_of(segment_name: str) -> int:
    return int(segment_name.rsplit("--", 1)[1].split(".", 1)[0])


def newest_position(segments: SegmentDirectory) -> Position:
    found = segments.segments()
    if not found:
        return NO_POSITION
    return (found[-1].file_event_id, found[-1].path.stat().st_size)


class JournalSource:
    """The active node's journal as the passive reads it, and the Replicator that waits for its acknowledgement
    while `needs_ack()` holds. `on_ack` is called with each acknowledgement (the passive is alive)."""

    def __init__(
        self,
        segments: SegmentDirectory,
        *,
        needs_ack: Callable[[], bool],
        state: Callable[[], ClusterState],
        diverged_at: Callable[[], Position | None],
        on_ack: Callable[[Position], None],
        chunk_bytes: int = 4 << 20,
    ) -> None:
        self._segments = segments
        self._needs_ack = needs_ack
        self._state = state
        self._diverged_at = diverged_at
        self._on_ack = on_ack
        self._chunk_bytes = chunk_bytes
        self.acknowledged: Position = NO_POSITION
        self.written: Position = newest_position(segments)
        self._written_changed = asyncio.Condition()
        self._ack_changed = asyncio.Condition()

    # The Replicator ------------------------------------------------------------------------------------------

    async def replicate(self, written: WrittenBatch, data: bytes) -> None:
        self.written = (file_event_id_of(written.segment), written.end)
        async with self._written_changed:
            self._written_changed.notify_all()
        async with self._ack_changed:
            await self._ack_changed.wait_for(
                lambda: self.acknowledged >= self.written or not self._needs_ack()
            )

    def mark_end(self) -> None:
        """Takes the journal's end as written (after the journal was closed with a final snapshot)."""
        self.written = newest_position(self._segments)

    async def until_acknowledged(self) -> None:
        """Until the passive has acknowledged everything written."""
        async with self._ack_changed:
            await self._ack_changed.wait_for(lambda: self.acknowledged >= self.written)

    async def coupling_changed(self) -> None:
        """Wakes `replicate` to look again whether it must wait (after the cluster state changed)."""
        async with self._ack_changed:
            self._ack_changed.notify_all()

    # Serving the passive ---------------------------------------------------------------------------------------

    async def read(self, position: Position, wait: float, header: str = "") -> JournalChunk:
        """What follows `position`, waiting up to `wait` seconds for new bytes; acknowledges `position`.
        `header` is the checksum of the asker's segment header (`header_of`): a segment replaced under the same
        name (a snapshot without events since the last one) is sent whole again. A position past where the
        journals diverged acknowledges nothing."""
        diverged = self._diverged_at()
        if header and header != await asyncio.to_thread(self._header_of, position[0]):
            position = (position[0], 0)
        elif diverged is None or position <= diverged:  # bytes past the fail-over point are not ours
            await self._acknowledge(position)
        # Reading files in a thread: the active node's loop is the engine's.
        chunk = await asyncio.to_thread(self._chunk_after, position)
        if chunk is None:
            async with self._written_changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._written_changed.wait(), wait)
            chunk = await asyncio.to_thread(self._chunk_after, position) or self._empty(position)
        return chunk

    def _header_of(self, file_id: int) -> str:
        found = [s for s in self._segments.segments() if s.file_event_id == file_id]
        return header_of(found[0]) if found else ""

    async def _acknowledge(self, position: Position) -> None:
        self._on_ack(position)
        if position > self.acknowledged:
            self.acknowledged = position
            async with self._ack_changed:
                self._ack_changed.notify_all()

    def _chunk_after(self, position: Position) -> JournalChunk | None:
        """The bytes after `position`, a cut, or None when there is nothing new yet."""
        diverged = self._diverged_at()
        if diverged is not None and position > diverged:
            return self._cut(diverged)
        file_id, offset = position
        segments = self._segments.segments()
        by_id = {s.file_event_id: s for s in segments}
        newest = segments[-1]
        segment = by_id.get(file_id)
        if segment is None:
            if file_id > newest.file_event_id:
                return self._cut((newest.file_event_id, _size(newest)))
            return self._whole(newest)
        size = _size(segment)
        if offset > size:
            return self._cut((file_id, size))
        if offset == 0:
            return self._whole(segment)
        if offset < size:
            return self._bytes(segment, offset, min(size, offset + self._chunk_bytes))
        later = [s for s in segments if s.file_event_id > file_id]
        return self._whole(later[0]) if later else None

    def _bytes(self, segment: Segment, start: int, end: int) -> JournalChunk:
        with segment.path.open("rb") as file:
            file.seek(start)
            data = file.read(end - start)
        return JournalChunk(
            file_event_id=segment.file_event_id, position=start, data=data, state=self._state()
        )

    def _whole(self, segment: Segment) -> JournalChunk:
        return JournalChunk(
            file_event_id=segment.file_event_id,
            position=0,
            data=segment.path.read_bytes(),
            state=self._state(),
        )

    def _cut(self, position: Position) -> JournalChunk:
        return JournalChunk(
            file_event_id=position[0], position=position[1], truncate=True, state=self._state()
        )

    def _empty(self, position: Position) -> JournalChunk:
        return JournalChunk(file_event_id=position[0], position=position[1], state=self._state())


def header_of(segment: Segment) -> str:
    """The checksum that begins the segment's header line: it differs when the segment was replaced."""
    try:
        with segment.path.open("rb") as file:
            return file.read(8).decode("ascii", errors="replace")
    except FileNotFoundError:
        return ""


def _size(segment: Segment) -> int:
    try:
        return segment.path.stat().st_size
    except FileNotFoundError:
        return 0


class JournalReplica:
    """The passive node's copy of the journal: it applies the chunks the active node sends."""

    def __init__(self, segments: SegmentDirectory, sync: Callable[[int], None] = os.fdatasync) -> None:
        self._segments = segments
        self._sync = sync
        self._segments.remove_leftover_temp_files()

    def position(self) -> Position:
        return newest_position(self._segments)

    def header(self) -> str:
        """The checksum of the newest segment's header (`header_of`), "" without a segment."""
        found = self._segments.segments()
        return header_of(found[-1]) if found else ""

    def cut_torn_end(self) -> None:
        """Cuts what the newest segment ends with that is no complete transaction (as recovery would), so that
        a position taken now is one where both nodes' bytes agree after this node opens the journal."""
        recovered = recover(self._segments)
        if isinstance(recovered, Problem):
            raise ValueError(recovered.message)

    def apply(self, chunk: JournalChunk) -> None:
        """Writes and syncs the chunk (or cuts the journal); afterwards `position()` acknowledges it."""
        if chunk.truncate:
            self._cut(chunk.file_event_id, chunk.position)
        elif chunk.data and chunk.position == 0:
            self._segments.create(chunk.file_event_id, chunk.data)
            self._drop_older_than_previous(chunk.file_event_id)
        elif chunk.data:
            self._append(chunk)

    def _append(self, chunk: JournalChunk) -> None:
        file_id, size = self.position()
        if (file_id, size) != (chunk.file_event_id, chunk.position):
            raise ValueError(
                f"Chunk at {chunk.file_event_id}:{chunk.position} does not follow {file_id}:{size}"
            )
        path = self._segments.segments()[-1].path
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(chunk.data)
            while view:
                view = view[os.write(fd, view) :]
            self._sync(fd)
        finally:
            os.close(fd)

    def _cut(self, file_id: int, offset: int) -> None:
        for segment in self._segments.segments():
            if segment.file_event_id > file_id:
                segment.path.unlink()
            elif segment.file_event_id == file_id and _size(segment) > offset:
                truncate(segment, offset)
        fsync_directory(self._segments.directory)

    def _drop_older_than_previous(self, file_id: int) -> None:
        """Keeps the new segment and the one before: the older ones are of no use to a passive node."""
        older = [s for s in self._segments.segments() if s.file_event_id < file_id]
        for segment in older[:-1]:
            segment.path.unlink()
