"""The segment files of one journal in its state directory: naming, atomic creation, and deletion of the
segments that every registered reader has released.

A segment `<base>--<fileEventId>.journal` holds the events after `fileEventId` up to the next segment's
fileEventId. Only the newest segment grows; older ones are deleted when each registered reader has released
(`release(reader, until_event_id)`) at least up to their last event. A registered reader that never released
keeps everything; with no reader registered, older segments go at once (JS7 without releasing users).

Limitation: registrations and release points live in memory; a restarted node keeps all segments until its
readers have registered and released again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import msgspec

SUFFIX = ".journal"
_TEMP_SUFFIX = ".tmp"


class Segment(msgspec.Struct, frozen=True):
    path: Path
    file_event_id: int

    @property
    def name(self) -> str:
        return self.path.name


def segment_name(base: str, file_event_id: int) -> str:
    return f"{base}--{file_event_id}{SUFFIX}"


def fsync_directory(directory: Path) -> None:
    """Makes a created, renamed or deleted directory entry durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SegmentDirectory:
    """The segments of journal `base` in `directory`, and the readers whose release governs their deletion."""

    def __init__(self, directory: Path, base: str, sync: Callable[[int], None] = os.fsync) -> None:
        self.directory = directory
        self.base = base
        self._sync = sync
        self._pattern = re.compile(re.escape(base) + r"--(0|[1-9][0-9]*)" + re.escape(SUFFIX))
        self._released: dict[str, int] = {}

    def segments(self) -> list[Segment]:
        """The segments, oldest first."""
        found = []
        for path in self.directory.iterdir():
            match = self._pattern.fullmatch(path.name)
            if match:
                found.append(Segment(path, int(match.group(1))))
        return sorted(found, key=lambda s: s.file_event_id)

    def remove_leftover_temp_files(self) -> list[Path]:
        """Temp files of a segment creation that a crash interrupted: never renamed, so never in use."""
        leftovers = list(self.directory.glob(f".{self.base}--*{SUFFIX}{_TEMP_SUFFIX}"))
        for path in leftovers:
            path.unlink()
        return leftovers

    def create(self, file_event_id: int, content: bytes) -> Segment:
        """Writes the segment under a temp name, syncs it, renames it into place and syncs the directory,
        so a segment is visible only whole. A segment of the same fileEventId (a snapshot without events
        since the last one) is replaced: it holds the same state."""
        path = self.directory / segment_name(self.base, file_event_id)
        temp = self.directory / f".{path.name}{_TEMP_SUFFIX}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            self._sync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        fsync_directory(self.directory)
        return Segment(path, file_event_id)

    # Readers ---------------------------------------------------------------------------------------------

    def register(self, reader: str) -> None:
        """A reader that has not released anything yet keeps every segment."""
        self._released.setdefault(reader, 0)

    def unregister(self, reader: str) -> None:
        self._released.pop(reader, None)

    def released(self) -> dict[str, int]:
        return dict(self._released)

    def release(self, reader: str, until_event_id: int) -> list[Path]:
        """The reader needs no events up to `until_event_id` any more; returns the segments deleted."""
        if reader not in self._released:
            raise KeyError(f"Unknown journal reader {reader!r}")
        self._released[reader] = max(self._released[reader], until_event_id)
        return self.delete_released()

    def delete_released(self) -> list[Path]:
        """Deletes every segment but the newest whose events all readers have released."""
        release_point = min(self._released.values(), default=None)
        segments = self.segments()
        deleted = []
        for segment, successor in zip(segments, segments[1:], strict=False):
            # The segment's last event is the one before its successor begins.
            if release_point is not None and release_point < successor.file_event_id:
                break
            segment.path.unlink()
            deleted.append(segment.path)
        if deleted:
            fsync_directory(self.directory)
        return deleted
