"""Recovery: the newest segment is read (header, snapshot, events); a torn end is cut off the file and
reported, a corrupt middle stops recovery with a Problem naming the file, line and byte offset."""

from __future__ import annotations

import os
from collections.abc import Callable

import msgspec

from stellwerk.journal.format import ParsedSegment, TornTail, parse_segment
from stellwerk.journal.segments import Segment, SegmentDirectory
from stellwerk.model.problems import Problem


class Recovered(msgspec.Struct, frozen=True, kw_only=True):
    """The newest segment as read, now ending with its last complete transaction. `warnings` tell what was
    cut off (for the caller to log)."""

    segment: Segment
    parsed: ParsedSegment
    warnings: tuple[str, ...] = ()


def recover(segments: SegmentDirectory, sync: Callable[[int], None] = os.fsync) -> Recovered | Problem | None:
    """Reads the newest segment and truncates a torn end; None if the directory holds no segment."""
    found = segments.segments()
    leftovers = segments.remove_leftover_temp_files()
    if not found:
        return None
    newest = found[-1]
    parsed = parse_segment(newest.path.read_bytes())
    if isinstance(parsed, Problem):
        return parsed.prefixed(f"Corrupt journal file {newest.path}")
    if parsed.header.event_id != newest.file_event_id:
        return Problem(
            f"Journal file {newest.path}: header eventId {parsed.header.event_id} differs from the file name"
        )
    warnings = [f"Removed unfinished segment {path.name}" for path in leftovers]
    if parsed.torn is not None:
        truncate(newest, parsed.valid_length, sync)
        warnings.append(_described(newest, parsed.torn))
    return Recovered(segment=newest, parsed=parsed, warnings=tuple(warnings))


def truncate(segment: Segment, length: int, sync: Callable[[int], None] = os.fsync) -> None:
    """Cuts the segment to `length` bytes, durably."""
    fd = os.open(segment.path, os.O_WRONLY)
    try:
        os.ftruncate(fd, length)
        sync(fd)
    finally:
        os.close(fd)


def _described(segment: Segment, torn: TornTail) -> str:
    return f"Torn journal end cut off: {torn.describe(str(segment.path))}"
