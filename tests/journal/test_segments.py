"""Segment files: names, whole creation, and deletion after every registered reader released them."""

from __future__ import annotations

from pathlib import Path

import pytest

from stellwerk.journal.segments import SegmentDirectory, segment_name


def _directory(tmp_path: Path, *file_event_ids: int) -> SegmentDirectory:
    segments = SegmentDirectory(tmp_path, "controller")
    for file_event_id in file_event_ids:
        segments.create(file_event_id, b"content %d\n" % file_event_id)
    return segments


def _ids(segments: SegmentDirectory) -> list[int]:
    return [s.file_event_id for s in segments.segments()]


def test_segments_are_named_by_the_event_id_before_them_and_listed_oldest_first(tmp_path: Path) -> None:
    segments = _directory(tmp_path, 0, 2000, 1000)
    (tmp_path / "agent--0.journal").write_bytes(b"")
    (tmp_path / "controller--01.journal").write_bytes(b"")
    assert _ids(segments) == [0, 1000, 2000]
    assert segment_name("controller", 1000) == "controller--1000.journal"
    assert (tmp_path / "controller--1000.journal").read_bytes() == b"content 1000\n"
    assert not list(tmp_path.glob(".*"))


def test_leftover_temp_files_are_removed(tmp_path: Path) -> None:
    segments = _directory(tmp_path, 0)
    leftover = tmp_path / ".controller--5.journal.tmp"
    leftover.write_bytes(b"half")
    assert segments.remove_leftover_temp_files() == [leftover]
    assert _ids(segments) == [0]


def test_without_readers_all_but_the_newest_segment_are_deleted(tmp_path: Path) -> None:
    segments = _directory(tmp_path, 0, 1000, 2000)
    assert len(segments.delete_released()) == 2
    assert _ids(segments) == [2000]


def test_a_reader_that_never_released_keeps_everything(tmp_path: Path) -> None:
    segments = _directory(tmp_path, 0, 1000, 2000)
    segments.register("history")
    segments.register("proxy")
    assert segments.release("proxy", 5000) == []
    assert _ids(segments) == [0, 1000, 2000]


def test_a_segment_goes_when_every_reader_released_past_its_last_event(tmp_path: Path) -> None:
    segments = _directory(tmp_path, 0, 1000, 2000)
    segments.register("history")
    segments.register("proxy")
    segments.release("proxy", 5000)
    assert segments.release("history", 999) == []  # event 1000 is the last of the first segment
    assert segments.release("history", 1000) == [tmp_path / "controller--0.journal"]
    assert segments.release("history", 1999) == []
    assert segments.release("history", 9999) == [tmp_path / "controller--1000.journal"]
    assert _ids(segments) == [2000]  # the newest is never deleted


def test_a_release_never_goes_back_and_unknown_readers_are_refused(tmp_path: Path) -> None:
    segments = _directory(tmp_path, 0, 1000)
    segments.register("history")
    segments.release("history", 500)
    segments.release("history", 100)
    assert segments.released() == {"history": 500}
    with pytest.raises(KeyError):
        segments.release("nobody", 1)
