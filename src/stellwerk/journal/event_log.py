"""A node's events for its readers: the journal's live stream, and the segment files for what the stream no
longer (or, after a restart, not yet) holds in memory. Events are kept until their registered readers release
them (js7-reference §6.1 step 6 and §7: the Controller an Agent's, the Cockpit the Controller's), so everything
after the oldest segment's start can be served.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from stellwerk.journal.format import encode_event, parse_segment
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.segments import Segment, SegmentDirectory
from stellwerk.journal.stamped import Stamped
from stellwerk.model.problems import Problem

_CHECKSUM_PREFIX = len("0123abcd\t")
TORN = "Torn event stream"


def event_line(stamped: Stamped) -> bytes:
    """The event as in the journal, without the checksum: `{"eventId":…,"Key":…,"TYPE":…}` and a line feed."""
    return encode_event(stamped)[_CHECKSUM_PREFIX:]


def heartbeat_line(event_id: int) -> bytes:
    return b'{"eventId":%d,"TYPE":"Heartbeat"}\n' % event_id


class EventLog:
    """Events after an EventId, from memory when possible, else from the journal's segment files."""

    def __init__(self, journal: JournaledState, directory: Path, base: str) -> None:
        self._journal = journal
        self._segments = SegmentDirectory(directory, base)

    @property
    def last_event_id(self) -> int:
        return self._journal.last_event_id

    def oldest_event_id(self) -> int:
        """Events after this EventId are all kept (in the oldest segment file and later)."""
        segments = self._segments.segments()
        return segments[0].file_event_id if segments else self.last_event_id

    async def after(self, event_id: int, limit: int) -> list[Stamped] | Problem:
        """The events after `event_id`, at most `limit`, at once; a Problem when they are gone or unknown."""
        if event_id < self.oldest_event_id():
            # Released (and their files deleted), even if memory still holds them: as the reader was told.
            return Problem(f"{TORN}: the events after {event_id} are no longer kept")
        found = self._journal.stream.after(event_id, limit)
        if not isinstance(found, Problem) or event_id > self.last_event_id:
            return found
        return await asyncio.to_thread(self._read_files, event_id, limit)

    async def wait_after(self, event_id: int, max_wait: float, limit: int) -> list[Stamped] | Problem:
        """Like `after`, but waits up to `max_wait` seconds for the first event."""
        found = await self.after(event_id, limit)
        if isinstance(found, Problem) or found or max_wait <= 0:
            return found
        return await self._journal.stream.wait_after(event_id, max_wait, limit)

    def _read_files(self, event_id: int, limit: int) -> list[Stamped] | Problem:
        found: list[Stamped] = []
        for segment in _segments_from(self._segments.segments(), event_id):
            try:
                data = segment.path.read_bytes()
            except FileNotFoundError:  # released and deleted meanwhile
                return Problem(f"{TORN}: the events after {event_id} are no longer kept")
            parsed = parse_segment(data)
            if isinstance(parsed, Problem):
                return parsed.prefixed(f"Journal file {segment.path}")
            for transaction in parsed.transactions:
                found.extend(s for s in transaction if s.event_id > event_id)
                if len(found) >= limit:
                    return found[:limit]
        return found


def _segments_from(segments: list[Segment], event_id: int) -> list[Segment]:
    """The segments that may hold events after `event_id`: the last one beginning at or before it, and later."""
    first = 0
    for index, segment in enumerate(segments):
        if segment.file_event_id <= event_id:
            first = index
    return segments[first:]
